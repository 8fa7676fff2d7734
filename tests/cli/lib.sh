# Shared by the CLI tests (sourced, not run). Usage in a test:
#   source "$(dirname "$0")/lib.sh" "$@"
# Sets PICNIC (the binary), SRC (source dir), WORK (a temp dir removed on exit).
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 PICNIC_BINARY SOURCE_DIR" >&2; exit 2; }
PICNIC="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
SRC="$2"
[[ -x "$PICNIC" ]] || { echo "not executable: $PICNIC" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_rc CODE CMD...: runs CMD, which must exit with CODE; its stderr is
# kept in $WORK/stderr for later checks.
expect_rc() {
  local want="$1"; shift
  local got=0
  "$@" >"$WORK/stdout" 2>"$WORK/stderr" || got=$?
  if [[ "$got" != "$want" ]]; then
    echo "--- stdout"; cat "$WORK/stdout"; echo "--- stderr"; cat "$WORK/stderr"
    fail "'$*' exited $got, expected $want"
  fi
}

# stderr_has TEXT: the last expect_rc's stderr contains TEXT.
stderr_has() { grep -qF -- "$1" "$WORK/stderr" || { cat "$WORK/stderr"; fail "stderr lacks '$1'"; }; }
stdout_has() { grep -qF -- "$1" "$WORK/stdout" || { cat "$WORK/stdout"; fail "stdout lacks '$1'"; }; }

# Writes a small binary PPM (P6) with pseudo-random smooth content: NAME W H.
make_ppm() {
  local name="$1" w="$2" h="$3"
  { printf 'P6\n# test\n%d %d\n255\n' "$w" "$h"
    awk -v w="$w" -v h="$h" 'BEGIN { for (y = 0; y < h; y++) for (x = 0; x < w; x++)
      printf "%c%c%c", (x * 7 + y * 3) % 251 + 1, (x * y) % 253 + 1, (x + 2 * y) % 247 + 1 }'
  } > "$name"
}

# Synthetic images from gen_test_images, built beside picnic.
generate_images() {
  local gen
  gen="$(dirname "$PICNIC")/gen_test_images"
  [[ -x "$gen" ]] || fail "gen_test_images not found next to picnic ($gen)"
  "$gen" "$1" >/dev/null
}
