#!/usr/bin/env bash
# `tandem audit` on the loopback test internet (tests/integration/audit_net.py):
# 10,000 domains, domains/s and peak RSS, the same run twice must give the same
# report (rtt_ms aside), and the baseline a user would otherwise script: a
# plain `dig +trace` loop over a sample of the same domains. See README.md.
#
#   bash bench/audit/run.sh
#   N=2000 SAMPLE=100 AUDIT_ARGS="--concurrency 200" bash bench/audit/run.sh
#
# Writes $OUT (default bench-results/audit-<stamp>/): summary.md, report1.json,
# report2.json, time1.txt, time2.txt, dig-sample.txt, net.log.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TANDEM=${TANDEM_BIN:-$ROOT/build/tandem}
PY=/usr/bin/python3
N=${N:-10000}
SAMPLE=${SAMPLE:-200}
SEED=${SEED:-1}
# The population holds a few dead and lame nameservers on purpose; the
# audit's wait for them is part of the measured time.
AUDIT_ARGS=${AUDIT_ARGS:---timeout 1000 --retries 1}
OUT=${OUT:-$ROOT/bench-results/audit-$(date +%Y%m%d-%H%M%S)}

[ -x "$TANDEM" ] || { echo "bench/audit: $TANDEM not found (build first)" >&2; exit 1; }
"$TANDEM" audit --help >/dev/null 2>&1 || { echo "bench/audit: '$TANDEM audit' not available" >&2; exit 1; }
mkdir -p "$OUT"
export TANDEM_BIN=$TANDEM

echo "bench/audit: starting the test internet ($N domains, seed $SEED) in $OUT/net"
$PY "$ROOT/tests/integration/audit_net.py" serve --dir "$OUT/net" --domains "$N" --seed "$SEED" \
  >"$OUT/net.log" 2>&1 &
