#!/usr/bin/env bash
# Runs the official Socket.IO v5 protocol test suite against the hub, locally.
#
# The suite lives in the public socketio/socket.io repository under
# docs/socket.io-protocol/v5-test-suite. It is NOT part of this project: keep
# a copy outside the repository and never commit it. For example:
#
#   git clone --depth 1 https://github.com/socketio/socket.io /tmp/sio-suite
#   (cd /tmp/sio-suite/docs/socket.io-protocol/v5-test-suite && npm install)
#
# Then, from the repository root:
#
#   HUB_BINARY=build/hub/hub \
#   SUITE_DIR=/tmp/sio-suite/docs/socket.io-protocol/v5-test-suite \
#     tests/e2e/run_official_suites.sh [extra mocha args, e.g. --grep "Socket.IO protocol"]
#
# What it does: starts the hub on localhost:3000 with the settings the suite
# hard-codes (pingInterval 300 ms, pingTimeout 200 ms, namespaces / and
# /custom; a connect timeout shorter than mocha's 2 s test timeout), starts
# tests/e2e/protocol_backend.mjs against the hub's gRPC port (the suite's
# server-side behaviour: `auth` after connect, `message` -> `message-back`,
# `message-with-ack` acked), runs mocha on the suite's test-suite.js, then
# stops both processes. The exit code is mocha's (number of failures).
#
# Environment:
#   HUB_BINARY   hub executable (default: build/hub/hub)
#   SUITE_DIR    the suite's directory with node_modules installed
#                (default: /tmp/sio-suite/docs/socket.io-protocol/v5-test-suite)
#   GRPC_PORT    hub gRPC port (default 50551); ADMIN_PORT (default 9551)
#   HUB_ARGS     extra hub flags
# Port 3000 must be free: the suite's URL is fixed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HUB_BINARY="${HUB_BINARY:-$ROOT/build/hub/hub}"
SUITE_DIR="${SUITE_DIR:-/tmp/sio-suite/docs/socket.io-protocol/v5-test-suite}"
GRPC_PORT="${GRPC_PORT:-50551}"
ADMIN_PORT="${ADMIN_PORT:-9551}"
LOG_DIR="$(mktemp -d)"

if [[ ! -x "$HUB_BINARY" ]]; then
  echo "run_official_suites: no hub executable at $HUB_BINARY (set HUB_BINARY)" >&2
  exit 2
fi
if [[ ! -f "$SUITE_DIR/test-suite.js" || ! -x "$SUITE_DIR/node_modules/.bin/mocha" ]]; then
  echo "run_official_suites: no suite with node_modules in $SUITE_DIR (see the header of this script)" >&2
  exit 2
fi

HUB_PID=""
BACKEND_PID=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  if [[ -n "$BACKEND_PID" ]]; then kill "$BACKEND_PID" 2>/dev/null || true; fi
  if [[ -n "$HUB_PID" ]]; then
    kill -TERM "$HUB_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$HUB_PID" 2>/dev/null || true
  fi
  echo "run_official_suites: logs in $LOG_DIR"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$HUB_BINARY" --bind 127.0.0.1 --sio_port 3000 --grpc_port "$GRPC_PORT" --admin_port "$ADMIN_PORT" \
  --ping_interval_ms 300 --ping_timeout_ms 200 --namespaces /,/custom --connect_timeout_ms 1000 \
  ${HUB_ARGS:-} >"$LOG_DIR/hub.log" 2>&1 &
HUB_PID=$!

for _ in $(seq 100); do
  if grep -q 'event=ready' "$LOG_DIR/hub.log" 2>/dev/null; then break; fi
  if ! kill -0 "$HUB_PID" 2>/dev/null; then
    echo "run_official_suites: hub exited early:" >&2; cat "$LOG_DIR/hub.log" >&2; exit 1
  fi
  sleep 0.1
done
grep -q 'event=ready' "$LOG_DIR/hub.log" || { echo "run_official_suites: hub not ready" >&2; exit 1; }

node "$ROOT/tests/e2e/protocol_backend.mjs" --grpc "127.0.0.1:$GRPC_PORT" >"$LOG_DIR/backend.log" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 100); do
  if grep -q 'protocol_backend: ready' "$LOG_DIR/backend.log" 2>/dev/null; then break; fi
  sleep 0.1
done
grep -q 'protocol_backend: ready' "$LOG_DIR/backend.log" || {
  echo "run_official_suites: backend not ready" >&2; cat "$LOG_DIR/backend.log" >&2; exit 1; }

cd "$SUITE_DIR"
set +e
./node_modules/.bin/mocha test-suite.js "$@"
status=$?
set -e
exit "$status"
