#!/usr/bin/env bash
# Sets up, builds and runs the hub with the default ports (Socket.IO 3000,
# gRPC 50051, admin 9090). Arguments go to the hub: scripts/run.sh --shards 4
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
exec "${HUB_BUILD_DIR:-$ROOT/build}/hub/hub" "$@"
