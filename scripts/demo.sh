#!/usr/bin/env bash
# `make run`: the failover demo. Two Tandem servers on loopback, as two DNS
# vendors would be: a primary serving examples/example.com.zone and a
# secondary that copies it by zone transfer (AXFR, then IXFR on NOTIFY),
# authenticated with a TSIG key. A change at the primary reaches the
# secondary within milliseconds; then the primary is stopped (the "vendor
# outage") and the secondary keeps answering. Every step is printed.
#
# Usage: scripts/demo.sh [PATH_TO_TANDEM]     (default: build/tandem)
# Environment: TANDEM_DEMO_PORT (primary's port, default 5300; the secondary uses +1)
set -u

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tandem="${1:-$root/build/tandem}"
pport="${TANDEM_DEMO_PORT:-5300}"
sport=$((pport + 1))

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ -x "$tandem" ] || die "no tandem binary at '$tandem' (run 'make build' first)"
[ -f "$root/examples/example.com.zone" ] || die "missing examples/example.com.zone"
if command -v dig >/dev/null; then
  dig_cmd=dig
elif command -v kdig >/dev/null; then
  dig_cmd=kdig
else
  die "neither dig nor kdig is installed (Debian: apt-get install bind9-dnsutils knot-dnsutils)"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tandem-demo.XXXXXX")"
mkdir -p "$tmp/primary" "$tmp/secondary"
zone="$tmp/primary/example.com.zone"
cp "$root/examples/example.com.zone" "$zone"
primary_pid=""
secondary_pid=""
tail_pid=""

