#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, coverage through the
# whole codec) in their own build folder and runs each for a while.
#   bash tools/fuzz/run_fuzzers.sh [SECONDS_PER_TARGET] [TARGET...]
# Default 60 s per target; targets: image_io container range_decoder decode.
# Environment: PICNIC_FUZZ_BUILD_DIR (default build-fuzz), PICNIC_JOBS.
# Corpora grow in $PICNIC_FUZZ_BUILD_DIR/fuzz/<target>/corpus across runs.
# A crash leaves its input in .../<target>/artifacts/: copy it to
# tests/fuzz_regressions/<target>/ (replayed by every test build), then fix.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(image_io container range_decoder decode)
build="${PICNIC_FUZZ_BUILD_DIR:-$root/build-fuzz}"
jobs="${PICNIC_JOBS:-$(nproc 2>/dev/null || echo 2)}"

command -v clang++ >/dev/null || { echo "run_fuzzers: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
start=$(date +%s)
# A fresh folder builds no tests (faster); an existing one keeps its setting,
# so one clang folder can serve for fuzzing and for the sanitizer tests.
config=()
[[ -f "$build/CMakeCache.txt" ]] || config=(-DPICNIC_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo)
cmake -S "$root" -B "$build" "${config[@]}" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DPICNIC_FUZZ=ON -DPICNIC_WITH_TORCH=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target fuzz_seeds "${targets[@]/%/_fuzzer}" >/dev/null
built=$(date +%s)
echo "run_fuzzers: built in $((built - start)) s; fuzzing ${#targets[@]} target(s) for $seconds s each"
"$build/tools/fuzz_seeds" "$build/fuzz/seeds" "$root" >/dev/null

failed=()
for t in "${targets[@]}"; do
  bash "$root/tools/fuzz/fuzz_one.sh" "$build/tools/${t}_fuzzer" "$seconds" "$build/fuzz/$t" \
    "$build/fuzz/seeds/$t" "$root/tests/fuzz_regressions/$t" || failed+=("$t")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run_fuzzers: crashes in: ${failed[*]} (inputs under $build/fuzz/<target>/artifacts/)" >&2
  exit 1
fi
echo "run_fuzzers: no crashes ($(( $(date +%s) - start )) s in all)"
