#!/usr/bin/env bash
# The main job: set up, build, fetch the sample corpus, then compress and
# decompress every image (in separate processes) and print a table of sizes,
# bits per subpixel, times, and whether the decoded pixels match.
#
#   bash tools/run_corpus.sh [--model NAME|PATH] [--tile N] [--generated]
#                            [--no-graphics] [--no-baselines] [--no-setup]
#
# The sample photographs (corpus/fetch.sh) and the graphics set of
# screenshots, charts, diagrams and icons (corpus/fetch_graphics.sh; skipped
# with --no-graphics). --generated also runs the synthetic images from
# gen_test_images.
# Baselines for comparison (when installed): WebP lossless (cwebp -lossless
# -exact -z 9) and JPEG-XL lossless (cjxl -d 0 -e 7).
# The table (Markdown) is also saved to runs/corpus_<model>.md.
# Exit status 1 if any image fails or does not round-trip exactly.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${PICNIC_BUILD_DIR:-$root/build}"
model=""
tile=""
generated=0
graphics=1
setup=1
baselines=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --tile) tile="$2"; shift 2 ;;
    --generated) generated=1; shift ;;
    --no-graphics) graphics=0; shift ;;
    --no-setup) setup=0; shift ;;
    --no-baselines) baselines=0; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_corpus.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

if [[ $setup == 1 ]]; then bash "$root/tools/setup.sh"; fi
picnic="$build_dir/tools/picnic"
[[ -x "$picnic" ]] || { echo "run_corpus.sh: $picnic not built" >&2; exit 1; }
bash "$root/corpus/fetch.sh" >&2

images=()
while IFS=$'\t' read -r file _rest; do images+=("$root/corpus/images/$file"); done \
  < <(grep -v '^#' "$root/corpus/MANIFEST.tsv" | tail -n +2 | grep -v '^[[:space:]]*$')
if [[ $graphics == 1 ]]; then
  bash "$root/corpus/fetch_graphics.sh" >&2
  while IFS=$'\t' read -r file _rest; do images+=("$root/corpus/graphics/$file"); done \
    < <(grep -v '^#' "$root/corpus/GRAPHICS_MANIFEST.tsv" | tail -n +2 | grep -v '^[[:space:]]*$')
