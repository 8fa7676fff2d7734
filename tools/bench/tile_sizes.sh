#!/usr/bin/env bash
# What tile borders cost in real files: compresses every image of a folder at
# each tile size (separate processes, the default model and effort unless
# options say otherwise), decodes each file and checks it against its source,
# and prints bits per subpixel (header included) per group of file names (the
# part before the first '_': mcm, urban on photos/valid) and in total.
# Timings are cli_bench.sh's job (run it with `-- --tile N`).
#
#   bash tools/bench/tile_sizes.sh [--picnic PATH] FOLDER TILE... [-- PICNIC_OPTIONS...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
picnic="$root/build/tools/picnic"
if [[ "${1:-}" == "--picnic" ]]; then picnic="$2"; shift 2; fi
[[ $# -ge 2 && "$1" != -h && "$1" != --help ]] || { sed -n '2,9p' "$0"; exit 2; }
folder="$1"; shift
tiles=()
while [[ $# -gt 0 && "$1" != "--" ]]; do tiles+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
extra=("$@")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mapfile -t images < <(find "$folder" -maxdepth 1 -type f \( -name '*.png' -o -name '*.ppm' -o -name '*.pgm' \) | sort)
[[ ${#images[@]} -gt 0 ]] || { echo "tile_sizes: no images in $folder" >&2; exit 1; }
echo "picnic: $picnic; ${#images[@]} images in $folder; options: ${extra[*]:-(defaults)}"
printf '%6s  %-10s %8s %12s\n' tile group bits/sp bytes
for tile in "${tiles[@]}"; do
  rows="$work/rows.tsv"
  : > "$rows"
  for image in "${images[@]}"; do
    name="$(basename "$image")"
    "$picnic" -q compress -f --strip-metadata --tile "$tile" "${extra[@]}" "$image" -o "$work/x.pnc"
    "$picnic" -q decompress -f "$work/x.pnc" -o "$work/x.png"
    "$picnic" compare "$image" "$work/x.png" || { echo "tile_sizes: round trip of $image differs" >&2; exit 1; }
    "$picnic" info --tsv "$work/x.pnc" | awk -F'\t' -v n="$name" 'NR == 2 { print n "\t" $2 * $3 * $5 "\t" $11 }' >> "$rows"
  done
  awk -F'\t' -v tile="$tile" '
    { g = $1; sub(/_.*/, "", g); sub(/\..*/, "", g); subpixels[g] += $2; bytes[g] += $3; all_s += $2; all_b += $3 }
    END {
      for (g in subpixels) printf "%6s  %-10s %8.4f %12d\n", tile, g, 8 * bytes[g] / subpixels[g], bytes[g] | "sort"
      close("sort")
      printf "%6s  %-10s %8.4f %12d\n", tile, "all", 8 * all_b / all_s, all_b
    }' "$rows"
done
