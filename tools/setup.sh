#!/usr/bin/env bash
# Installs the Debian packages picnic needs (only those missing), then
# configures and builds it. Idempotent; safe to run again at any time.
#
#   bash tools/setup.sh              # build into ./build
# Environment: PICNIC_BUILD_DIR (default build), PICNIC_WITH_TORCH (ON/OFF,
# default ON: the learned model and trainer need LibTorch),
# PICNIC_JOBS (default: number of CPUs), PICNIC_SKIP_APT=1 to skip apt.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${PICNIC_BUILD_DIR:-$root/build}"
with_torch="${PICNIC_WITH_TORCH:-ON}"
jobs="${PICNIC_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# libopenblas0-pthread: Debian's LibTorch calls the reference BLAS unless an
# optimized one is installed; OpenBLAS makes training and coding ~2.5x
# faster. Not the serial build: it is not safe to call from several threads
# at once, and the codec codes tile batches on several threads (picnic sets
# OpenBLAS to one thread of its own at run time).
# python3: the CLI tests check the JSON that `picnic report` writes.
packages=(cmake g++ pkg-config libpng-dev zlib1g-dev catch2 libcli11-dev
          libtorch-dev libopenblas0-pthread nlohmann-json3-dev webp libjxl-tools clang
          libclang-rt-14-dev python3)

say() { echo "setup: $*" >&2; }

if [[ "${PICNIC_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for p in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null || { say "apt-get not found; install by hand: ${missing[*]}"; exit 1; }
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
      command -v sudo >/dev/null || { say "not root and no sudo; install: ${missing[*]}"; exit 1; }
      sudo=(sudo)
    fi
    say "installing ${missing[*]}"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  else
    say "all ${#packages[@]} Debian packages present"
  fi
fi

say "configuring $build_dir (PICNIC_WITH_TORCH=$with_torch)"
cmake -S "$root" -B "$build_dir" -DPICNIC_WITH_TORCH="$with_torch" >/dev/null
say "building with $jobs jobs"
cmake --build "$build_dir" -j"$jobs"
say "done: $build_dir/tools/picnic"
