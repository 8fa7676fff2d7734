# Standard input and output ("-"), PPM/PGM output chosen by -o's extension,
# and inputs that never end (/dev/zero, a valid file followed by more bytes):
# refused after the bytes that show it, not read until memory runs out.
source "$(dirname "$0")/lib.sh" "$@"

make_ppm a.ppm 37 23
{ printf 'P5\n19 11\n255\n'
  awk 'BEGIN { for (i = 0; i < 209; i++) printf "%c", (i * 7) % 230 + 10 }'
} > g.pgm

# compress - > file, decompress - > file; same pixels as the input.
"$PICNIC" compress --model histogram - < a.ppm > a.pnc || fail "compress from stdin"
expect_rc 0 "$PICNIC" info a.pnc
stdout_has "37x23 rgb"
"$PICNIC" decompress - < a.pnc > a.png || fail "decompress from stdin"
expect_rc 0 "$PICNIC" compare a.png a.ppm
# -o - for a named input; stdin with -o FILE.
"$PICNIC" compress --model histogram g.pgm -o - > g.pnc || fail "compress -o -"
expect_rc 0 "$PICNIC" decompress - -o g.png < g.pnc
expect_rc 0 "$PICNIC" compare g.png g.pgm
# The same bytes as a file written the usual way.
expect_rc 0 "$PICNIC" compress --model histogram g.pgm -o g2.pnc
cmp -s g.pnc g2.pnc || fail "compress -o - wrote other bytes than compress -o FILE"

# PPM/PGM output by extension; the exact bytes a plain P6/P5 file has.
expect_rc 0 "$PICNIC" decompress a.pnc -o back.ppm
head -c 2 back.ppm | grep -q P6 || fail "back.ppm is not a P6 file"
expect_rc 0 "$PICNIC" compare back.ppm a.ppm
expect_rc 0 "$PICNIC" decompress g.pnc -o back.PGM
head -c 2 back.PGM | grep -q P5 || fail "back.PGM is not a P5 file"
cmp -s back.PGM g.pgm || fail "back.PGM differs from g.pgm byte for byte"
# Alpha does not fit PPM: refused, nothing left behind.
generate_images gen
rgba=$(ls gen/*rgba* | head -n 1)
expect_rc 0 "$PICNIC" compress --model histogram "$rgba" -o rgba.pnc
expect_rc 1 "$PICNIC" decompress rgba.pnc -o rgba.ppm
stderr_has "alpha"
[[ ! -e rgba.ppm ]] || fail "refused PPM output left rgba.ppm"

# Usage errors: "-" with other inputs, -o - with several inputs.
expect_rc 2 "$PICNIC" compress --model histogram a.ppm - -o out/
expect_rc 2 "$PICNIC" compress --model histogram a.ppm g.pgm -o -

# Endless inputs end in an error at once.
expect_rc 1 timeout 20 "$PICNIC" decompress /dev/zero -o z.png
stderr_has "bad magic"
expect_rc 1 timeout 20 "$PICNIC" compress --model histogram /dev/zero -o z.pnc
stderr_has "not a PNG"
expect_rc 1 timeout 20 "$PICNIC" info /dev/zero
expect_rc 1 timeout 20 bash -c "cat a.pnc /dev/zero | '$PICNIC' decompress - -o z.png"
stderr_has "goes on past the $(stat -c %s a.pnc) bytes"
[[ ! -e z.png && ! -e z.pnc ]] || fail "a refused input left an output behind"
# An image followed by more bytes is read to its end (IEND, or the end of
# the raster) and no further; a PNG that never reaches IEND is refused after
# a bounded read (twice its raw size plus 64 MiB).
[[ -f a.png ]] || fail "a.png missing"
expect_rc 0 timeout 20 bash -c "cat a.png /dev/zero | '$PICNIC' compress --model histogram - -o tail_png.pnc"
expect_rc 0 "$PICNIC" compare a.png tail_png.pnc
expect_rc 0 timeout 20 bash -c "cat a.ppm /dev/zero | '$PICNIC' compress --model histogram - -o tail_ppm.pnc"
expect_rc 0 "$PICNIC" compare a.ppm tail_ppm.pnc
expect_rc 1 timeout 20 bash -c "{ head -c 33 a.png; tr '\\0' a < /dev/zero; } | '$PICNIC' compress --model histogram - -o endless.pnc"
stderr_has "without an end"
[[ ! -e endless.pnc ]] || fail "a refused input left an output behind"
# info on a .pnc FIFO that never ends: the header says where it stops.
mkfifo fifo.pnc
( cat a.pnc /dev/zero > fifo.pnc 2>/dev/null & )
expect_rc 1 timeout 20 "$PICNIC" info fifo.pnc
echo "stdio: ok"
