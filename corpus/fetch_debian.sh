#!/usr/bin/env bash
# Obtains the images a manifest lists from Debian packages, without
# installing any: for each package that still has a missing or damaged image,
# `apt-get download` + `dpkg -x` into a temporary folder, then copies the listed
# files into the output folder (git-ignored) after checking each SHA-256
# against the manifest. Images are copied as shipped.
# Idempotent: does nothing when every image is already present and intact.
# A package version that is no longer available is replaced by the candidate
# version apt offers; the hashes decide whether its files are still the same.
#
#   bash corpus/fetch_debian.sh MANIFEST OUT_DIR LABEL [PATH_PREFIX]
#
# Manifest rows (tab-separated, after '#' comments and a header line): file,
# kind, package, version, sha256, licence, origin. The file's path inside the
# package is PATH_PREFIX/file when PATH_PREFIX is given (the origin column
# then describes where the image comes from), else the origin column.
# corpus/fetch.sh (the sample corpus) and corpus/fetch_graphics.sh (the
# graphics set) call this.
set -euo pipefail

[[ $# -eq 3 || $# -eq 4 ]] || { echo "usage: fetch_debian.sh MANIFEST OUT_DIR LABEL [PATH_PREFIX]" >&2; exit 2; }
manifest="$1"
out="$2"
me="$3"
prefix="${4:-}"

die() { echo "$me: error: $*" >&2; exit 1; }
err() { echo "$me: error: $*" >&2; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

[[ -f "$manifest" ]] || die "manifest $manifest not found"
command -v sha256sum >/dev/null || die "sha256sum not found (coreutils)"

# Manifest rows: file kind package version sha256 licence origin
mapfile -t rows < <(grep -v '^#' "$manifest" | tail -n +2 | grep -v '^[[:space:]]*$')
[[ ${#rows[@]} -gt 0 ]] || die "no images listed in $manifest"

missing=()
for row in "${rows[@]}"; do
  IFS=$'\t' read -r file _kind package version sha _licence origin <<<"$row"
  [[ -n "$file" && -n "$package" && -n "$version" && ${#sha} -eq 64 && -n "$origin" ]] ||
    die "malformed manifest row (want 7 tab-separated columns): $row"
  [[ "$file" != */* && ( -n "$prefix" || ( "$origin" != /* && "$origin" != *..* ) ) ]] ||
    die "unsafe file name or origin in manifest row: $row"
  if [[ -f "$out/$file" && "$(sha256_of "$out/$file")" == "$sha" ]]; then
    continue
  fi
  if [[ -e "$out/$file" ]]; then
    echo "$me: $file is damaged or outdated, fetching it again"
  fi
  missing+=("$row")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "$me: all ${#rows[@]} images present in $out"
  exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found; this script needs Debian or a derivative"
command -v dpkg >/dev/null || die "dpkg not found"

# Packages to fetch, in manifest order, each once.
packages=()
for row in "${missing[@]}"; do
  IFS=$'\t' read -r _file _kind package _rest <<<"$row"
  [[ " ${packages[*]} " == *" $package "* ]] || packages+=("$package")
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
failed=0
fetched=0

for package in "${packages[@]}"; do
  # The version of the package's first missing row (rows of one package agree).
  version=""
  for row in "${missing[@]}"; do
    IFS=$'\t' read -r _file _kind p v _rest <<<"$row"
    if [[ "$p" == "$package" ]]; then version="$v"; break; fi
  done

  dl="$tmp/$package"
  mkdir -p "$dl"
  # apt drops privileges to _apt when downloading; let it write here.
  chmod 0755 "$tmp" "$dl"
  if [[ $(id -u) -eq 0 ]]; then chown _apt "$dl" 2>/dev/null || true; fi

  echo "$me: downloading $package=$version (not installing it)"
  if ! (cd "$dl" && apt-get download "$package=$version" >"$dl/apt.log" 2>&1); then
    echo "$me: $package=$version unavailable, trying the candidate version" >&2
    if ! (cd "$dl" && apt-get download "$package" >"$dl/apt.log" 2>&1); then
      sed 's/^/  apt: /' "$dl/apt.log" >&2
      err "apt-get download $package failed (run 'apt-get update' first?); skipping its images"
      for row in "${missing[@]}"; do
        IFS=$'\t' read -r file _kind p _rest <<<"$row"
        if [[ "$p" == "$package" ]]; then
          err "  not fetched: $file"
          failed=$((failed + 1))
        fi
      done
      continue
    fi
  fi
  deb="$(find "$dl" -maxdepth 1 -name '*.deb' -print -quit)"
  if [[ -z "$deb" ]]; then
    err "apt-get download $package produced no .deb; skipping its images"
    for row in "${missing[@]}"; do
      IFS=$'\t' read -r file _kind p _rest <<<"$row"
      if [[ "$p" == "$package" ]]; then failed=$((failed + 1)); fi
    done
    continue
  fi
  got_version="$(dpkg-deb -f "$deb" Version 2>/dev/null || echo '?')"
  [[ "$got_version" == "$version" ]] ||
    echo "$me: note: got $package $got_version, manifest lists $version; checking hashes" >&2
  dpkg -x "$deb" "$dl/x"

  for row in "${missing[@]}"; do
    IFS=$'\t' read -r file _kind p _version sha licence origin <<<"$row"
    [[ "$p" == "$package" ]] || continue
    if [[ -n "$prefix" ]]; then src="$dl/x/$prefix/$file"; else src="$dl/x/$origin"; fi
    if [[ ! -f "$src" ]]; then
      err "$file: ${src#"$dl/x/"} not found in $(basename "$deb")"
      failed=$((failed + 1))
      continue
    fi
    got="$(sha256_of "$src")"
    if [[ "$got" != "$sha" ]]; then
      err "$file: SHA-256 of ${src#"$dl/x/"} in $(basename "$deb") is $got, the manifest says $sha"
      failed=$((failed + 1))
      continue
    fi
    cp "$src" "$out/$file.tmp.$$"
    mv -f "$out/$file.tmp.$$" "$out/$file"
    fetched=$((fetched + 1))
    echo "$me: $file ($licence)"
  done
  # Free the space of this package's tree before the next one.
  rm -rf "$dl"
done

if [[ $failed -gt 0 ]]; then
  die "$failed of ${#rows[@]} images could not be obtained ($fetched fetched now); see the errors above"
fi
echo "$me: ${#rows[@]} images in $out ($fetched fetched now)"
