# Compress then decompress in separate processes; the decoded pixels must
# equal the originals for every layout, size and format.
source "$(dirname "$0")/lib.sh" "$@"

generate_images gen
count=0
for img in gen/*; do
  name="$(basename "$img")"
  expect_rc 0 "$PICNIC" compress "$img" -o "$name.pnc"
  [[ -s "$name.pnc" ]] || fail "$name.pnc is empty"
  expect_rc 0 "$PICNIC" decompress "$name.pnc" -o "$name.out.png"
  expect_rc 0 "$PICNIC" compare "$img" "$name.out.png"
  count=$((count + 1))
done
[[ $count -ge 20 ]] || fail "only $count generated images"

# PNG metadata is kept by default: the decoded PNG is the very file
# gen_test_images wrote (same pixels, same chunks, same encoder).
m=rgb_metadata_48x32.png
meta_column() { expect_rc 0 "$PICNIC" info --tsv "$1"; tail -n 1 "$WORK/stdout" | cut -f 13; }
[[ "$(meta_column "gen/$m")" == "gAMA,pHYs,tEXt" ]] || fail "gen/$m: metadata not read"
[[ "$(meta_column "$m.pnc")" == "gAMA,pHYs,tEXt" ]] || fail "$m.pnc: metadata not stored"
expect_rc 0 "$PICNIC" info "$m.pnc"
stdout_has "format 1.1"
stdout_has "metadata: gAMA 4 B, pHYs 9 B, tEXt 12 B"
cmp -s "gen/$m" "$m.out.png" || fail "$m: decoded PNG differs from the original file"
# --strip-metadata: none stored, a format 1.0 file; PPM output says what it drops.
expect_rc 0 "$PICNIC" compress --strip-metadata "gen/$m" -o stripped.pnc
[[ "$(meta_column stripped.pnc)" == "-" ]] || fail "stripped.pnc still has metadata"
expect_rc 0 "$PICNIC" info stripped.pnc
stdout_has "format 1.0"
expect_rc 0 "$PICNIC" decompress "$m.pnc" -o meta.ppm
stderr_has "metadata (gAMA 4 B, pHYs 9 B, tEXt 12 B) not written"
expect_rc 0 "$PICNIC" compare "gen/$m" meta.ppm

# Default names: x.ppm -> x.pnc -> x.png, beside the input.
make_ppm x.ppm 37 23
expect_rc 0 "$PICNIC" compress x.ppm
[[ -f x.pnc ]] || fail "x.pnc not written"
expect_rc 0 "$PICNIC" decompress x.pnc
[[ -f x.png ]] || fail "x.png not written"
expect_rc 0 "$PICNIC" compare x.ppm x.png
expect_rc 0 "$PICNIC" compare x.ppm x.pnc   # compare also decodes .pnc

# Tile sizes, including one tile and tiles smaller than the image.
for tile in 0 8 64; do
  expect_rc 0 "$PICNIC" compress x.ppm --tile "$tile" -o "t$tile.pnc"
  expect_rc 0 "$PICNIC" decompress "t$tile.pnc" -o "t$tile.png"
  expect_rc 0 "$PICNIC" compare x.ppm "t$tile.png"
done

# Several inputs into a folder (created), then back into another.
expect_rc 0 "$PICNIC" compress gen/rgb_1x1.png gen/graya_gradient_50x31.png x.ppm -o packed
for f in rgb_1x1 graya_gradient_50x31 x; do [[ -f "packed/$f.pnc" ]] || fail "packed/$f.pnc missing"; done
expect_rc 0 "$PICNIC" decompress packed/*.pnc -o unpacked/
expect_rc 0 "$PICNIC" compare gen/graya_gradient_50x31.png unpacked/graya_gradient_50x31.png
expect_rc 0 "$PICNIC" compare x.ppm unpacked/x.png

# Effort: 3 fits the model to the image first (format 1.2 when the fit
# pays: noise, where the photo model's scales are far too narrow) and keeps
# that file only if it beats effort 1's; 2 codes an image this small as 1. By default the coder also
# recalibrates the model online (format 1.5, a flag), which widens the
# scales on noise by itself; --no-recalibrate codes without it. Out of range
# is a usage error.
for r in "" --no-recalibrate; do
  for e in 1 2 3; do
    expect_rc 0 "$PICNIC" compress --model-only $r -e "$e" gen/rgb_noise_63x65.png -o "noise${r}_e$e.pnc"
    expect_rc 0 "$PICNIC" decompress "noise${r}_e$e.pnc" -o "noise${r}_e$e.png"
    expect_rc 0 "$PICNIC" compare gen/rgb_noise_63x65.png "noise${r}_e$e.png"
  done
done
cmp noise_e1.pnc noise_e2.pnc || fail "-e 2 coded a 63x65 image otherwise than -e 1"
expect_rc 0 "$PICNIC" info noise--no-recalibrate_e3.pnc
grep -qE "format 1\.(2|9)" "$WORK/stdout" || fail "-e 3 file: not format 1.2 (or 1.9, turned)"
stdout_has "model fitted to the image"
! grep -qF "recalibrated" "$WORK/stdout" || fail "a --no-recalibrate file says it is recalibrated"
[[ $(stat -c %s noise--no-recalibrate_e3.pnc) -lt $(stat -c %s noise--no-recalibrate_e1.pnc) ]] ||
  fail "-e 3 did not shrink noise"
expect_rc 0 "$PICNIC" info noise_e1.pnc
stdout_has "recalibrated online"
stdout_has "with error feedback (1.7)"
# --no-error-feedback: a file picnic 0.4 can read, which says so.
expect_rc 0 "$PICNIC" compress --model-only --no-error-feedback gen/rgb_noise_63x65.png -o noise_nofb.pnc
expect_rc 0 "$PICNIC" decompress noise_nofb.pnc -o noise_nofb.png
expect_rc 0 "$PICNIC" compare gen/rgb_noise_63x65.png noise_nofb.png
expect_rc 0 "$PICNIC" info noise_nofb.pnc
stdout_has "recalibrated online"
! grep -qF "error feedback" "$WORK/stdout" || fail "a --no-error-feedback file says it has error feedback"
[[ $(stat -c %s noise_e1.pnc) -lt $(stat -c %s noise--no-recalibrate_e1.pnc) ]] ||
  fail "recalibration did not shrink noise"
for e in 2 3; do
  [[ $(stat -c %s "noise_e$e.pnc") -le $(stat -c %s noise_e1.pnc) ]] || fail "-e $e is larger than -e 1"
done
# -e 3 also codes the image in each of its eight orientations (format 1.9)
# and keeps the smallest; -e 2 (the default) chooses one from the image's
# centred quarter where the image is at least 128 pixels on each side (the
# 200x150 one). Every effort's file decoded in separate processes on 1 and
# 3 threads.
turned=0
for img in rgb_scene_200x150 rgb_noise_63x65 gray_scene_131x97; do
  for e in 1 2 3; do
    expect_rc 0 "$PICNIC" compress -e $e "gen/$img.png" -o "$img.e$e.pnc"
    for j in 1 3; do
      expect_rc 0 "$PICNIC" decompress -j $j "$img.e$e.pnc" -o "$img.e$e.j$j.png"
      expect_rc 0 "$PICNIC" compare "gen/$img.png" "$img.e$e.j$j.png"
    done
  done
  [[ $(stat -c %s "$img.e3.pnc") -le $(stat -c %s "$img.e1.pnc") ]] || fail "$img: -e 3 is larger than -e 1"
  if [[ $img != rgb_scene_200x150 ]]; then
    cmp "$img.e1.pnc" "$img.e2.pnc" || fail "$img: -e 2 coded an image under 128 pixels a side otherwise than -e 1"
  fi
  expect_rc 0 "$PICNIC" info "$img.e3.pnc"
  if grep -qF "(orientation " "$WORK/stdout"; then
    turned=$((turned + 1))
    stdout_has "format 1.9"
  fi
done
# Which orientation wins depends on the weights; that none ever does would
# mean the search does not run.
[[ $turned -ge 1 ]] || fail "-e 3 coded none of three images in another orientation"
expect_rc 2 "$PICNIC" compress -e 4 x.ppm -o e4.pnc
expect_rc 2 "$PICNIC" compress -e 0 x.ppm -o e0.pnc

# compare itself must notice a difference.
expect_rc 1 "$PICNIC" compare gen/rgb_noise_63x65.png gen/rgb_scene_200x150.png
stderr_has "differ"
echo "roundtrip: $count generated images ok"
