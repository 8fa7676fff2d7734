#!/usr/bin/env bash
# Sets up, builds, and runs every test (Catch2 units and CLI scripts).
#   bash tools/run_tests.sh
# Same environment variables as tools/setup.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${PICNIC_BUILD_DIR:-$root/build}"
bash "$root/tools/setup.sh"
cd "$build_dir"
ctest --output-on-failure -j"${PICNIC_JOBS:-$(nproc 2>/dev/null || echo 2)}"
