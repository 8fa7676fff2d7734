#!/usr/bin/env bash
# Whole-process timings of the picnic command line, the way a user meets
# them: `picnic compress` of a PNG and `picnic decompress` back to a PNG
# (process start to file written), median wall time of several runs, for a
# photo cropped to WxH (default 768x512, from its top-left corner) and for a
# 1x1 image (start-up cost). Default model and thread count unless given.
#
#   bash tools/bench/cli_bench.sh [--runs N] [--crop WxH] [--picnic PATH] IMAGE [-- PICNIC_OPTIONS...]
#
# Needs python3 (cropping), awk and GNU date. Prints one line per measurement.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
picnic="$root/build/tools/picnic"
runs=5
crop=768x512
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --crop) crop="$2"; shift 2 ;;
    --picnic) picnic="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { echo "usage: $0 [--runs N] [--crop WxH] [--picnic PATH] IMAGE [-- OPTIONS]" >&2; exit 2; }
image="$1"; shift
[[ "${1:-}" == "--" ]] && shift
extra=("$@")
cw="${crop%x*}"; ch="${crop#*x}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# PNG -> PPM through picnic itself (lossless, built-in histogram model), crop, -> PNG.
"$picnic" -q compress --model histogram "$image" -o "$work/full.pnc"
"$picnic" -q decompress "$work/full.pnc" -o "$work/full.ppm"
python3 - "$work/full.ppm" "$work/crop.ppm" "$cw" "$ch" <<'PY'
import sys
src, dst, cw, ch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(src, 'rb').read()
fields, pos = [], 0
while len(fields) < 4:
    while data[pos:pos + 1].isspace(): pos += 1
    if data[pos:pos + 1] == b'#':
        pos = data.index(b'\n', pos)
        continue
    end = pos
    while not data[end:end + 1].isspace(): end += 1
    fields.append(data[pos:end]); pos = end
pos += 1
assert fields[0] == b'P6' and fields[3] == b'255', 'need an 8-bit RGB image'
w, h = int(fields[1]), int(fields[2])
if w < cw or h < ch: sys.exit(f'image is {w}x{h}, smaller than {cw}x{ch}')
rows = [data[pos + y * w * 3: pos + y * w * 3 + cw * 3] for y in range(ch)]
open(dst, 'wb').write(b'P6\n%d %d\n255\n' % (cw, ch) + b''.join(rows))
PY
printf 'P6\n1 1\n255\n\x40\x80\xc0' > "$work/one.ppm"
for name in crop one; do
  "$picnic" -q compress --model histogram "$work/$name.ppm" -o "$work/$name.tmp.pnc"
  "$picnic" -q decompress "$work/$name.tmp.pnc" -o "$work/$name.png"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
measure() {  # LABEL PNG
  local label="$1" png="$2" times_c=() times_d=()
  for ((i = 0; i < runs; i++)); do
    local t0 t1 t2
    t0=$(now)
    "$picnic" -q compress -f "${extra[@]}" "$png" -o "$work/x.pnc"
    t1=$(now)
    "$picnic" -q decompress -f "$work/x.pnc" -o "$work/x.png"
    t2=$(now)
    times_c+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    times_d+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
    "$picnic" compare "$png" "$work/x.png" || { echo "cli_bench: round trip of $png differs" >&2; exit 1; }
  done
  local bytes
  bytes=$(stat -c %s "$work/x.pnc")
  printf '%-9s compress %7.3f s   decompress %7.3f s   (%d bytes; median of %d)\n' "$label" \
    "$(printf '%s\n' "${times_c[@]}" | median)" "$(printf '%s\n' "${times_d[@]}" | median)" "$bytes" "$runs"
}
echo "picnic: $picnic"
"$picnic" --version | head -1
echo "image: $image, top-left ${cw}x${ch}; options: ${extra[*]:-(defaults)}; $(nproc) CPUs"
measure "${cw}x${ch}" "$work/crop.png"
measure "1x1" "$work/one.png"
