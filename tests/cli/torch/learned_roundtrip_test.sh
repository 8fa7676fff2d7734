# The learned codec across processes: every synthetic image (1x1, 1xN, Nx1,
# odd sizes, gray, gray+alpha, RGB, RGBA, palette) compressed with the shipped
# photo model on two threads and decompressed in another process on one
# thread must come back pixel for pixel (docs/DESIGN.md, "Determinism").
source "$(dirname "$0")/../lib.sh" "$@"

[[ -f "$SRC/weights/photo.pnw" ]] || fail "weights/photo.pnw is missing from the source tree"

generate_images gen
count=0
for img in gen/*; do
  name="$(basename "$img")"
  expect_rc 0 "$PICNIC" compress --model photo -j 2 "$img" -o "$name.pnc"
  expect_rc 0 "$PICNIC" info "$name.pnc"
  stdout_has "model photo"
  expect_rc 0 "$PICNIC" decompress -j 1 "$name.pnc" -o "$name.out.png"
  expect_rc 0 "$PICNIC" compare "$img" "$name.out.png"
  count=$((count + 1))
done
[[ $count -ge 20 ]] || fail "only $count generated images"

# Tiles smaller than the image, several batches, decoded with more threads
# than the encoder used.
make_ppm x.ppm 45 37
expect_rc 0 "$PICNIC" compress --model photo --tile 16 -j 1 x.ppm -o x.pnc
expect_rc 0 "$PICNIC" decompress -j 3 x.pnc -o x.png
expect_rc 0 "$PICNIC" compare x.ppm x.png

# A damaged payload never decodes to wrong pixels.
size=$(stat -c %s x.pnc)
cp x.pnc bad.pnc
old=$(od -An -tu1 -j $((size - 40)) -N1 x.pnc | tr -d ' ')
printf "\\x$(printf %02x $((old ^ 0xff)))" | dd of=bad.pnc bs=1 seek=$((size - 40)) conv=notrunc status=none
cmp -s x.pnc bad.pnc && fail "corruption did not change the file"
expect_rc 1 "$PICNIC" decompress bad.pnc -o bad.png
[[ ! -e bad.png ]] || fail "a failed decode left bad.png behind"
echo "ok: $count synthetic images and a tiled image round-tripped with the photo model"

# Files of the float LibTorch path (before the exact engine; still written
# with --model PATH.pnw) keep decoding in LibTorch builds: the decoder finds
# the float weights by fingerprint after the integer ones.
expect_rc 0 "$PICNIC" compress --model "$SRC/weights/photo.pnw" -j 1 x.ppm -o float.pnc
expect_rc 0 "$PICNIC" info float.pnc
float_fp=$(sed -n 's/.*fingerprint \([0-9a-f]*\).*/\1/p' "$WORK/stdout")
expect_rc 0 "$PICNIC" info x.pnc
int_fp=$(sed -n 's/.*fingerprint \([0-9a-f]*\).*/\1/p' "$WORK/stdout")
[[ -n "$float_fp" && "$float_fp" != "$int_fp" ]] || fail "float and integer files name the same weights ($float_fp)"
expect_rc 0 "$PICNIC" decompress -j 2 float.pnc -o float.png
expect_rc 0 "$PICNIC" compare x.ppm float.png
echo "ok: a float-path file ($float_fp) still decodes beside the exact engine's ($int_fp)"
