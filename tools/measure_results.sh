#!/usr/bin/env bash
# Re-measures every figure of the README's "Results" section and the model
# cards with the weights in weights/, one command after another (nothing
# else should run meanwhile: the times are part of the results):
#   1. picnic eval: photo on all of photos/valid (whole images), cifar10 on
#      the full CIFAR-10 test set;
#   2. picnic report: photos/valid every 4th image, CIFAR-10 test every 50th,
#      with PNG / WebP / JPEG-XL baselines;
#   3. the main job's corpus table (tools/run_corpus.sh --no-setup);
#   4. the float LibTorch path on the same photos (file size against the
#      exact engine's: the cost of integer arithmetic);
#   5. the exact engine's speed (tools/bench/engine_bench).
#
# PICNIC_SKIP_EVAL=1 skips step 1 (it only depends on the float weights).
#
#   bash tools/measure_results.sh [OUT_DIR]     (default runs/results-DATE)
#
# Needs ../shared/data (photos/valid, cifar10/test) and a build in build/
# (PICNIC_BUILD_DIR). Writes JSON, Markdown and logs to OUT_DIR and prints
# the totals.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${PICNIC_BUILD_DIR:-$root/build}"
picnic="$build_dir/tools/picnic"
data="${PICNIC_DATA_DIR:-$root/../shared/data}"
out="${1:-$root/runs/results-$(date -u +%Y%m%d-%H%M)}"
[[ -x "$picnic" ]] || { echo "measure_results.sh: build picnic first ($picnic)" >&2; exit 1; }
[[ -d "$data/photos/valid" && -d "$data/cifar10/test" ]] ||
  { echo "measure_results.sh: $data lacks photos/valid or cifar10/test" >&2; exit 1; }
mkdir -p "$out"
say() { echo "measure_results: $*" >&2; }
say "writing to $out"
{ date -u +%FT%TZ; uname -m; nproc; grep -m1 'model name' /proc/cpuinfo || true
  for w in "$root"/weights/*.pnw "$root"/weights/*.pnq; do sha256sum "$w"; done; } > "$out/machine.txt"

if [[ "${PICNIC_SKIP_EVAL:-0}" != 1 ]]; then
  say "eval photo on photos/valid"
  "$picnic" eval --model photo --json --per-image "$data/photos/valid" > "$out/eval_photo.json"
  say "eval cifar10 on the CIFAR-10 test set"
  "$picnic" eval --model cifar10 --json "$data/cifar10/test" > "$out/eval_cifar10.json"
fi

say "report photos/valid --every 4"
"$picnic" report --model photo --every 4 "$data/photos/valid" \
  --json "$out/report_photos.json" --markdown "$out/report_photos.md" -f | tee "$out/report_photos.txt"
say "report cifar10/test --every 50"
"$picnic" report --model cifar10 --every 50 "$data/cifar10/test" \
  --json "$out/report_cifar10.json" --markdown "$out/report_cifar10.md" -f | tee "$out/report_cifar10.txt"

say "corpus (main job)"
bash "$root/tools/run_corpus.sh" --no-setup --model photo | tee "$out/corpus.txt"
cp "$root/runs/corpus_photo.md" "$out/corpus_photo.md"

say "the float path on the same photos (the integer engine's rate cost)"
# Effort 1: the image as given (at the default effort 2 the float network
# would also code each image's centred quarter eight times, for nothing
# this step measures: 484 s against 78 s on 2026-12-03).
"$picnic" report --model "$root/weights/photo.pnw" -e 1 --every 4 --no-baselines "$data/photos/valid" \
  --json "$out/report_photos_float.json" -f | tee "$out/report_photos_float.txt"

say "engine speed (engine_bench: every 13th photos/valid image; every path on 2 threads, the default on 1)"
mapfile -t some < <(ls "$data"/photos/valid/*.png | LC_ALL=C sort | awk 'NR % 13 == 1')
"$build_dir/tools/engine_bench" --paths all --threads 2 --runs 3 "${some[@]}" | tee "$out/engine_bench.txt"
"$build_dir/tools/engine_bench" --paths default --threads 1 --runs 3 "${some[@]}" | tail -1 | tee -a "$out/engine_bench.txt"

say "whole-process CLI timings (cli_bench: a 768x512 crop of a training photo, and 1x1)"
bash "$root/tools/bench/cli_bench.sh" --picnic "$picnic" --runs 5 "$data/photos/train/in_n03843555_oil_filter.png" |
  tee "$out/cli_bench.txt"

python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
import os
for name in ("eval_photo", "eval_cifar10"):
    if not os.path.exists(f"{out}/{name}.json"):
        continue
    r = json.load(open(f"{out}/{name}.json"))
    print(f"{name}: {r['images']} images, NLL {r['nll_bits_per_subpixel']:.3f} bits/subpixel")
for name in ("report_photos", "report_cifar10", "report_photos_float"):
    t = json.load(open(f"{out}/{name}.json"))["total"]
    b = t["baselines"]
    def f(k):
        return f"{b[k]['bits_per_subpixel']:.3f}" if b.get(k) else "n/a"
    print(f"{name}: {t['images']} images, file {t['file_bits_per_subpixel']:.3f}, "
          f"NLL {t['nll_bits_per_subpixel']:.3f} ({t['overhead_percent']:+.2f}%), "
          f"encode {t['encode_seconds']:.2f} s, decode {t['decode_seconds']:.2f} s; "
          f"PNG {f('png')}, WebP {f('webp')}, JXL e7 {f('jxl_e7')}, e9 {f('jxl_e9')}")
EOF
