#!/usr/bin/env bash
# Obtains the sample images listed in corpus/MANIFEST.tsv from the Debian
# package python3-skimage, without installing it, into corpus/images/
# (git-ignored), each checked against its SHA-256 (corpus/fetch_debian.sh).
# Idempotent: does nothing when every image is already present and intact.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/fetch_debian.sh" "$here/MANIFEST.tsv" "$here/images" corpus \
  usr/lib/python3/dist-packages/skimage/data
