# `picnic info`: dimensions, channels, model, fingerprint, size, bits/subpixel.
source "$(dirname "$0")/lib.sh" "$@"

make_ppm a.ppm 40 30
expect_rc 0 "$PICNIC" compress --model histogram a.ppm
expect_rc 0 "$PICNIC" info a.pnc
stdout_has "a.pnc: 40x30 rgb (3 channels)"
stdout_has "model histogram"
stdout_has "fingerprint"
stdout_has "bits/subpixel"
stdout_has "CDFs of 2^24"  # the default precision (picnic/limits.h)

expect_rc 0 "$PICNIC" info --tsv a.pnc a.ppm
[[ $(wc -l < "$WORK/stdout") -eq 3 ]] || fail "expected header + 2 rows"
head -n 1 "$WORK/stdout" | grep -q $'^file\twidth\theight\tlayout' || fail "bad TSV header"
row="$(grep '^a.pnc' "$WORK/stdout")"
IFS=$'\t' read -r file w h layout ch model fp tile prec fmt bytes bpsp meta <<<"$row"
[[ "$meta" == - ]] || fail "metadata column: $meta"
[[ "$w" == 40 && "$h" == 30 && "$layout" == rgb && "$ch" == 3 ]] || fail "bad row: $row"
[[ "$bytes" == "$(stat -c %s a.pnc)" ]] || fail "bytes $bytes != file size"
# bits/subpixel = bytes * 8 / (40 * 30 * 3)
awk -v b="$bytes" -v r="$bpsp" 'BEGIN { e = b * 8 / 3600; exit !(r - e < 1e-4 && e - r < 1e-4) }' ||
  fail "bits_per_subpixel $bpsp does not match $bytes bytes"

# Several files, one missing: the rest are shown, exit 1.
expect_rc 1 "$PICNIC" info a.pnc missing.pnc
stdout_has "a.pnc: 40x30"
stderr_has "missing.pnc"
echo "info: ok"
