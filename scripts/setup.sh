#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks (as root), installs the npm
# packages from the committed lock file and builds everything into build/.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again.
set -euo pipefail

HUB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUB_BUILD_DIR="${HUB_BUILD_DIR:-$HUB_ROOT/build}"

HUB_APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost1.81-dev libabsl-dev prometheus-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhiredis-dev libmsgpuck-dev liburing-dev redis-server
  shellcheck yamllint
)

hub_install_packages() {
  local missing=()
  for pkg in "${HUB_APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
  if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

hub_install_npm() {
  # Reinstall only when the lock file changed since the last install.
  local stamp="$HUB_ROOT/node_modules/.hub-lock-stamp"
  if [[ -f "$stamp" ]] && cmp -s "$stamp" "$HUB_ROOT/package-lock.json"; then return; fi
  (cd "$HUB_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$HUB_ROOT/package-lock.json" "$stamp"
}

hub_build() {
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  cmake -S "$HUB_ROOT" -B "$HUB_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$HUB_BUILD_DIR" -j2
}

hub_install_packages
hub_install_npm
hub_build "$@"
