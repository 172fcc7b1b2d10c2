#!/usr/bin/env bash
# Tandem vs Knot and NSD, side by side in one run, on the shared anchor
# scripts (../shared/bench): same zones (1k and 1M records), same query mixes,
# each server pinned to CPU 0 with dnsperf on CPU 1, inside a private network
# namespace that has only loopback.
#
#   bash bench/run.sh                      # REPS=3, all phases (~10 min)
#   REPS=1 PHASES="qps cg" bash bench/run.sh
#
# Writes bench-results/<stamp>/summary.md (the shared script's medians) and
# ratios.md: every figure as a ratio to the best peer.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}
[ -f "$SHARED/run-anchors.sh" ] || { echo "bench: $SHARED/run-anchors.sh not found" >&2; exit 1; }
bash "$ROOT/scripts/install-deps.sh"
export TANDEM_BIN=$ROOT/build/tandem
[ -x "$TANDEM_BIN" ] || { echo "bench: build first (make build)" >&2; exit 1; }
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-$ROOT/bench-results/$STAMP}
mkdir -p "$OUT"
export OUT BENCH_WORKROOT=${BENCH_WORKROOT:-$ROOT/bench-results}
export PEERS=${PEERS:-knot nsd tandem}
export SECONDARIES=${SECONDARIES:-knot nsd}
export PHASES=${PHASES:-check qps cg}
export REPS=${REPS:-3}
bash "$SHARED/run-anchors.sh"
/usr/bin/python3 "$ROOT/bench/ratios.py" "$OUT/raw.tsv" > "$OUT/ratios.md"
cat "$OUT/ratios.md"
echo "results: $OUT"