fi
if [[ $generated == 1 ]]; then
  "$build_dir/tools/gen_test_images" "$root/corpus/generated" >&2
  for f in "$root"/corpus/generated/*; do images+=("$f"); done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The table compares pixel coding: metadata (colour profiles, text) is left
# out of picnic's files, and the baselines encode picnic's decoded PNG, which
# has the same pixels and no metadata (cjxl would keep some, cwebp none).
compress_args=(--strip-metadata)
[[ -n "$model" ]] && compress_args+=(--model "$model")
[[ -n "$tile" ]] && compress_args+=(--tile "$tile")

now() { date +%s.%N; }
have_webp=0; have_jxl=0
if [[ $baselines == 1 ]]; then
  command -v cwebp >/dev/null && have_webp=1
  command -v cjxl >/dev/null && have_jxl=1
fi
# Bits per subpixel of a baseline encoder's output, or "-" when unavailable.
baseline_bpsp() {  # KIND IMAGE SUBPIXELS
  local kind="$1" img="$2" subpixels="$3" out="$work/baseline"
  case "$kind" in
    webp) [[ $have_webp == 1 ]] && cwebp -quiet -lossless -exact -z 9 "$img" -o "$out" 2>/dev/null ;;
    jxl) [[ $have_jxl == 1 ]] && cjxl -d 0 -e 7 --quiet "$img" "$out" >/dev/null 2>&1 ;;
  esac || { echo "-"; return; }
  awk -v b="$(stat -c %s "$out")" -v s="$subpixels" 'BEGIN { printf "%.3f", b * 8 / s }'
  rm -f "$out"
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

model_label=""
failures=0
total_bits=0
total_subpixels=0
total_input_bits=0
total_webp_bits=0
total_jxl_bits=0
table="$work/table.md"
{
  echo "| image | size | pixels | as stored | WebP -z 9 | JPEG-XL -e 7 | picnic | encode s | decode s | verified |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
} > "$table"

for img in "${images[@]}"; do
  name="$(basename "$img")"
  pnc="$work/$name.pnc"
  out="$work/$name.png"
  t0="$(now)"
  if ! "$picnic" -q compress "${compress_args[@]}" "$img" -o "$pnc"; then
    echo "| $name | | | | | | compress failed | | | NO |" >> "$table"
    failures=$((failures + 1))
    continue
  fi
  t1="$(now)"
  if ! "$picnic" -q decompress "$pnc" -o "$out"; then
    echo "| $name | | | | | | | $(elapsed "$t0" "$t1") | decompress failed | NO |" >> "$table"
    failures=$((failures + 1))
    continue
  fi
  t2="$(now)"
  verified=yes
  if ! "$picnic" -q compare "$img" "$out"; then verified=NO; failures=$((failures + 1)); fi
  # file width height layout channels model fingerprint tile prec format bytes bpsp metadata
  IFS=$'\t' read -r _f w h layout ch m _fp _t _p _fmt bytes bpsp _meta \
    < <("$picnic" info --tsv "$pnc" | tail -n 1)
  model_label="$m"
  input_bytes="$(stat -c %s "$img")"
  pixels=$((w * h))
  subpixels=$((pixels * ch))
  total_bits=$((total_bits + bytes * 8))
  total_input_bits=$((total_input_bits + input_bytes * 8))
  total_subpixels=$((total_subpixels + subpixels))
  input_bpsp="$(awk -v b="$input_bytes" -v s="$subpixels" 'BEGIN { printf "%.3f", b * 8 / s }')"
  webp_bpsp="$(baseline_bpsp webp "$out" "$subpixels")"
  jxl_bpsp="$(baseline_bpsp jxl "$out" "$subpixels")"
  [[ "$webp_bpsp" != - ]] && total_webp_bits="$(awk -v t="$total_webp_bits" -v r="$webp_bpsp" -v s="$subpixels" 'BEGIN { printf "%.0f", t + r * s }')"
  [[ "$jxl_bpsp" != - ]] && total_jxl_bits="$(awk -v t="$total_jxl_bits" -v r="$jxl_bpsp" -v s="$subpixels" 'BEGIN { printf "%.0f", t + r * s }')"
  printf '| %s | %dx%d %s | %d | %s | %s | %s | %.3f | %s | %s | %s |\n' "$name" "$w" "$h" \
    "$layout" "$pixels" "$input_bpsp" "$webp_bpsp" "$jxl_bpsp" "$bpsp" \
    "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" "$verified" >> "$table"
done

if [[ $total_subpixels -gt 0 ]]; then
  awk -v b="$total_bits" -v i="$total_input_bits" -v s="$total_subpixels" \
      -v wb="$total_webp_bits" -v jb="$total_jxl_bits" -v hw="$have_webp" -v hj="$have_jxl" 'BEGIN {
    w = hw ? sprintf("%.3f", wb / s) : "-"; j = hj ? sprintf("%.3f", jb / s) : "-"
    printf "| **all** | | | %.3f | %s | %s | **%.3f** | | | |\n", i / s, w, j, b / s }' >> "$table"
fi

mkdir -p "$root/runs"
saved="$root/runs/corpus_${model_label:-${model:-default}}.md"
{
  echo "picnic corpus run, model ${model_label:-?}, $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) CPUs"
  echo "Bits per subpixel (file bytes x 8 / subpixels). as stored: the source file (PNG)."
  echo "WebP: cwebp -lossless -exact -z 9; JPEG-XL: cjxl -d 0 -e 7 (\"-\": not installed)."
  echo "Pixels only: metadata is stripped for picnic and the baselines (as stored keeps it)."
  echo "all: total bits over total subpixels. Times: wall clock of separate picnic processes."
  echo
  cat "$table"
} | tee "$saved"
echo "run_corpus.sh: table saved to ${saved#"$root"/}" >&2
if [[ $failures -gt 0 ]]; then
  echo "run_corpus.sh: $failures image(s) failed" >&2
  exit 1
fi
