# `picnic report`: sizes from the real file, verified round trips, NLL,
# totals, and the JSON / CSV / Markdown / HTML outputs.
source "$(dirname "$0")/../lib.sh" "$@"

[[ -f "$SRC/weights/photo.pnw" ]] || fail "weights/photo.pnw is missing from the source tree"
MODEL="$SRC/weights/photo.pnw"
HAVE_NLL=1
echo "report: model $MODEL"

mkdir in
make_ppm in/a.ppm 40 30
make_ppm b.ppm 17 9
expect_rc 0 "$PICNIC" compress b.ppm --model histogram
expect_rc 0 "$PICNIC" decompress b.pnc -o in/b.png
# A gray PGM: 20x10, one channel.
{ printf 'P5\n20 10\n255\n'
  awk 'BEGIN { for (i = 0; i < 200; i++) printf "%c", (i * 13) % 200 + 20 }'
} > in/c.pgm

expect_rc 0 "$PICNIC" report in --model "$MODEL" --threads 1 \
  --json r.json --csv r.csv --markdown r.md --html r.html
stdout_has "total"
[[ $(grep -c '^verified' "$WORK/stdout") -eq 3 ]] || { cat "$WORK/stdout"; fail "expected 3 verified rows"; }
grep -q FAILED "$WORK/stdout" && fail "a row FAILED"
cp "$WORK/stdout" report.out

# The report's size is that of the real file `picnic compress` writes.
expect_rc 0 "$PICNIC" compress in/a.ppm -o a.pnc --model "$MODEL"
a_bytes=$(stat -c %s a.pnc)

subpixels=$((40 * 30 * 3 + 17 * 9 * 3 + 20 * 10))
for key in '"subpixels"' '"file_bits_per_subpixel"' '"nll_bits_per_subpixel"' \
           '"encode_seconds"' '"decode_seconds"' '"images"' '"model"' '"fingerprint"' \
           '"machine"' '"threads"'; do
  grep -qF "$key" r.json || fail "r.json lacks $key"
done
python3 - "$subpixels" "$a_bytes" "$HAVE_NLL" <<'EOF' || fail "r.json check"
import json, sys
subpixels, a_bytes, have_nll = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
r = json.load(open("r.json"))
t = r["total"]
for k in ("subpixels", "file_bits_per_subpixel", "nll_bits_per_subpixel",
          "encode_seconds", "decode_seconds", "baselines"):
    assert k in t, k
assert t["subpixels"] == subpixels, (t["subpixels"], subpixels)
assert t["failed"] == 0
imgs = r["images"]
assert len(imgs) == 3
assert all(i["verified"] and i["status"] == "ok" for i in imgs), imgs
bits = sum(i["file_bytes"] * 8 for i in imgs)
assert abs(t["file_bits_per_subpixel"] - bits / subpixels) < 1e-9
a = [i for i in imgs if i["path"].endswith("a.ppm")][0]
assert a["file_bytes"] == a_bytes, (a["file_bytes"], a_bytes)
assert abs(a["file_bits_per_subpixel"] - a_bytes * 8 / 3600) < 1e-9
assert a["baselines"]["png"] is None  # a PPM has no "PNG as stored"
b = [i for i in imgs if i["path"].endswith("b.png")][0]
assert b["baselines"]["png"]["bytes"] > 0
c = [i for i in imgs if i["path"].endswith("c.pgm")][0]
assert c["layout"] == "gray" and c["subpixels"] == 200
if have_nll:
    assert t["nll_bits_per_subpixel"] > 0 and t["overhead_percent"] is not None
    assert all(i["nll_bits_per_subpixel"] > 0 for i in imgs)
    assert r["fingerprint"]
else:
    assert t["nll_bits_per_subpixel"] is None
    assert all(i["nll_bits_per_subpixel"] is None for i in imgs)
print("report json: ok")
EOF

# The built-in histogram model has no NLL: those columns say n/a / null.
expect_rc 0 "$PICNIC" report in --model histogram --threads 1 --no-baselines --json h.json
stdout_has "n/a"
python3 - <<'PY' || fail "h.json check"
import json
r = json.load(open("h.json"))
assert r["total"]["nll_bits_per_subpixel"] is None
assert all(i["nll_bits_per_subpixel"] is None for i in r["images"])
assert all(i["verified"] for i in r["images"])
PY

# CSV: a header, a row per image, a total row.
[[ $(wc -l < r.csv) -eq 5 ]] || { cat r.csv; fail "r.csv: expected 5 lines"; }
head -n 1 r.csv | grep -q '^image,status,' || fail "r.csv header"
grep -q '^TOTAL,' r.csv || fail "r.csv total row"
grep -qF '| **total** |' r.md || fail "r.md total row"

# HTML: self-contained, with embedded pictures and a chart.
grep -q 'src="data:image/png;base64,' r.html || fail "r.html has no embedded image"
grep -q '<svg' r.html || fail "r.html has no chart"
if grep -Eq '(src|href)="(https?:)?//' r.html; then fail "r.html loads an external resource"; fi
if [[ $HAVE_NLL == 1 ]]; then
  [[ $(grep -o 'alt="bits per pixel"' r.html | wc -l) -eq 3 ]] || fail "r.html: expected 3 heatmaps"
fi

# Outputs are not overwritten without -f; --every takes every Nth file.
expect_rc 1 "$PICNIC" report in --model "$MODEL" --json r.json --no-baselines
stderr_has "already exists"
expect_rc 0 "$PICNIC" report in --model "$MODEL" --every 2 --no-baselines --json r.json -f
[[ $(grep -c '^verified' "$WORK/stdout") -eq 2 ]] || { cat "$WORK/stdout"; fail "--every 2: expected 2 rows"; }
expect_rc 0 "$PICNIC" report in --model "$MODEL" --max-images 1 --no-baselines
[[ $(grep -c '^verified' "$WORK/stdout") -eq 1 ]] || fail "--max-images 1: expected 1 row"

# A broken input: its row fails, the others are still reported, exit 1.
printf 'not an image' > in/d.png
expect_rc 1 "$PICNIC" report in --model "$MODEL" --no-baselines --json bad.json
grep -q '^FAILED' "$WORK/stdout" || fail "no FAILED row"
[[ $(grep -c '^verified' "$WORK/stdout") -eq 3 ]] || fail "the other images are reported"
stderr_has "d.png"
grep -q '"FAILED"' bad.json || fail "bad.json lacks the FAILED row"

# Usage errors: exit 2.
expect_rc 2 "$PICNIC" report in --every 0
expect_rc 1 "$PICNIC" report missing_folder --model "$MODEL"
expect_rc 1 "$PICNIC" report in --model no_such_model
echo "report: ok"
