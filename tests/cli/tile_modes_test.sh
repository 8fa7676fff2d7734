# Tile modes (format 1.3) and replication (1.4): every generated image, every channel layout,
# coded with the encoder's choice of modes and with --model-only, each
# compressed and decompressed in separate processes with 1 and 3 threads.
# Graphics get synthetic-content tiles, noise falls back to deflate, and a
# file without model tiles decodes where no model is installed.
source "$(dirname "$0")/lib.sh" "$@"

generate_images gen
chosen_total=0
model_total=0
synthetic_files=0
deflate_files=0
enlarged_files=0
for img in gen/*; do
  name="$(basename "$img")"
  expect_rc 0 "$PICNIC" compress "$img" -o "$name.pnc"
  expect_rc 0 "$PICNIC" compress --model-only "$img" -o "$name.model.pnc"
  for j in 1 3; do
    expect_rc 0 "$PICNIC" decompress -j "$j" "$name.pnc" -o "$name.$j.png"
    expect_rc 0 "$PICNIC" compare "$img" "$name.$j.png"
  done
  expect_rc 0 "$PICNIC" decompress "$name.model.pnc" -o "$name.model.png"
  expect_rc 0 "$PICNIC" compare "$img" "$name.model.png"
  expect_rc 0 "$PICNIC" info "$name.model.pnc"
  grep -q "tiles:" "$WORK/stdout" && fail "$name: --model-only wrote tile modes"
  grep -q "enlargement" "$WORK/stdout" && fail "$name: --model-only coded a smaller image"
  expect_rc 0 "$PICNIC" info "$name.pnc"
  if grep -q "synthetic-content" "$WORK/stdout"; then
    grep -q " 0 synthetic-content" "$WORK/stdout" || synthetic_files=$((synthetic_files + 1))
    grep -q " 0 deflate" "$WORK/stdout" || deflate_files=$((deflate_files + 1))
    grep -qE "format 1\.[34]" "$WORK/stdout" || fail "$name: tile modes without format 1.3 or later"
  fi
  # Exact enlargements (the flat and palette images) are coded as the image
  # they enlarge (format 1.4); --model-only codes them at their size.
  if grep -q "enlargement" "$WORK/stdout"; then
    stdout_has "format 1.4"
    enlarged_files=$((enlarged_files + 1))
  fi
  chosen_total=$((chosen_total + $(stat -c %s "$name.pnc")))
  model_total=$((model_total + $(stat -c %s "$name.model.pnc")))
done
echo "generated images: $chosen_total bytes with tile modes, $model_total with the model only;" \
     "$synthetic_files files with synthetic tiles, $deflate_files deflated, $enlarged_files enlargements"
[[ $enlarged_files -ge 2 ]] || fail "only $enlarged_files flat images coded as enlargements"
[[ $synthetic_files -ge 3 ]] || fail "only $synthetic_files files use the synthetic model"
[[ $deflate_files -ge 1 ]] || fail "no file fell back to deflate"
[[ $chosen_total -lt $model_total ]] || fail "tile modes did not make the generated images smaller"

# A file whose tiles need no model decodes where none is installed (a copy
# of picnic outside the build tree, with an empty weights folder); one that
# needs the model names it.
mkdir -p empty alone
cp "$PICNIC" alone/picnic
synthetic=""
for f in *.pnc; do
  expect_rc 0 "$PICNIC" info "$f"
  if grep -q "decoding does not need the model" "$WORK/stdout"; then synthetic="$f"; break; fi
done
[[ -n "$synthetic" ]] || fail "no file without model tiles"
expect_rc 0 env PICNIC_WEIGHTS_DIR="$WORK/empty" alone/picnic decompress "$synthetic" -o alone.png
expect_rc 0 "$PICNIC" compare "gen/${synthetic%.pnc}" alone.png
expect_rc 1 env PICNIC_WEIGHTS_DIR="$WORK/empty" alone/picnic decompress "$(ls *.model.pnc | head -n 1)" -o none.png
stderr_has "photo"
