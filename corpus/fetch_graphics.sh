#!/usr/bin/env bash
# Obtains the "graphics set" listed in corpus/GRAPHICS_MANIFEST.tsv (UI
# screenshots, charts, diagrams, icons) from several Debian packages, without
# installing any, into corpus/graphics/ (git-ignored), each checked against
# its SHA-256 (corpus/fetch_debian.sh). All sources are PNG already and are
# copied as shipped. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/fetch_debian.sh" "$here/GRAPHICS_MANIFEST.tsv" "$here/graphics" graphics
