#!/usr/bin/env bash
# The side-by-side benchmark of issue 8 in one command: builds the bench
# targets, measures the send() floor, runs every scenario against the hub and
# then against the reference Node socket.io server (server on core 0, load
# generator on core 1), and prints the comparison table.
#
#   tests/bench/run.sh            # every scenario, under 10 minutes
#   tests/bench/run.sh --quick    # fewer rates, shorter steps, about 2 minutes
#   tests/bench/run.sh --cluster  # also one hub vs two replicas on Redis
#                                 # (cluster.sh, one run, about 15 s more)
#   tests/bench/run.sh --overload # only the overload scenarios (slow readers), with
#                                 # a baseline where every client reads, ~70 s
#   HUB_BENCH_BUILD=/work/build-bench HUB_BENCH_OUT=dir tests/bench/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/server_ports.sh
source "$ROOT/tests/bench/server_ports.sh"
BUILD=${HUB_BENCH_BUILD:-$(dirname "$ROOT")/build-bench}
MODE=full
CLUSTER=0
for arg in "$@"; do
  case $arg in
    --quick) MODE=quick ;;
    --cluster) CLUSTER=1 ;;
    --overload) MODE=overload ;;
    *) echo "usage: $0 [--quick | --overload] [--cluster]" >&2; exit 2 ;;
  esac
done
OUT=${HUB_BENCH_OUT:-$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)-$MODE}
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: >"$RESULTS"
SERVER_CPU=0
LOADGEN_CPU=1
started=$(date +%s)

# Both processes hold one descriptor per connection. Containers may cap the
# hard limit; take what we can and size the big idle scenario to it.
ulimit -n "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)

# A build directory belongs to one source tree; say so instead of letting
# cmake fail halfway.
if [[ -f $BUILD/CMakeCache.txt ]]; then
  configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt")
  if [[ $configured != "$ROOT" ]]; then
    echo "$BUILD was configured for $configured; set HUB_BENCH_BUILD to another directory" >&2
    exit 2
  fi
fi
echo "== build ($BUILD)" >&2
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DHUB_BENCH=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$OUT/cmake.log"
cmake --build "$BUILD" --target hub sendfloor loadgen hot_paths_bench >>"$OUT/cmake.log"
bench_tools "$BUILD"
SENDFLOOR=$BUILD/tests/bench/sendfloor

{
  echo "machine cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" kernel=$(uname -r) fd_limit=$FD_LIMIT mode=$MODE"
  echo "machine load_before=\"$(cut -d' ' -f1-3 /proc/loadavg)\" node=$(node --version)"
} >>"$RESULTS"

if [[ $MODE == quick ]]; then
  STEP=1; FLOOR_S=0.5; FLOOD_S=1.5
  RATES_1K=50000,100000,200000,400000,800000,1600000
  RATES_10K=10000,50000,100000,200000,400000,800000
  RATES_ROOMS=50000,100000,200000
  RATES_POLL=25000,50000,100000,200000,400000
  RATES_IN=10000,25000,100000,200000
  BIG_IDLE=0
else
  STEP=2; FLOOR_S=2; FLOOD_S=3
  # The @50k/s steps, which the cost targets read, run three times: one 2 s
  # step varies by 10-15 % from the next; report.mjs takes their median.
  RATES_1K=25000,50000,50000,50000,100000,150000,200000,300000,400000,600000,800000,1200000,1600000
  RATES_10K=10000,25000,50000,50000,50000,75000,100000,150000,200000,300000,400000,600000,800000,1200000
  RATES_ROOMS=25000,50000,100000,150000,200000,300000,400000
  RATES_POLL=10000,25000,50000,100000,150000,200000,300000,400000
  RATES_IN=10000,25000,50000,75000,100000,150000,200000,300000
  # The largest idle set the descriptor limit allows (the issue asks 50k).
  BIG_IDLE=$(( FD_LIMIT >= 51000 ? 50000 : (FD_LIMIT - 1000) / 1000 * 1000 ))
fi
# Overload: 10 % of 200 clients stop reading once connected while 1 KB
# broadcasts go to everyone at 2000/s for 8 s. Each stalled client is owed
# 2 MB/s, so the hub's 10000-frame bound is passed after ~5.5 s; the stalled
# clients announce an Internet MSS (1460), with which the server's kernel
# buffers ~1 MB per connection instead of loopback's 4 MB. At 1000 clients
# one core could not send each of them 2000 frames/s.
# HUB_BENCH_OVERLOAD_S lengthens it (the hub's memory should not follow),
# HUB_BENCH_OVERLOAD_RATE changes the rate (the reference keeps up at 500/s).
OVERLOAD=(--scenario overload --clients 200 --stall_fraction 0.1 --payload 1000
  --broadcasts_per_s "${HUB_BENCH_OVERLOAD_RATE:-2000}" --seconds "${HUB_BENCH_OVERLOAD_S:-8}" --stall_mss 1460)
