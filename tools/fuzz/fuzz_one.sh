#!/usr/bin/env bash
# Runs one libFuzzer target for a while and prints how many inputs it tried.
#   fuzz_one.sh FUZZER SECONDS WORK_DIR SEED_DIR [MORE_CORPUS_DIRS...]
# New inputs go to WORK_DIR/corpus (kept between runs), crashes to
# WORK_DIR/artifacts/, the full log to WORK_DIR/log. Missing extra corpus
# folders are skipped. Exit status 0 when the run found nothing, 1 otherwise.
# Used by tools/fuzz/run_fuzzers.sh and by the fuzz_* ctests (PICNIC_FUZZ=ON).
set -uo pipefail
[[ $# -ge 4 ]] || { echo "usage: $0 FUZZER SECONDS WORK_DIR SEED_DIR [DIRS...]" >&2; exit 2; }
fuzzer="$1" seconds="$2" work="$3" seeds="$4"
shift 4
name="$(basename "$fuzzer")"
mkdir -p "$work/corpus" "$work/artifacts"
dirs=("$work/corpus" "$seeds")
for d in "$@"; do [[ -d "$d" ]] && dirs+=("$d"); done
# -timeout: one input taking this long is reported as a hang.
# -rss_limit_mb / -malloc_limit_mb: an input that makes the codec allocate this
# much is reported as a crash (the targets use max_pixels <= 2^22).
rc=0
"$fuzzer" -max_total_time="$seconds" -timeout="${PICNIC_FUZZ_TIMEOUT:-25}" \
  -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "${dirs[@]}" >"$work/log" 2>&1 || rc=$?
execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*$')"
cov="$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*$')"
corpus="$(find "$work/corpus" -type f | wc -l)"
printf '%-22s %10s executions in %4s s  (%s/s)  coverage %s edges, corpus %s new files\n' \
  "$name" "${execs:-?}" "$seconds" "$(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))" \
  "${cov:-?}" "$corpus"
if [[ $rc -ne 0 ]]; then
  echo "$name: FAILED (exit $rc); log $work/log; artifacts:" >&2
  ls -l "$work/artifacts" >&2
  tail -n 60 "$work/log" >&2
  exit 1
fi