stop() {  # pid
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
  fi
}
cleanup() {
  trap - EXIT INT TERM
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
  stop "$primary_pid"
  stop "$secondary_pid"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() {
  echo "\$ $*"
  "$@" 2>&1 | sed 's/^/  /'
  echo
}
# Prints the serial the server on port $1 answers, or nothing.
serial_at() {
  $dig_cmd @127.0.0.1 -p "$1" example.com SOA +short +time=1 +tries=1 2>/dev/null | awk '{print $3}'
}
# Waits up to $3 seconds until the server on port $1 answers serial $2.
wait_serial() {
  local i
  for i in $(seq 1 $(($3 * 20))); do
    [ "$(serial_at "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}
now_ms() { date +%s%3N; }

bold "== 1. A TSIG key shared by the two servers"
echo "\$ tandem keygen xfr-key"
key_yaml="$("$tandem" keygen xfr-key)" || die "keygen failed"
echo "$key_yaml" | sed 's/^/  /'
secret="$(echo "$key_yaml" | awk -F'"' '/secret/ {print $2}')"
echo

cat >"$tmp/primary/tandem.yaml" <<YAML
# The primary ("vendor A"): serves the zone file, lets the secondary
# transfer it with the key, and NOTIFYs it on every change.
server:
  listen: [ "127.0.0.1@$pport" ]
  workers: 1
  storage: $tmp/primary/data
  control: $tmp/primary/tandem.sock
key:
  - { id: xfr-key, algorithm: hmac-sha256, secret: "$secret" }
remote:
  - { id: secondary, address: [ "127.0.0.1@$sport" ], key: xfr-key }
acl:
  - { id: to-secondary, address: [ "127.0.0.1" ], key: xfr-key, action: [ transfer ] }
zone:
  - domain: example.com.
    file: $zone
    notify: [ secondary ]
    acl: [ to-secondary ]
YAML
cat >"$tmp/secondary/tandem.yaml" <<YAML
# The secondary ("vendor B"): copies the zone from the primary, accepts its
# NOTIFYs, keeps a copy on disk and a readable one in example.com.zone.
server:
  listen: [ "127.0.0.1@$sport" ]
  workers: 1
  storage: $tmp/secondary/data
  control: $tmp/secondary/tandem.sock
key:
  - { id: xfr-key, algorithm: hmac-sha256, secret: "$secret" }
remote:
  - { id: primary, address: [ "127.0.0.1@$pport" ], key: xfr-key }
acl:
  - { id: from-primary, address: [ "127.0.0.1" ], key: xfr-key, action: [ notify ] }
zone:
  - domain: example.com.
    primary: [ primary ]
    file: $tmp/secondary/example.com.zone
    acl: [ from-primary ]
YAML

bold "== 2. Starting the primary (port $pport) and the secondary (port $sport)"
sed 's/^/  | /' "$tmp/secondary/tandem.yaml"
echo
"$tandem" serve -c "$tmp/primary/tandem.yaml" 2>"$tmp/primary/log" &
primary_pid=$!
serial="$(awk '/serial/ {print $1; exit}' "$zone")"
wait_serial "$pport" "$serial" 10 || { cat "$tmp/primary/log" >&2; die "the primary did not start (port $pport in use? set TANDEM_DEMO_PORT)"; }
"$tandem" serve -c "$tmp/secondary/tandem.yaml" 2>"$tmp/secondary/log" &
secondary_pid=$!
t0=$(now_ms)
wait_serial "$sport" "$serial" 10 || { cat "$tmp"/*/log >&2; die "the secondary did not get the zone within 10 s (ports $pport/$sport in use? set TANDEM_DEMO_PORT)"; }
echo "The secondary answers serial $serial, $(( $(now_ms) - t0 )) ms after start. Its log:"
sed 's/^/  | /' "$tmp/secondary/log"
echo
run $dig_cmd @127.0.0.1 -p "$sport" www.example.com A +noall +answer +norecurse
run $dig_cmd @127.0.0.1 -p "$sport" news.example.com A +noall +comments +norecurse

bold "== 3. A change at the primary: new serial, a new name news.example.com"
next=$((serial + 1))
sed -i "s/$serial/$next/" "$zone"
echo "news            A     192.0.2.99" >> "$zone"
echo "  (serial $serial -> $next in $zone, and the line: news A 192.0.2.99)"
t0=$(now_ms)
run "$tandem" ctl -c "$tmp/primary/tandem.yaml" reload
wait_serial "$sport" "$next" 10 || die "the change did not reach the secondary"
echo "The secondary answers serial $next $(( $(now_ms) - t0 )) ms after the reload (NOTIFY + IXFR):"
grep -E "NOTIFY|IXFR" "$tmp/primary/log" "$tmp/secondary/log" | sed "s|$tmp/||; s/^/  | /"
echo
run $dig_cmd @127.0.0.1 -p "$sport" news.example.com A +noall +answer +norecurse

bold "== 4. The primary's vendor goes down"
stop "$primary_pid"
primary_pid=""
echo "primary stopped. Asking it:"
run $dig_cmd @127.0.0.1 -p "$pport" news.example.com A +time=1 +tries=1 +norecurse +noall +comments
echo "Asking the secondary: it still answers, until the zone's expire time (14 days here)."
run $dig_cmd @127.0.0.1 -p "$sport" news.example.com A +noall +answer +norecurse
run "$tandem" ctl -c "$tmp/secondary/tandem.yaml" zone-status
echo "Its copy on disk survives restarts; the readable one is $tmp/secondary/example.com.zone:"
head -n 4 "$tmp/secondary/example.com.zone" | sed 's/^/  | /'
echo

if [ -t 0 ]; then
  bold "The secondary keeps running on 127.0.0.1 port $sport. Try:"
  echo "  $dig_cmd @127.0.0.1 -p $sport example.com SOA"
  echo "  $tandem ctl -c $tmp/secondary/tandem.yaml zone-status"
  bold "Press Ctrl-C to stop it."
  echo
  tail -n 0 -f "$tmp/secondary/log" &
  tail_pid=$!
  wait "$secondary_pid"
  secondary_pid=""
else
  bold "stdin is not a terminal: stopping the demo."
fi
