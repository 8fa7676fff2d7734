# Files decode on every computer (docs/DESIGN.md, "Determinism"): a file made by
# the exact engine decodes to the same pixels whatever kernels OpenBLAS and
# LibTorch would pick (the float path failed its CRC under these settings)
# and whatever engine kernel path the decoder forces; every path also
# encodes the very same bytes. --model-only: every tile through the engine.
source "$(dirname "$0")/lib.sh" "$@"

[[ -f "$SRC/weights/photo.pnq" ]] || fail "weights/photo.pnq is missing from the source tree"
make_ppm x.ppm 61 45
expect_rc 0 "$PICNIC" compress --model-only -j 2 --tile 32 x.ppm -o x.pnc
expect_rc 0 "$PICNIC" info x.pnc
stdout_has "model photo"

expect_rc 0 "$PICNIC" --version
stdout_has "exact engine arithmetic"
paths=$(sed -n 's/^engine kernel paths on this CPU: *//p' "$WORK/stdout")
[[ "$paths" == scalar* ]] || fail "no kernel paths in --version: $(cat "$WORK/stdout")"

n=0
for env in OPENBLAS_CORETYPE=SkylakeX OPENBLAS_CORETYPE=Cooperlake OPENBLAS_CORETYPE=Sandybridge \
           OPENBLAS_CORETYPE=Nehalem OPENBLAS_CORETYPE=Prescott ATEN_CPU_CAPABILITY=default; do
  rm -f y.ppm
  expect_rc 0 env "$env" "$PICNIC" decompress -j 1 x.pnc -o y.ppm
  expect_rc 0 "$PICNIC" compare x.ppm y.ppm
  n=$((n + 1))
done
for p in $paths; do
  rm -f y.ppm z.pnc
  expect_rc 0 env PICNIC_ENGINE_KERNEL="$p" "$PICNIC" decompress -j 3 x.pnc -o y.ppm
  expect_rc 0 "$PICNIC" compare x.ppm y.ppm
  expect_rc 0 env PICNIC_ENGINE_KERNEL="$p" "$PICNIC" compress --model-only -j 1 --tile 32 --tiles-per-batch 0 x.ppm -o z.pnc
  n=$((n + 1))
done
# Encoding on one thread picks other batches than on two (recorded in the
# file); with the batches fixed, every path and thread count writes the same bytes.
ref=""
for p in $paths; do
  for j in 1 2 3; do
    rm -f z.pnc
    expect_rc 0 env PICNIC_ENGINE_KERNEL="$p" "$PICNIC" compress --model-only -j "$j" --tile 16 --tiles-per-batch 3 x.ppm -o z.pnc
    if [[ -z "$ref" ]]; then cp z.pnc ref.pnc; ref=1; else cmp -s z.pnc ref.pnc || fail "path $p, $j threads: other bytes"; fi
  done
done

expect_rc 1 env PICNIC_ENGINE_KERNEL=bogus "$PICNIC" decompress x.pnc -o w.ppm
stderr_has "PICNIC_ENGINE_KERNEL=bogus"
echo "ok: $n decoder set-ups gave the same pixels; paths ($paths) x 1-3 threads wrote the same bytes"
