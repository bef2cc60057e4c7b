#!/usr/bin/env bash
# Where the hub's time goes in one scenario: starts the hub on core 0, runs
# the load generator on core 1 with the given flags, samples the hub with
# `perf record` for the whole run and prints the split by binary and the top
# symbols. Needs tests/bench/run.sh to have built $HUB_BENCH_BUILD first.
#
#   tests/bench/profile.sh rooms --scenario rooms --clients 10000 --rooms 1000 --rates 50000 --step_s 3
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${HUB_BENCH_BUILD:-$(dirname "$ROOT")/build-bench}
NAME=$1
shift
OUT=${HUB_BENCH_OUT:-$BUILD/bench-results/profile-$NAME}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

taskset -c 0 "$BUILD/hub/hub" --bind 127.0.0.1 --sio_port 0 --grpc_port 0 --admin_port 0 --shards 1 \
  --max_connections 200000 --max_outbound_frames 100000 2>"$OUT/hub.log" &
HUB_PID=$!
trap 'kill $HUB_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q event=ready "$OUT/hub.log" && break; sleep 0.05; done
SIO=$(sed -n 's/.*service=socketio.* port=\([0-9]*\).*/\1/p' "$OUT/hub.log")
GRPC=$(sed -n 's/.*service=grpc.* port=\([0-9]*\).*/\1/p' "$OUT/hub.log")

perf record -F 2000 -g -p "$HUB_PID" -o "$OUT/perf.data" 2>"$OUT/perf.log" &
PERF_PID=$!
taskset -c 1 "$BUILD/tests/bench/loadgen" --server hub --tag "$NAME" --port "$SIO" --grpc "127.0.0.1:$GRPC" \
  --pid "$HUB_PID" "$@" | tee "$OUT/results.txt"
kill -INT $PERF_PID
wait $PERF_PID 2>/dev/null || true

echo "--- hub CPU by binary"
perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -8
echo "--- top symbols"
perf report -i "$OUT/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep '%' | head -30