FRAME_BYTES=103  # the WebSocket frame of the 100-byte bench packet: 2 + "4" + 100
# Receivers collect every millisecond instead of sleeping in epoll_wait, so no
# send() pays a cross-core wake-up (remote browsers never cost the server one)
# and each recv() takes many frames; latencies include up to 1 ms of it.
READ_INTERVAL_US=${HUB_BENCH_READ_INTERVAL_US:-1000}

# sendfloor_words SOCKETS FRAMES: the sendfloor command line, in FLOOR_WORDS.
sendfloor_words() {
  FLOOR_WORDS=("$SENDFLOOR" --sockets "$1" --frames_per_send "$2" --frame_bytes "$FRAME_BYTES" --seconds "$FLOOR_S"
    --sender_cpu "$SERVER_CPU" --receiver_cpu "$LOADGEN_CPU" --read_interval_us "$READ_INTERVAL_US")
}

# measure_floor LABELS SOCKETS FRAMES [sendfloor flags...]: one sendfloor run,
# its line in the results tagged with LABELS (key=value words).
measure_floor() {
  local labels=$1 sockets=$2 frames=$3
  shift 3
  echo "== sendfloor $labels sockets=$sockets frames_per_send=$frames $*" >&2
  sendfloor_words "$sockets" "$frames"
  "${FLOOR_WORDS[@]}" "$@" | sed "s/^sendfloor /sendfloor $labels /" >>"$RESULTS"
}

# floor_each_step SERVER TAG SOCKETS: load generator flags that measure the
# one-frame floor before each @50k/s step of a ramp (the load generator runs
# the command between steps, while the server idles), tagged
# "when=step scenario=TAG server=SERVER"; report.mjs pairs every step with
# the floor just before it.
floor_each_step() {
  sendfloor_words "$3" 1
  # sh -c runs it: a failing sendfloor fails the command (no pipefail there).
  FLOOR_FLAGS=(--floor_rate 50000
    --floor_cmd "line=\$($(printf '%q ' "${FLOOR_WORDS[@]}")) && echo \"\$line\" | sed 's/^sendfloor /sendfloor when=step scenario=$2 server=$1 /'")
}

floor() {
  local when=$1
  for args in "1000 1" "1000 4" "9000 1"; do
    # shellcheck disable=SC2086  # "sockets frames" splits into two words on purpose
    measure_floor "when=$when" $args
  done
  if [[ $when == before ]]; then
    # The same sends in the shape of three scenarios, a pass over every
    # socket then idle: 10k @50k/s (a ~55 ms burst 5 times a second), 1k
    # @50k/s (a ~4 ms burst 50 times a second) and coalesce (~6 frames per
    # send, ~10 ms idle between write rounds). Context for the figures above;
    # the targets stay against the tight-loop floor.
    for args in "9000 1 130000" "1000 1 15000" "1000 6 10000"; do
      # shellcheck disable=SC2086
      set -- $args
      measure_floor "when=burst" "$1" "$2" --idle_us "$3"
    done
    # And the last-client scenario's: one pass a second (four passes, three
    # of them after a full second of idle).
    measure_floor "when=burst_1s" 9000 1 --idle_us 1000000 --seconds 4
  fi
}

# The one-frame floor right before a broadcast ramp, so that its cost per
# delivery is judged against the floor of that moment: the machine's speed
# drifts by several per cent within one run.
floor_next_to() {  # $1 = hub | ref, $2 = scenario tag, $3 = sockets
  measure_floor "when=next_to scenario=$2 server=$1" "$3" 1
}

# The hub's per-connection queue flags. The ramps raise the frame bound so a
# shard that falls behind queues instead of dropping readers; the overload
# scenarios set their own (the documented defaults, or the drop policy).
RAMP_QUEUE=(--max_outbound_frames 100000)
HUB_QUEUE=("${RAMP_QUEUE[@]}")
start_server() {  # $1 = hub | ref; sets SERVER_PID, SIO_PORT, GRPC_PORT, ADMIN_PORT
  if [[ $1 == hub ]]; then
    start_hub hub-server "$SERVER_CPU" "${HUB_QUEUE[@]}"
    SERVER_PID=$HUB_PID
    return
  fi
  local log=$OUT/ref-server.log
  : >"$log"
  taskset -c "$SERVER_CPU" node --max-old-space-size=4096 "$ROOT/tests/bench/reference_server.mjs" 2>>"$log" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_for_ports "$log" "server ref"
}
trap stop_all EXIT

