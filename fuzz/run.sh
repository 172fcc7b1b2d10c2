#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each one.
#   bash fuzz/run.sh            # every target, FUZZ_SECONDS each (default 60)
#   FUZZ_SECONDS=600 bash fuzz/run.sh fuzz_message
# Crashes land in fuzz/artifacts/; turn each into a regression unit test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=build-fuzz
CXX=clang++ cmake -S . -B $BUILD -DTANDEM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build $BUILD -j "$(nproc)" >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.cc; do targets+=("$(basename "$f" .cc)"); done
fi
mkdir -p fuzz/artifacts
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/${t#fuzz_}
  mkdir -p "$corpus"
  work=$(mktemp -d)
  echo "== $t for ${SECONDS_EACH}s (corpus $corpus)"
  "$BUILD/$t" -max_total_time="$SECONDS_EACH" -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 \
    -max_len=4096 "$work" "$corpus" 2>&1 | grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done" || true
  rm -rf "$work"
done
