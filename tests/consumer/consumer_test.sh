# picnic as an installed library (README, "Library"): installs a build into a
# temporary prefix, then builds consumer.cpp against nothing but that prefix,
# once with CMake's find_package (CMakeLists.txt here) and once with
# pkg-config, and runs both: each round-trips an image with the default
# model, whose weights must come from the prefix.
#   bash consumer_test.sh BUILD_DIR [CMAKE [CXX]]
set -euo pipefail
build=$1
cmake=${2:-cmake}
cxx=${3:-c++}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "consumer_test: $*" >&2; exit 1; }
run() {  # run LOG COMMAND...: quiet unless it fails
  local log=$1; shift
  "$@" >"$work/$log" 2>&1 || { cat "$work/$log" >&2; fail "failed: $*"; }
}
unset PICNIC_WEIGHTS_DIR  # the weights must come from the prefix

prefix=$work/prefix
run install.log "$cmake" --install "$build" --prefix "$prefix"
weights=$prefix/share/picnic/weights
[[ -f $weights/photo.pnq && -f $weights/photo.md ]] || fail "weights not installed in $weights"
[[ -f $prefix/share/doc/picnic/FORMAT.md && -f $prefix/share/doc/picnic/README.md ]] ||
  fail "FORMAT.md and README.md not installed in $prefix/share/doc/picnic"
[[ -x $prefix/bin/picnic ]] || fail "the picnic command is not installed in $prefix/bin"
# The installed command round-trips with the installed weights, and, in a
# LibTorch build, finds its LibTorch plugin in the prefix.
printf 'P6\n5 3\n255\n%s' "$(head -c 45 /dev/zero | tr '\0' 'x')" > "$work/x.ppm"
run cli-compress.log "$prefix/bin/picnic" compress "$work/x.ppm" -o "$work/x.pnc"
run cli-decompress.log "$prefix/bin/picnic" decompress "$work/x.pnc" -o "$work/x.png"
run cli-compare.log "$prefix/bin/picnic" compare "$work/x.ppm" "$work/x.png"
if [[ -f $build/tools/picnic-torch.so ]]; then
  [[ -f $prefix/lib/picnic/picnic-torch.so ]] || fail "the LibTorch plugin is not installed in $prefix/lib/picnic"
  run cli-plugin.log "$prefix/bin/picnic" export --help
fi
pc=$(find "$prefix" -name picnic.pc)
[[ -n $pc ]] || fail "picnic.pc not installed"
shared=$(find "$prefix" -name 'libpicnic_codec.so*' | head -n 1)

# Where the program runs from: with shared libraries, anywhere (the library
# finds the weights beside itself); with static ones, from the prefix's bin/
# (the program finds them beside itself), as an application installed with
# picnic would. Elsewhere a static program needs PICNIC_WEIGHTS_DIR, or a
# picnic configured with CMAKE_INSTALL_PREFIX set to where it is installed.
place() {
  if [[ -n $shared ]]; then echo "$1"; else cp "$1" "$prefix/bin/" && echo "$prefix/bin/$(basename "$1")"; fi
}

# 1. CMake: find_package(picnic CONFIG) from the prefix only.
run cmake-configure.log "$cmake" -S "$here" -B "$work/cmake" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
found=$(sed -n 's/^picnic_DIR:PATH=//p' "$work/cmake/CMakeCache.txt")
[[ $found == "$prefix"/* ]] || fail "find_package found picnic in $found, not in $prefix"
run cmake-build.log "$cmake" --build "$work/cmake"
exe=$(place "$work/cmake/picnic_consumer")
run cmake-run.log "$exe" "$weights"
echo "find_package: $(cat "$work/cmake-run.log")"

# 2. pkg-config, as a Makefile would use it.
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs picnic) || fail "pkg-config --cflags --libs picnic failed"
mkdir -p "$work/pc"
# shellcheck disable=SC2086
run pc-build.log "$cxx" -std=c++17 -O1 "$here/consumer.cpp" -o "$work/pc/picnic_consumer_pc" $flags
exe=$(place "$work/pc/picnic_consumer_pc")
run pc-run.log env LD_LIBRARY_PATH="$(pkg-config --variable=libdir picnic)" "$exe" "$weights"
echo "pkg-config: $(cat "$work/pc-run.log")"
