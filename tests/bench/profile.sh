#!/usr/bin/env bash
# Where the hub's time goes in one scenario: starts the hub on core 0, runs
# the load generator on core 1 with the given flags, samples the hub with
# `perf record` once every client is connected, and prints the split by
# binary, the top symbols, and the hub's kernel and user-space ns per
# delivery from the sample counts (HUB_PROFILE_HZ samples per second of
# CPU, default 2000). Needs tests/bench/run.sh to have built
# $HUB_BENCH_BUILD first. HUB_PROFILE_HUB_FLAGS adds hub flags.
#
#   tests/bench/profile.sh rooms --scenario rooms --clients 10000 --rooms 1000 --rates 50000 --step_s 3
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/server_ports.sh
source "$ROOT/tests/bench/server_ports.sh"
BUILD=${HUB_BENCH_BUILD:-$(dirname "$ROOT")/build-bench}
NAME=$1
shift
PERF_HZ=${HUB_PROFILE_HZ:-2000}
# Extra hub flags for an A/B, e.g. HUB_PROFILE_HUB_FLAGS="--io_uring false".
read -r -a HUB_FLAGS <<<"${HUB_PROFILE_HUB_FLAGS:-}"
OUT=${HUB_BENCH_OUT:-$BUILD/bench-results/profile-$NAME}
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)"

bench_tools "$BUILD"
trap stop_all EXIT
start_hub hub 0 --max_outbound_frames 100000 "${HUB_FLAGS[@]}"

# Sampled from the moment every client is connected, so the connect phase
# (handshakes) does not mix into the scenario's profile.
taskset -c 1 "$LOADGEN" --server hub --tag "$NAME" --port "$SIO_PORT" --grpc "127.0.0.1:$GRPC_PORT" \
  --pid "$HUB_PID" "$@" >"$OUT/results.txt" 2>"$OUT/loadgen.log" &
LOADGEN_PID=$!
for _ in $(seq 1200); do grep -q "clients ready" "$OUT/loadgen.log" && break; sleep 0.05; done
perf record -F "$PERF_HZ" -e cpu-clock -g -p "$HUB_PID" -o "$OUT/perf.data" 2>"$OUT/perf.log" &
PERF_PID=$!
wait $LOADGEN_PID
kill -INT $PERF_PID
wait $PERF_PID 2>/dev/null || true
cat "$OUT/results.txt"

# Each cpu-clock sample stands for 1/PERF_HZ s of the hub's CPU: split per
# delivery into kernel and user space (the hub and its libraries).
RECEIVED=$(grep -o ' received=[0-9]*' "$OUT/results.txt" | awk -F= '{ n += $2 } END { print n + 0 }')
perf report -i "$OUT/perf.data" --no-children --sort dso -n --stdio -g none 2>/dev/null | grep '%' >"$OUT/dso.txt"
if [[ ${RECEIVED:-0} -gt 0 ]]; then
  awk -v hz="$PERF_HZ" -v n="$RECEIVED" '
    /kernel/ { kernel += $2; next } { user += $2 }
    END { printf "--- hub CPU per delivery (%d deliveries): kernel %.0f ns, user space %.0f ns\n",
                 n, kernel * 1e9 / hz / n, user * 1e9 / hz / n }' "$OUT/dso.txt"
fi

echo "--- hub CPU by binary"
perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -8
echo "--- top symbols"
perf report -i "$OUT/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep '%' | head -30
