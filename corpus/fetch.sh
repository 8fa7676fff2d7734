#!/usr/bin/env bash
# Obtains the sample images listed in corpus/MANIFEST.tsv from the Debian
# package python3-skimage, without installing it: `apt-get download` + `dpkg -x`
# into a temporary folder, then copies the listed files into corpus/images/
# (git-ignored) after checking each SHA-256 against the manifest.
# Idempotent: does nothing when every image is already present and intact.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="$here/MANIFEST.tsv"
out="$here/images"
data_dir="usr/lib/python3/dist-packages/skimage/data"

die() { echo "fetch.sh: $*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Manifest rows: file kind package version sha256 licence origin
mapfile -t rows < <(grep -v '^#' "$manifest" | tail -n +2 | grep -v '^[[:space:]]*$')
[[ ${#rows[@]} -gt 0 ]] || die "no images listed in $manifest"

missing=()
for row in "${rows[@]}"; do
  IFS=$'\t' read -r file _kind _package _version sha _rest <<<"$row"
  if [[ -f "$out/$file" && "$(sha256_of "$out/$file")" == "$sha" ]]; then
    continue
  fi
  missing+=("$row")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "corpus: all ${#rows[@]} images present in $out"
  exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found; this script needs Debian or a derivative"
command -v dpkg >/dev/null || die "dpkg not found"

IFS=$'\t' read -r _file _kind package version _sha _rest <<<"${missing[0]}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# apt drops privileges to _apt when downloading; let it write here.
chmod 0755 "$tmp"
[[ $(id -u) -eq 0 ]] && chown _apt "$tmp" 2>/dev/null || true

echo "corpus: downloading $package=$version (not installing it)"
if ! (cd "$tmp" && apt-get download "$package=$version" >"$tmp/apt.log" 2>&1); then
  # Another point release may carry the same images; the hashes decide.
  echo "corpus: $package=$version unavailable, trying the candidate version" >&2
  (cd "$tmp" && apt-get download "$package" >"$tmp/apt.log" 2>&1) || {
    cat "$tmp/apt.log" >&2
    die "apt-get download $package failed (run 'apt-get update' first?)"
  }
fi
deb="$(ls "$tmp"/*.deb | head -n 1)"
dpkg -x "$deb" "$tmp/x"

mkdir -p "$out"
for row in "${missing[@]}"; do
  IFS=$'\t' read -r file _kind _package _version sha licence _origin <<<"$row"
  src="$tmp/x/$data_dir/$file"
  [[ -f "$src" ]] || die "$file not found in $(basename "$deb")"
  got="$(sha256_of "$src")"
  [[ "$got" == "$sha" ]] || die "$file: SHA-256 $got does not match the manifest ($sha)"
  cp "$src" "$out/$file.tmp.$$"
  mv -f "$out/$file.tmp.$$" "$out/$file"
  echo "corpus: $file ($licence)"
done
echo "corpus: ${#rows[@]} images in $out"
