#!/usr/bin/env bash
# Broadcast cost and latency with two hub replicas sharing a local Redis
# against one hub without Redis, in the same run (issue 9). 1000 WebSocket
# clients (all on the one hub; split evenly, odd/even, over the two replicas),
# 100-byte broadcasts to all of them through replica A's gRPC Publish stream
# at fixed rates; server CPU is summed over both replicas (/proc/<pid>/stat).
#
#   tests/bench/cluster.sh             # 1 run, about 30 s
#   tests/bench/cluster.sh --runs 3    # medians of 3 runs, about 90 s
#   HUB_BENCH_BUILD=/work/build-bench HUB_BENCH_OUT=dir tests/bench/cluster.sh
#
# Pinning on a 2-core machine: the one hub, and replica A with redis-server,
# on core 0; replica B and the load generator share core 1. So replica B
# competes with the load generator, and nothing is left idle to absorb noise.
# Needs redis-server (Debian package redis-server) and a built hub + loadgen
# (run.sh builds them; or cmake --build "$HUB_BENCH_BUILD" --target hub loadgen).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/server_ports.sh
source "$ROOT/tests/bench/server_ports.sh"
BUILD=${HUB_BENCH_BUILD:-$(dirname "$ROOT")/build-bench}
RUNS=1
if [[ ${1:-} == --runs ]]; then RUNS=${2:?--runs needs a number}; fi
OUT=${HUB_BENCH_OUT:-$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)-cluster}
mkdir -p "$OUT"
RESULTS=$OUT/cluster.txt
: >"$RESULTS"
CLIENTS=1000
RATES=200000,1000000   # deliveries/s to 1000 clients: 200 and 1000 broadcasts/s
STEP_S=3
READ_INTERVAL_US=${HUB_BENCH_READ_INTERVAL_US:-1000}  # as in run.sh
started=$(date +%s)
bench_tools "$BUILD"
command -v redis-server >/dev/null || { echo "redis-server not found" >&2; exit 2; }

trap stop_all EXIT
# As run.sh's ramps: a shard that falls behind queues instead of dropping.
QUEUE=(--max_outbound_frames 100000)

loadgen() {  # loadgen flags...
  taskset -c 1 "$LOADGEN" --server hub --scenario broadcast --clients "$CLIENTS" --rates "$RATES" \
    --step_s "$STEP_S" --stop_on_fail 0 --half_rate 0 --read_interval_us "$READ_INTERVAL_US" "$@" \
    >>"$RESULTS" 2>>"$OUT/loadgen.log" || echo "   (loadgen exited with $?)" >&2
}

echo "machine cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" kernel=$(uname -r) redis=\"$(redis-server --version | cut -d' ' -f3)\"" >>"$RESULTS"
echo "machine load_before=\"$(cut -d' ' -f1-3 /proc/loadavg)\"" >>"$RESULTS"
for run in $(seq "$RUNS"); do
  echo "== run $run: one hub ($(( $(date +%s) - started ))s)" >&2
  start_hub "single-$run" 0 "${QUEUE[@]}"
  loadgen --tag single --port "$SIO_PORT" --grpc "127.0.0.1:$GRPC_PORT" --pid "$HUB_PID"
  stop_all

  echo "== run $run: two replicas + redis ($(( $(date +%s) - started ))s)" >&2
  start_redis 0 "$OUT/redis-$run.log"
  start_hub "replica-a-$run" 0 "${QUEUE[@]}" --redis_url "redis://127.0.0.1:$REDIS_PORT"
  PID_A=$HUB_PID SIO_A=$SIO_PORT GRPC_A=$GRPC_PORT
  start_hub "replica-b-$run" 1 "${QUEUE[@]}" --redis_url "redis://127.0.0.1:$REDIS_PORT"
  loadgen --tag cluster2 --port "$SIO_A" --port2 "$SIO_PORT" --grpc "127.0.0.1:$GRPC_A" \
    --pid "$PID_A" --pid2 "$HUB_PID"
  # redis-server's CPU over its whole life (connects and both steps included):
  # not in the per-delivery figures, shown for scale.
  ticks=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$REDIS_PID/stat")
  echo "redis run=$run cpu_ms=$(( ticks * 1000 / $(getconf CLK_TCK) ))" >>"$RESULTS"
  stop_all
done
echo "machine load_after=\"$(cut -d' ' -f1-3 /proc/loadavg)\" elapsed_s=$(( $(date +%s) - started ))" >>"$RESULTS"

# Medians over the runs of each step's figures.
{
echo "| setup | broadcasts/s | delivered/s | p50 µs | p99 µs | server CPU ns/delivery (both) | of which replica B | server util (cores) | lost | dup |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for tag in single cluster2; do
  for rate in ${RATES//,/ }; do
    row="| $tag | $((rate / CLIENTS))"
    for field in delivered_per_s p50_us p99_us srv_cpu_ns_per_msg srv2_cpu_ns_per_msg srv_util lost dup; do
      value=$(grep "^step .*scenario=$tag .*rate=$rate " "$RESULTS" | sed -n "s/.* $field=\([^ ]*\).*/\1/p" |
        sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "–"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}')
      row="$row | $value"
    done
    echo "$row |"
  done
done
} | tee "$OUT/cluster-table.md"
echo "raw figures: $RESULTS" >&2
