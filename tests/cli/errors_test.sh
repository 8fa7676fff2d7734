# Exit codes (0 ok, 1 failure, 2 usage), refusing to overwrite, batches with
# a bad file, bad input, and no partial outputs.
source "$(dirname "$0")/lib.sh" "$@"

make_ppm a.ppm 20 10
make_ppm b.ppm 9 31

# Usage errors: 2.
expect_rc 2 "$PICNIC"
expect_rc 2 "$PICNIC" frobnicate a.ppm
stderr_has "unknown command 'frobnicate'"
expect_rc 2 "$PICNIC" compress
expect_rc 2 "$PICNIC" compress a.ppm --no-such-option
expect_rc 2 "$PICNIC" compress a.ppm --tile -1
expect_rc 2 "$PICNIC" compress a.ppm --tile abc
expect_rc 2 "$PICNIC" info
touch not_a_dir
expect_rc 2 "$PICNIC" compress a.ppm b.ppm -o not_a_dir
[[ ! -e a.pnc && ! -e b.pnc ]] || fail "usage error still wrote outputs"

# --help everywhere: 0, and it says something useful.
for cmd in "" compress decompress info; do
  expect_rc 0 "$PICNIC" $cmd --help
  stdout_has "Usage:"
done
expect_rc 0 "$PICNIC" --version

# Never overwrite without -f.
expect_rc 0 "$PICNIC" compress a.ppm
cp a.pnc a.pnc.first
make_ppm a.ppm 21 10
expect_rc 1 "$PICNIC" compress a.ppm
stderr_has "picnic: a.ppm: "
stderr_has "already exists"
cmp -s a.pnc a.pnc.first || fail "a.pnc changed without -f"
expect_rc 0 "$PICNIC" compress -f a.ppm
cmp -s a.pnc a.pnc.first && fail "-f did not overwrite a.pnc"
expect_rc 0 "$PICNIC" decompress a.pnc -o a.png
expect_rc 1 "$PICNIC" decompress a.pnc -o a.png
stderr_has "already exists"
# The input itself is protected too: -o naming the input.
expect_rc 1 "$PICNIC" compress a.ppm -o a.ppm
cmp -s <(head -c 2 a.ppm) <(printf 'P6') || fail "input a.ppm was overwritten"

# Missing and garbage input: 1, one line on stderr naming the file.
expect_rc 1 "$PICNIC" compress missing.png
stderr_has "picnic: "
stderr_has "missing.png"
[[ $(wc -l < "$WORK/stderr") -eq 1 ]] || fail "expected one line on stderr"
printf 'this is not an image' > garbage.png
expect_rc 1 "$PICNIC" compress garbage.png
stderr_has "garbage.png"
[[ ! -e garbage.pnc ]] || fail "failed compress left garbage.pnc"
expect_rc 1 "$PICNIC" decompress garbage.png -o g.png
[[ ! -e g.png ]] || fail "failed decompress left g.png"
expect_rc 1 "$PICNIC" info garbage.png

# A truncated .pnc: 1, the message says truncated, no output left behind.
size=$(stat -c %s a.pnc)
head -c $((size / 2)) a.pnc > cut.pnc
expect_rc 1 "$PICNIC" decompress cut.pnc
stderr_has "cut.pnc"
[[ ! -e cut.png ]] || fail "truncated input left cut.png"
ls -A | grep -q '\.tmp\.' && fail "temporary file left behind"
head -c 3 a.pnc > tiny.pnc
expect_rc 1 "$PICNIC" decompress tiny.pnc
expect_rc 1 "$PICNIC" info tiny.pnc

# A batch with one bad file: the others are done, exit code 1.
mkdir batch
expect_rc 1 "$PICNIC" compress a.ppm garbage.png b.ppm -o batch
[[ -f batch/a.pnc && -f batch/b.pnc ]] || fail "good files of the batch not compressed"
[[ ! -e batch/garbage.pnc ]] || fail "bad file produced output"
stderr_has "garbage.png"
expect_rc 1 "$PICNIC" decompress batch/a.pnc cut.pnc batch/b.pnc -o out
[[ -f out/a.png && -f out/b.png && ! -e out/cut.png ]] || fail "batch decompress outputs wrong"
# Two inputs with the same output name: the second is refused, not clobbering the first.
mkdir -p d1 d2 && cp a.ppm d1/s.ppm && cp b.ppm d2/s.ppm
expect_rc 1 "$PICNIC" compress d1/s.ppm d2/s.ppm -o same
expect_rc 0 "$PICNIC" compare d1/s.ppm same/s.pnc

# An unknown model: 1, named in the message, reported once, nothing written.
expect_rc 1 "$PICNIC" compress a.ppm b.ppm --model no-such-model -o nomodel
stderr_has "no-such-model"
[[ $(grep -c 'model not found' "$WORK/stderr") -eq 1 ]] || fail "missing model reported more than once"
[[ -z "$(ls -A nomodel 2>/dev/null)" ]] || fail "outputs written without a model"

# Quiet success prints nothing.
expect_rc 0 "$PICNIC" -q compress b.ppm -o q.pnc
[[ ! -s "$WORK/stderr" && ! -s "$WORK/stdout" ]] || fail "-q printed something"
# Verbose reports bits per subpixel.
expect_rc 0 "$PICNIC" compress -v b.ppm -o v.pnc
stderr_has "bits/subpixel"

# An unwritable folder: 1 and a clear message.
if [[ $(id -u) -ne 0 ]]; then
  mkdir ro && chmod 555 ro
  expect_rc 1 "$PICNIC" compress a.ppm -o ro/a.pnc
  stderr_has "Permission denied"
  chmod 755 ro
fi
echo "errors: ok"
