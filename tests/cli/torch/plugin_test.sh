# LibTorch is loaded only when needed (tools/cli/torch_plugin.h): compress,
# decompress and info of integer-model files never load it; the LibTorch
# commands and files of float models do. The dynamic loader's own log
# (LD_DEBUG=libs) says which libraries a run loaded.
source "$(dirname "$0")/../lib.sh" "$@"

plugin="$(dirname "$PICNIC")/picnic-torch.so"
[[ -f "$plugin" ]] || fail "the LibTorch plugin is not beside picnic ($plugin)"

# loads_torch CMD...: the loader opened libtorch while CMD ran.
loads_torch() {
  LD_DEBUG=libs "$@" >/dev/null 2>"$WORK/ld.log" || true
  grep -q 'calling init: .*libtorch' "$WORK/ld.log"
}

make_ppm x.ppm 12 7
loads_torch "$PICNIC" compress x.ppm -o x.pnc && fail "compress loaded LibTorch"
[[ -s x.pnc ]] || fail "compress wrote nothing"
loads_torch "$PICNIC" decompress x.pnc -o x.png && fail "decompress loaded LibTorch"
expect_rc 0 "$PICNIC" compare x.ppm x.png
loads_torch "$PICNIC" info x.pnc && fail "info loaded LibTorch"
loads_torch "$PICNIC" --version && fail "--version loaded LibTorch"

# The LibTorch commands are there, with their help.
loads_torch "$PICNIC" eval --help || fail "eval did not load LibTorch"
expect_rc 0 "$PICNIC" --help
for cmd in train eval sample report export; do stdout_has "$cmd"; done
expect_rc 0 "$PICNIC" export --help
stdout_has "Usage:"

# A float model's file loads it, and only then.
loads_torch "$PICNIC" compress --model-only --model "$SRC/weights/cifar10.pnw" -j 1 x.ppm -o float.pnc ||
  fail "a float model did not load LibTorch"
loads_torch "$PICNIC" decompress float.pnc -o float.png || fail "a float file's decode did not load LibTorch"
expect_rc 0 "$PICNIC" compare x.ppm float.png

# A plugin that cannot be loaded is named, and compress/decompress still work.
mkdir alone
cp "$PICNIC" alone/picnic
expect_rc 1 alone/picnic train --help
stderr_has "'train' needs LibTorch"
export PICNIC_WEIGHTS_DIR="$SRC/weights"
expect_rc 0 alone/picnic compress x.ppm -o alone.pnc
expect_rc 0 alone/picnic decompress alone.pnc -o alone.png
expect_rc 0 "$PICNIC" compare x.ppm alone.png
expect_rc 1 alone/picnic decompress float.pnc -o nope.png
stderr_has "need LibTorch"
[[ ! -e nope.png ]] || fail "a failed decode left an output"
echo "plugin_test: ok"
