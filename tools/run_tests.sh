#!/usr/bin/env bash
# Sets up, builds, and runs every test (Catch2 units and CLI scripts), then
# the hostile-input suite: a clang build of the codec, CLI and tests under
# AddressSanitizer + UndefinedBehaviorSanitizer (no LibTorch), its tests, and
# a short libFuzzer run of every fuzz target (ctest fuzz_*).
#   bash tools/run_tests.sh
# Same environment variables as tools/setup.sh, and:
#   PICNIC_SANITIZE_TESTS=0    skip the sanitizer/fuzz build
#   PICNIC_SANITIZE_BUILD_DIR  its build folder (default build-sanitize)
#   PICNIC_FUZZ_SECONDS        seconds per fuzz target (default 15)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${PICNIC_BUILD_DIR:-$root/build}"
jobs="${PICNIC_JOBS:-$(nproc 2>/dev/null || echo 2)}"
bash "$root/tools/setup.sh"
(cd "$build_dir" && ctest --output-on-failure -j"$jobs")

if [[ "${PICNIC_SANITIZE_TESTS:-1}" == 1 ]]; then
  san_dir="${PICNIC_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
  start=$(date +%s)
  echo "run_tests: sanitizer + fuzz build in $san_dir" >&2
  cmake -S "$root" -B "$san_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DPICNIC_FUZZ=ON -DPICNIC_WITH_TORCH=OFF \
    -DPICNIC_FUZZ_SECONDS="${PICNIC_FUZZ_SECONDS:-15}" >/dev/null
  cmake --build "$san_dir" -j"$jobs"
  built=$(date +%s)
  (cd "$san_dir" && ctest --output-on-failure -j"$jobs")
  echo "run_tests: sanitizer build $((built - start)) s, its tests and fuzzing $(( $(date +%s) - built )) s" >&2
fi
