#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, fuzz corpus replays, e2e)
# through ctest. Extra arguments go to ctest: scripts/test.sh -R e2e
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "${HUB_BUILD_DIR:-$ROOT/build}"
exec ctest --output-on-failure --timeout 600 -j2 "$@"
