#!/bin/bash
# run-all.sh BUILD_DIR ASAN_BUILD_DIR -- every test suite, release then sanitized.
#
#   1. BUILD_DIR/unit_tests                       (GoogleTest)
#   2. tests/integration with TANDEM_BIN=BUILD_DIR/tandem
#   3. ASAN_BUILD_DIR/unit_tests                  (ASan + UBSan)
#   4. tests/integration with the ASan binary     (timeouts scaled, lighter garbage
#                                                  load, harness self-tests off)
# Ends with the line "N passed, N failed[, N skipped]" summed over all suites;
# exits non-zero if anything failed, a binary is missing, or a suite crashed.
# Either argument may be "-" to leave that build out (its suites are skipped).
set -u

usage() { echo "usage: $0 BUILD_DIR ASAN_BUILD_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
BUILD=$1
ASAN_BUILD=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandem-tests.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

PASSED=0 FAILED=0 SKIPPED=0
declare -a RESULTS=()

add() { # suite passed failed skipped
  PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3)); SKIPPED=$((SKIPPED + $4))
  RESULTS+=("$(printf '%-28s %4d passed, %d failed, %d skipped' "$1" "$2" "$3" "$4")")
}

abs() { (cd "$1" 2>/dev/null && pwd) || echo "$1"; }

# Run a GoogleTest binary, count from its JSON report. A crash or a non-zero
# exit after "all passed" (e.g. a LeakSanitizer report at exit) is a failure.
run_unit() { # suite binary
  local suite=$1 bin=$2 json="$WORK/$1.json"
  echo "=== $suite: $bin"
  if [ ! -x "$bin" ]; then
    echo "MISSING: $bin (not built?)"
    add "$suite" 0 1 0
    return
  fi
  "$bin" --gtest_output="json:$json" --gtest_brief=1 2>&1 | tail -n 200
  local rc=${PIPESTATUS[0]}
  local counts
  counts=$("$PY" - "$json" "$rc" <<'PYEOF'
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
p = f = s = 0
try:
    data = json.load(open(path))
    for suite in data.get("testsuites", []):
        for t in suite.get("testsuite", []):
            if t.get("failures"):
                f += 1
            elif t.get("result") == "SKIPPED" or t.get("status") == "NOTRUN":
                s += 1
            else:
                p += 1
except (OSError, ValueError):
    print("no readable report: the binary crashed (exit %d)" % rc, file=sys.stderr)
    f += 1
if rc != 0 and f == 0:
    print("exit status %d although no test failed (sanitizer report?)" % rc, file=sys.stderr)
    f += 1
print(p, f, s)
PYEOF
)
  # shellcheck disable=SC2086
  add "$suite" $counts
}

# Replay every fuzz target's corpus (and past crashes) through the build: one
# test per target.
run_fuzz_replay() { # suite build_dir
  local suite=$1 dir=$2 t name
  for t in "$ROOT"/fuzz/fuzz_*.cc; do
    name=$(basename "$t" .cc)
    echo "=== $suite: $name"
    if "$dir/${name}_replay" "$ROOT/fuzz/corpus/${name#fuzz_}" "$ROOT/fuzz/regressions/${name#fuzz_}"; then
      add "$suite $name" 1 0 0
    else
      add "$suite $name" 0 1 0
    fi
  done
}

# Run the Python integration suite against one tandem binary.
run_integration() { # suite tandem_bin [extra env...]
  local suite=$1 bin=$2; shift 2
  local counts="$WORK/$suite.counts"
  echo "=== $suite: TANDEM_BIN=$bin"
  if [ ! -x "$bin" ]; then
    # The tests that need tandem would all skip: that is a failure here.
    echo "MISSING: $bin (not built?)"
    add "$suite (tandem missing)" 0 1 0
  fi
  env TANDEM_BIN="$bin" DNSTEST_TMP="$WORK/servers" "$@" \
    "$PY" "$ROOT/tests/integration/run.py" --counts "$counts"
  local rc=$?
  if [ -s "$counts" ]; then
    local p f s
    read -r p f s < <("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["passed"], d["failed"], d["skipped"])' "$counts")
    add "$suite" "$p" "$f" "$s"
    if [ "$rc" -ne 0 ] && [ "$f" = 0 ]; then
      add "$suite (runner exit $rc)" 0 1 0
    fi
  else
    echo "the integration runner crashed (exit $rc)"
    add "$suite" 0 1 0
  fi
}

START=$SECONDS
if [ "$BUILD" != "-" ]; then
  BUILD=$(abs "$BUILD")
  run_unit unit "$BUILD/unit_tests"
  run_fuzz_replay fuzz-replay "$BUILD"
  run_integration integration "$BUILD/tandem"
fi
if [ "$ASAN_BUILD" != "-" ]; then
  ASAN_BUILD=$(abs "$ASAN_BUILD")
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  run_unit unit-asan "$ASAN_BUILD/unit_tests"
  run_fuzz_replay fuzz-replay-asan "$ASAN_BUILD"
  # Sanitized code is slower: scale timeouts, send less random garbage, and
  # leave out the harness self-tests (Knot vs NSD, no tandem involved).
  run_integration integration-asan "$ASAN_BUILD/tandem" \
    DNSTEST_SLOW=4 DNSTEST_GARBAGE=600 DNSTEST_SKIP_SELFTEST=1
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

echo
echo "=== summary ($((SECONDS - START)) s)"
for r in "${RESULTS[@]}"; do echo "  $r"; done
LINE="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && LINE="$LINE, $SKIPPED skipped"
echo "$LINE"
[ "$FAILED" -eq 0 ]