# How the reference gets its emits: "inproc", its in-process trigger (its
# best case: no RPC hop, and each emit is stamped when the server gets to
# it), or "bridge", the load generator's Publish stream to its
# @grpc/grpc-js bridge, as the hub gets them.
REF_TRIGGER=inproc
scenario() {  # $1 = hub | ref, $2 = tag, rest = loadgen flags
  local server=$1 tag=$2
  shift 2
  echo "== $server $tag ($(( $(date +%s) - started ))s)" >&2
  start_server "$server"
  # The reference's in-process trigger; the hub's admin port (its /metrics).
  local channels=()
  if [[ $server == ref && $REF_TRIGGER == inproc ]]; then channels=(--control "127.0.0.1:$SIO_PORT"); fi
  if [[ -n $ADMIN_PORT ]]; then channels+=(--admin "127.0.0.1:$ADMIN_PORT"); fi
  taskset -c "$LOADGEN_CPU" "$LOADGEN" --server "$server" --tag "$tag" --port "$SIO_PORT" \
    --grpc "127.0.0.1:$GRPC_PORT" --pid "$SERVER_PID" --read_interval_us "$READ_INTERVAL_US" "${channels[@]}" "$@" \
    >>"$RESULTS" 2>>"$OUT/loadgen.log" ||
    echo "   ($server $tag exited with $?)" >&2
  stop_all
}

overload() {  # $1 = hub | ref
  # The hub with its documented default bounds: 10000 frames or 16 MiB per
  # connection, then the slow client is disconnected.
  HUB_QUEUE=()
  scenario "$1" overload "${OVERLOAD[@]}"
  if [[ $MODE == overload ]]; then
    # The same load with every client reading: what the stalled ones add.
    scenario "$1" overload_nostall "${OVERLOAD[@]}" --stall_fraction 0
  fi
  HUB_QUEUE=("${RAMP_QUEUE[@]}")
}

if [[ $MODE == overload ]]; then
  overload hub
  overload ref
else
  floor before
  for server in hub ref; do
    scenario $server connect10k --scenario connect --clients 10000 --max_connecting 1000
    # As browsers connect: socket.io-client starts on polling and upgrades.
    scenario $server connect10k_upgrade --scenario connect --clients 10000 --max_connecting 1000 --upgrade 1
    if (( BIG_IDLE > 0 )); then
      scenario $server connect$((BIG_IDLE / 1000))k --scenario connect --clients $BIG_IDLE --max_connecting 1000
    fi
    floor_next_to $server bcast1k 1000
    floor_each_step $server bcast1k 1000
    scenario $server bcast1k --scenario broadcast --clients 1000 --rates $RATES_1K --step_s $STEP "${FLOOR_FLAGS[@]}"
    scenario $server coalesce1k --scenario broadcast --clients 1000 --rates 400000 --step_s $STEP \
      --stop_on_fail 0 --half_rate 0
    floor_next_to $server bcast10k 9000
    floor_each_step $server bcast10k 9000
    scenario $server bcast10k --scenario broadcast --clients 10000 --rates $RATES_10K --step_s $STEP "${FLOOR_FLAGS[@]}"
    scenario $server rooms --scenario rooms --clients 10000 --rooms 1000 --rates $RATES_ROOMS --step_s $STEP
    if [[ $server == ref ]]; then
      # The same room traffic from a backend, as the hub's rooms ramp gets it.
      REF_TRIGGER=bridge
      scenario ref rooms_bridge --scenario rooms --clients 10000 --rooms 1000 --rates 50000,50000,50000 \
        --step_s $STEP --stop_on_fail 0 --half_rate 0
      REF_TRIGGER=inproc
    fi
    scenario $server emitto --scenario emitto --clients 1000 --seconds $FLOOD_S --in_flight 64
    scenario $server publish --scenario publish --clients 1000 --seconds $FLOOD_S
    # Client events to a backend: 1000 clients emit, one Subscribe stream reads.
    scenario $server inbound1k --scenario inbound --clients 1000 --rates $RATES_IN --step_s $STEP
    scenario $server polling1k --scenario broadcast --clients 1000 --polling 1 --rates $RATES_POLL \
      --step_s $STEP --max_connecting 200
    overload $server
  done
fi
HUB_QUEUE=(--outbound_overflow drop)  # the same bounds, full queues drop frames instead
scenario hub overload_drop "${OVERLOAD[@]}"
HUB_QUEUE=("${RAMP_QUEUE[@]}")
if [[ $MODE != overload ]]; then floor after; fi
if (( CLUSTER )); then
  echo "== cluster ($(( $(date +%s) - started ))s)" >&2
  HUB_BENCH_BUILD=$BUILD HUB_BENCH_OUT=$OUT HUB_BENCH_READ_INTERVAL_US=$READ_INTERVAL_US \
    "$ROOT/tests/bench/cluster.sh" >/dev/null
fi
echo "machine load_after=\"$(cut -d' ' -f1-3 /proc/loadavg)\" elapsed_s=$(( $(date +%s) - started ))" >>"$RESULTS"

only=()
if [[ $MODE == overload ]]; then only=(--only overload); fi
node "$ROOT/tests/bench/report.mjs" "${only[@]}" "$RESULTS" | tee "$OUT/table.md"
if (( CLUSTER )); then cat "$OUT/cluster-table.md"; fi
echo "raw figures: $RESULTS" >&2
