#!/usr/bin/env bash
# The one place that installs what Tandem's build, tests and benchmarks need (Debian 12).
# Idempotent: quiet and quick when everything is already there.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config g++
  libyaml-cpp-dev libexpected-dev libssl-dev libgtest-dev
  # sanitizers and fuzzing
  clang libclang-rt-14-dev llvm
  # peers and tools for differential/interop tests and benchmarks
  knot knot-dnsutils nsd bind9 bind9-dnsutils dnsperf valgrind
  python3 python3-dnspython
  # audit data
  dns-root-data publicsuffix libpsl-dev libmaxminddb-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A package may start its system daemon on install; keep them from doing so.
# (Tests start their own instances on private ports and never use the system ones.)
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "$made_policy" = 1 ] && $SUDO rm -f "$policy"
exit 0
