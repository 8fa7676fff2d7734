# `picnic train`, `eval` and `sample` with a tiny model trained here for a few
# steps; and the project's central self-check, coded size against the
# model's NLL (docs/DESIGN.md, "The pipeline").
source "$(dirname "$0")/../lib.sh" "$@"


mkdir imgs
make_ppm imgs/a.ppm 24 20
make_ppm imgs/b.ppm 24 20
make_ppm imgs/c.ppm 33 17
# A gray PGM: scored on one channel.
{ printf 'P5\n19 13\n255\n'; awk 'BEGIN { for (i = 0; i < 19 * 13; i++) printf "%c", (i * 5) % 251 + 1 }'; } > gray.pgm

expect_rc 0 "$PICNIC" train --train imgs --valid imgs --run-dir run --name tiny --filters 8 --resnet 1 \
  --mix 3 --crop 8 --batch 4 --max-steps 3 --valid-crop 16 --valid-crops-per-image 1 --threads 1
[[ -s run/tiny.pnw ]] || fail "train did not export run/tiny.pnw"
[[ -d run/checkpoint ]] || fail "train wrote no checkpoint"
# Usage errors exit 2, before any work.
expect_rc 2 "$PICNIC" train --train imgs --run-dir run2 --name x --crop 6
expect_rc 2 "$PICNIC" train --train imgs --name x

expect_rc 0 "$PICNIC" eval --model run/tiny.pnw --json --per-image imgs gray.pgm
json="$(cat "$WORK/stdout")"
grep -Eq '"fingerprint": "[0-9a-f]{16}"' <<<"$json" || fail "no 16-hex fingerprint: $json"
grep -q '"images": 4' <<<"$json" || fail "expected 4 images: $json"
grep -q '"model": "tiny"' <<<"$json" || fail "model name: $json"
grep -q '"nll_bits_per_subpixel"' <<<"$json" || fail "no nll_bits_per_subpixel: $json"
grep -q '"per_image"' <<<"$json" || fail "no per_image: $json"
grep -q '"color_channels": 1' <<<"$json" || fail "gray image not scored on one channel: $json"
# 2 * 24*20*3 + 33*17*3 + 19*13 subpixels.
grep -q "\"subpixels\": $((2 * 24 * 20 * 3 + 33 * 17 * 3 + 19 * 13))," <<<"$json" || fail "subpixel count: $json"
fingerprint="$(grep -Eo '"fingerprint": "[0-9a-f]{16}"' <<<"$json" | grep -Eo '[0-9a-f]{16}')"

# The table form.
expect_rc 0 "$PICNIC" eval --model run/tiny.pnw --per-image imgs/a.ppm
stdout_has "model tiny (fingerprint $fingerprint"
stdout_has "imgs/a.ppm"
stdout_has "total: "

# Coded size against NLL: one tile, so that the coder sees the same context
# as the whole-image forward pass. Bits on disk = NLL + header + coding
# overhead; the CDF's probability floor may also cap a few very improbable
# subpixels, so allow some slack both ways.
expect_rc 0 "$PICNIC" compress --model-only --model run/tiny.pnw --tile 0 imgs/c.ppm -o c.pnc
expect_rc 0 "$PICNIC" info --tsv c.pnc
IFS=$'\t' read -r _ _ _ _ _ model fp _ _ _ bytes _ <<<"$(tail -n 1 "$WORK/stdout")"
[[ "$fp" == "$fingerprint" ]] || fail "info fingerprint $fp != eval fingerprint $fingerprint"
expect_rc 0 "$PICNIC" eval --model run/tiny.pnw --json imgs/c.ppm
nll="$(grep -Eo '"nll_bits": [0-9.e+]+' "$WORK/stdout" | grep -Eo '[0-9.e+]+$')"
awk -v b="$bytes" -v n="$nll" 'BEGIN { c = 8 * b; exit !(c > 0.97 * n && c < n * 1.01 + 1200) }' ||
  fail "coded $bytes bytes does not match the NLL of $nll bits"

# Errors: a missing model or image is one line on stderr and exit 1.
expect_rc 1 "$PICNIC" eval --model no-such-model imgs
stderr_has "no-such-model"
[[ $(wc -l < "$WORK/stderr") -eq 1 ]] || fail "expected one line on stderr"
expect_rc 1 "$PICNIC" eval --model run/tiny.pnw missing.png
expect_rc 2 "$PICNIC" eval --model run/tiny.pnw

# eval -e N: with the per-image parameters compress --model-only --no-recalibrate -e N stores, fitted by
# the model's integer weights. Colour noise: the photo model's scales are far
# too narrow there, so the parameters pay, and the NLL falls with them.
python3 -c "
import random
random.seed(5)
open('noise.ppm', 'wb').write(b'P6\n96 64\n255\n' + bytes(random.randrange(256) for _ in range(96 * 64 * 3)))"
expect_rc 0 "$PICNIC" eval --model photo --json noise.ppm
plain="$(grep -Eo '"nll_bits": [0-9.e+]+' "$WORK/stdout" | grep -Eo '[0-9.e+]+$')"
expect_rc 0 "$PICNIC" eval --model photo -e 3 --json --per-image noise.ppm
adapted="$(grep -Eo '"nll_bits": [0-9.e+]+' "$WORK/stdout" | head -n 1 | grep -Eo '[0-9.e+]+$')"
grep -q '"adapted_images": 1' "$WORK/stdout" || fail "eval -e 3: the noise image carries no parameters"
grep -q '"model_params_bytes": 50' "$WORK/stdout" || fail "eval -e 3: parameter bytes"
awk -v p="$plain" -v a="$adapted" 'BEGIN { exit !(a < 0.998 * p) }' ||
  fail "eval -e 3: NLL $adapted is not below the plain $plain"
expect_rc 0 "$PICNIC" compress --model photo --model-only --no-recalibrate -e 3 noise.ppm -o noise.pnc
awk -v b="$(stat -c %s noise.pnc)" -v a="$adapted" 'BEGIN { exit !(8 * b > 0.99 * a && 8 * b < 1.01 * a) }' ||
  fail "eval -e 3: NLL $adapted bits against a file of $(stat -c %s noise.pnc) bytes"
# A model without integer weights cannot fit them.
expect_rc 1 "$PICNIC" eval --model run/tiny.pnw -e 3 imgs/a.ppm
stderr_has "integer weights"

# Sampling.
expect_rc 0 "$PICNIC" sample --model run/tiny.pnw -n 2 --size 5x6 -o samples --seed 3
[[ -s samples/sample_000.png && -s samples/sample_001.png ]] || fail "samples not written"
expect_rc 1 "$PICNIC" sample --model run/tiny.pnw -n 2 --size 5x6 -o samples  # no overwrite without -f
expect_rc 0 "$PICNIC" sample --model run/tiny.pnw -n 2 --size 5x6 -o samples --seed 3 -f
expect_rc 2 "$PICNIC" sample --model run/tiny.pnw --size 5y6 -o samples
echo "torch_eval: ok"
