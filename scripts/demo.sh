#!/usr/bin/env bash
# `make run`: starts Tandem with a private configuration serving the example
# zone (examples/example.com.zone) on 127.0.0.1:5300, shows a few queries and
# their answers, then keeps the server running until Ctrl-C (when stdin is a
# terminal) or stops it right away (when it is not, e.g. in CI).
#
# Usage: scripts/demo.sh [PATH_TO_TANDEM]     (default: build/tandem)
# Environment: TANDEM_DEMO_PORT (default 5300)
set -u

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tandem="${1:-$root/build/tandem}"
port="${TANDEM_DEMO_PORT:-5300}"
zone_file="$root/examples/example.com.zone"

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ -x "$tandem" ] || die "no tandem binary at '$tandem' (run 'make build' first)"
[ -f "$zone_file" ] || die "missing $zone_file"
if command -v dig >/dev/null; then
  dig_cmd=dig
elif command -v kdig >/dev/null; then
  dig_cmd=kdig
else
  die "neither dig nor kdig is installed (Debian: apt-get install bind9-dnsutils knot-dnsutils)"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tandem-demo.XXXXXX")"
config="$tmp/tandem.yaml"
log="$tmp/tandem.log"
server_pid=""
tail_pid=""

cleanup() {
  trap - EXIT INT TERM
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    echo
    bold "Tandem stopped. Its log:"
    tail -n 3 "$log"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$config" <<YAML
# Written by scripts/demo.sh; removed when the demo ends.
server:
  listen: [ "127.0.0.1@$port" ]
  workers: 2
  storage: $tmp/data
  control: $tmp/tandem.sock
zone:
  - domain: example.com.
    file: $zone_file
YAML

bold "== Checking the example zone"
echo "\$ tandem checkzone example.com. examples/example.com.zone"
"$tandem" checkzone example.com. "$zone_file" || die "the example zone does not load"
echo

bold "== Starting Tandem on 127.0.0.1 port $port"
echo "\$ tandem serve -c $config"
"$tandem" serve -c "$config" 2>"$log" &
server_pid=$!

# Wait until it answers (or gives up).
ready=0
for _ in $(seq 1 50); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$log" >&2
    server_pid=""
    die "tandem exited during start-up (is port $port in use? set TANDEM_DEMO_PORT)"
  fi
  if $dig_cmd @127.0.0.1 -p "$port" example.com SOA +short +time=1 +tries=1 2>/dev/null |
      grep -q hostmaster; then
    ready=1
    break
  fi
  sleep 0.2
done
[ "$ready" = 1 ] || { cat "$log" >&2; die "tandem did not answer within 10 s"; }
sed 's/^/  | /' "$log"
echo

run() {
  echo "\$ $*"
  "$@" 2>&1 | sed 's/^/  /'
  echo
}

bold "== Asking it questions"
run $dig_cmd @127.0.0.1 -p "$port" example.com SOA +noall +answer
run $dig_cmd @127.0.0.1 -p "$port" www.example.com A +noall +answer
run $dig_cmd @127.0.0.1 -p "$port" example.com MX +noall +answer +additional
run $dig_cmd @127.0.0.1 -p "$port" pr-42.preview.example.com A +noall +answer
run $dig_cmd @127.0.0.1 -p "$port" _sip._tcp.example.com SRV +tcp +noall +answer
run $dig_cmd @127.0.0.1 -p "$port" host.lab.example.com A +norecurse +noall +authority +additional
run $dig_cmd @127.0.0.1 -p "$port" nothing.example.com A +noall +comments +authority
if command -v kdig >/dev/null; then
  run kdig @127.0.0.1 -p "$port" example.com NS +tcp
fi

bold "== Talking to the running server"
run "$tandem" ctl -c "$config" status
run "$tandem" ctl -c "$config" zone-status

if [ -t 0 ]; then
  bold "Tandem is running on 127.0.0.1 port $port. Try:"
  echo "  $dig_cmd @127.0.0.1 -p $port example.com SOA"
  echo "  $tandem ctl -c $config status"
  bold "Press Ctrl-C to stop it."
  echo
  tail -n 0 -f "$log" &
  tail_pid=$!
  wait "$server_pid"
  server_pid=""
else
  bold "stdin is not a terminal: stopping the demo server."
fi