NETPID=$!
cleanup() { kill "$NETPID" 2>/dev/null || true; wait "$NETPID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 600); do
  [ -f "$OUT/net/ready" ] && break
  kill -0 "$NETPID" 2>/dev/null || { echo "bench/audit: the net did not start:" >&2; cat "$OUT/net.log" >&2; exit 1; }
  sleep 0.1
done
[ -f "$OUT/net/ready" ] || { echo "bench/audit: the net is not ready after 60 s" >&2; cat "$OUT/net.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$OUT/net/net.env"
echo "bench/audit: net up in ${START_SECONDS} s on port $PORT"

# One audit run: wall time (s) on stdout, /usr/bin/time -v output in $2.
run_audit() {
  local report=$1 timefile=$2 t0 t1
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$timefile" "$TANDEM" audit --root-hints "$HINTS" --port "$PORT" \
    --format json -o "$report" $AUDIT_ARGS "$DOMAINS" 2>"$report.stderr" || {
    local rc=$?
    # Exit status 1 may mean "findings"; anything else is a failure.
    if [ "$rc" -ne 1 ]; then echo "bench/audit: audit exited $rc" >&2; tail -20 "$report.stderr" >&2; exit 1; fi
  }
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}
rss_mb() { awk -F: '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }

echo "bench/audit: audit run 1"
T1=$(run_audit "$OUT/report1.json" "$OUT/time1.txt")
echo "bench/audit: audit run 2"
T2=$(run_audit "$OUT/report2.json" "$OUT/time2.txt")

SAME=$($PY - "$OUT/report1.json" "$OUT/report2.json" "$TRUTH" <<'EOF'
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "rtt_ms"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
truth = json.load(open(sys.argv[3]))["domains"]
got = {d["domain"]: d for d in a.get("domains", [])}
bad = 0
for name, t in truth.items():
    g = got.get(name)
    if g is None or g.get("status") != t["status"] or \
            sorted({f["code"] for f in g.get("findings") or []}) != t["findings"] or \
            sorted(g.get("providers") or []) != t["providers"]:
        bad += 1
print("%s %d" % ("yes" if a == b else "NO", bad))
EOF
)
read -r SAME_REPORT TRUTH_MISMATCH <<<"$SAME"

# Baseline: dig +trace per domain on a sample of working domains. dig +trace
# looks nameserver names up through the system resolver, which knows nothing
# of this private hierarchy, so the loop runs in a private mount namespace
# where /etc/hosts (bind-mounted from the net's `hosts` file) has every
# nameserver name: that is the "cached recursive resolver" case, the fastest
# the baseline can be.
$PY - "$TRUTH" "$SAMPLE" "$SEED" >"$OUT/dig-sample.txt" <<'EOF'
import json, random, sys
t = json.load(open(sys.argv[1]))["domains"]
ok = sorted(k for k, v in t.items() if v["status"] == "resolved" and v["category"] in
            ("single-provider", "two-providers", "single-nameserver", "self-hosted-glue"))
random.Random(int(sys.argv[3])).shuffle(ok)
print("\n".join(ok[:int(sys.argv[2])]))
EOF
NS=$(wc -l <"$OUT/dig-sample.txt")
if [ "$(id -u)" = 0 ]; then UNSHARE="unshare -m"; else UNSHARE="unshare -rm"; fi
DIG_T=$($UNSHARE sh -c '
  mount --bind "$1" /etc/hosts || exit 3
  fail=0
  t0=$(date +%s.%N)
  while read -r d; do
    dig +trace +nodnssec @"$2" -p "$3" "$d" SOA >"$5.last" 2>&1 || fail=$((fail + 1))
    grep -q "IN[[:space:]]*SOA" "$5.last" || fail=$((fail + 1))
  done <"$4"
  t1=$(date +%s.%N)
  echo "$t0 $t1 $fail" | awk "{printf \"%.3f %d\", \$2 - \$1, \$3}"
' sh "$HOSTS" "$ROOT_ADDR" "$PORT" "$OUT/dig-sample.txt" "$OUT/dig" 2>/dev/null) || DIG_T=""

$PY - "$N" "$T1" "$T2" "$(rss_mb "$OUT/time1.txt")" "$(rss_mb "$OUT/time2.txt")" \
  "$NS" "$DIG_T" "$SAME_REPORT" "$TRUTH_MISMATCH" "$AUDIT_ARGS" "$START_SECONDS" \
  >"$OUT/summary.md" <<'EOF'
import sys
n, t1, t2, r1, r2, ns, dig, same, mism, args, start = sys.argv[1:12]
n, t1, t2, ns = int(n), float(t1), float(t2), int(ns)
rate = n / t1
rows = [("audit, domains/s (%d domains, run 1)" % n, "%.0f" % rate),
        ("audit, domains/s (run 2)", "%.0f" % (n / t2)),
        ("audit, wall time run 1 / run 2", "%.2f s / %.2f s" % (t1, t2)),
        ("audit, peak RSS run 1 / run 2", "%s MB / %s MB" % (r1, r2))]
if dig:
    dt, fails = dig.split()
    drate = ns / float(dt)
    rows += [("dig +trace loop, domains/s (%d domains)" % ns, "%.1f" % drate),
             ("dig +trace loop, extrapolated to %d domains" % n, "%.0f s" % (n / drate)),
             ("ratio audit / dig loop", "%.1fx" % (rate / drate)),
             ("dig +trace failures in the sample", fails)]
else:
    rows.append(("dig +trace loop", "not measured (unshare -m / mount failed)"))
rows += [("same report twice (rtt_ms aside)", same),
         ("domains differing from the truth (status, providers, codes; no --check-axfr)", mism),
         ("test internet start-up", "%s s" % start),
         ("audit arguments", args)]
goal = "met" if rate >= 2000 and max(float(r1 or 0), float(r2 or 0)) < 200 else "NOT met"
print("| figure | value |\n| --- | --- |")
for k, v in rows:
    print("| %s | %s |" % (k, v))
print("\nGoal (>= 2,000 domains/s, < 200 MB): %s" % goal)
EOF
cat "$OUT/summary.md"
echo "results: $OUT"
[ "$SAME_REPORT" = yes ] || { echo "bench/audit: the two runs gave different reports" >&2; exit 1; }
