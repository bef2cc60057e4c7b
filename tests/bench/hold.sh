#!/usr/bin/env bash
# Many idle WebSocket connections held on this machine at once (issue 8:
# "100k concurrent connections held"). One process may hold no more
# descriptors than its RLIMIT_NOFILE hard limit, and a container can cap that
# below what the issue asks (20000 here). The clients are then spread over as
# many hub replicas as needed, joined into one hub through a local
# redis-server, each with its own load generator. Every client stays
# connected for HOLD_S seconds answering the heartbeats (pingInterval 25 s by
# default, so each sees at least one), and one broadcast through replica 1's
# gRPC API must reach every client of every replica.
#
#   tests/bench/hold.sh                    # 100000 clients, about 70 s
#   tests/bench/hold.sh --clients 50000
#   tests/bench/hold.sh --upgrade          # clients start on polling and upgrade, as socket.io-client does
#   HUB_BENCH_BUILD=/work/build-bench HUB_BENCH_OUT=dir tests/bench/hold.sh
#
# Replicas and redis-server on core 0, load generators on core 1. Needs
# redis-server when more than one replica is needed, and a built hub +
# loadgen (run.sh builds them; or cmake --build "$HUB_BENCH_BUILD" --target
# hub loadgen).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/server_ports.sh
source "$ROOT/tests/bench/server_ports.sh"
BUILD=${HUB_BENCH_BUILD:-$(dirname "$ROOT")/build-bench}
CLIENTS=100000
TRANSPORT=()
while (( $# > 0 )); do
  case $1 in
    --clients) CLIENTS=${2:?--clients needs a number}; shift 2 ;;
    --upgrade) TRANSPORT=(--upgrade 1); shift ;;
    *) echo "usage: $0 [--clients N] [--upgrade]" >&2; exit 2 ;;
  esac
done
HOLD_S=${HUB_BENCH_HOLD_S:-45}
# Into replica 1's load generator's hold; every other one is connected by then.
BROADCAST_AFTER_S=$(( HOLD_S * 2 / 3 ))
OUT=${HUB_BENCH_OUT:-$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)-hold}
mkdir -p "$OUT"
RESULTS=$OUT/hold.txt
: >"$RESULTS"
bench_tools "$BUILD"

ulimit -n "$(ulimit -Hn)"
FD_LIMIT=$(ulimit -n)
# Each hub and each load generator holds one descriptor per client plus a
# few hundred of its own.
PER_PROCESS=$(( (FD_LIMIT - 1000) / 1000 * 1000 ))
REPLICAS=$(( (CLIENTS + PER_PROCESS - 1) / PER_PROCESS ))
# Source addresses: 127.0.0.1..N, about 28k ephemeral ports each.
SOURCES=$(( CLIENTS / 20000 + 2 ))

trap stop_all EXIT

mem_available_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
{
  echo "machine cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" kernel=$(uname -r) fd_limit=$FD_LIMIT"
  echo "hold clients=$CLIENTS replicas=$REPLICAS hold_s=$HOLD_S mem_available_before_mb=$(( $(mem_available_kb) / 1024 ))"
} >>"$RESULTS"

CLUSTER=()
if (( REPLICAS > 1 )); then
  command -v redis-server >/dev/null || { echo "redis-server not found (needed for $REPLICAS replicas)" >&2; exit 2; }
  start_redis 0 "$OUT/redis.log"
  CLUSTER=(--redis_url "redis://127.0.0.1:$REDIS_PORT")
fi
HUB_PIDS=() SIO_PORTS=() GRPC_PORTS=()
for i in $(seq "$REPLICAS"); do
  start_hub "replica-$i" 0 "${CLUSTER[@]}"
  HUB_PIDS+=("$HUB_PID")
  SIO_PORTS+=("$SIO_PORT")
  GRPC_PORTS+=("$GRPC_PORT")
done

echo "== $CLIENTS clients over $REPLICAS replica(s), held ${HOLD_S}s" >&2
LOADGEN_PIDS=()
for i in $(seq "$REPLICAS"); do
  n=$(( CLIENTS / REPLICAS + (i <= CLIENTS % REPLICAS ? 1 : 0) ))
  extra=()
  if (( i == 1 )); then extra=(--grpc "127.0.0.1:${GRPC_PORTS[0]}" --broadcast_after_s "$BROADCAST_AFTER_S"); fi
  taskset -c 1 "$LOADGEN" --server hub --scenario hold --tag "hold_r$i" --clients "$n" --idle_s "$HOLD_S" \
    --sources "$SOURCES" --max_connecting 500 "${TRANSPORT[@]}" --port "${SIO_PORTS[$((i - 1))]}" --pid "${HUB_PIDS[$((i - 1))]}" \
    "${extra[@]}" >"$OUT/loadgen-$i.txt" 2>"$OUT/loadgen-$i.log" &
  LOADGEN_PIDS+=($!)
  PIDS+=($!)
done

# Once every load generator is connected: the machine's memory and the
# kernel's TCP figures with every connection open.
for _ in $(seq 1200); do
  ready=$(cat "$OUT"/loadgen-*.log 2>/dev/null | grep -c "clients ready" || true)
  (( ready == REPLICAS )) && break
  sleep 0.1
done
sleep 2
rss_kb=0
for pid in "${HUB_PIDS[@]}"; do rss_kb=$(( rss_kb + $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status") )); done
{
  echo "held mem_available_mb=$(( $(mem_available_kb) / 1024 )) hubs_rss_mb=$(( rss_kb / 1024 )) $(grep '^TCP:' /proc/net/sockstat | tr -s ' ' | sed 's/TCP: //; s/ \([0-9]\)/=\1/g; s/^/tcp_/; s/ / tcp_/g')"
} >>"$RESULTS"

status=0
for pid in "${LOADGEN_PIDS[@]}"; do wait "$pid" || status=1; done
cat "$OUT"/loadgen-*.txt >>"$RESULTS"
# Every replica must still run and drain cleanly on SIGTERM (exit 0), with
# its clients' disconnects going through the cluster: a crash there (or
# during the hold, after the load generators' counts) fails the run.
clean=0
for i in "${!HUB_PIDS[@]}"; do
  kill "${HUB_PIDS[$i]}" 2>/dev/null || true
  rc=0
  wait "${HUB_PIDS[$i]}" 2>/dev/null || rc=$?
  if (( rc == 0 )); then clean=$((clean + 1)); else echo "replica $((i + 1)) exited with $rc" >&2; status=1; fi
done
echo "stopped replicas_clean=$clean" >>"$RESULTS"

# The summary: sums over the load generators, the worst heartbeat count and
# latency, the spread of memory per connection over the replicas.
awk -v replicas="$REPLICAS" '
  function field(name,   i) { for (i = 1; i <= NF; i++) if (index($i, name "=") == 1) return substr($i, length(name) + 2); return "" }
  /^hold / { clients = field("clients"); before = field("mem_available_before_mb") }
  /^stopped / { clean = field("replicas_clean") }
  /^held / { during = field("mem_available_mb"); hubs = field("hubs_rss_mb"); tcp_mem = field("tcp_mem") }
  /^result / {
    ready += field("clients"); open += field("open_at_end"); closed += field("closed"); failed += field("failed")
    got += field("broadcast_received")
    p = field("pings_per_client") + 0; if (min_pings == "" || p < min_pings) min_pings = p
    m = field("broadcast_max_us") + 0; if (m > max_us) max_us = m
    k = field("rss_kb_per_conn") + 0; if (min_kb == "" || k < min_kb) min_kb = k; if (k > max_kb) max_kb = k
  }
  END {
    printf "| clients asked / connected / open at the end | %d / %d / %d |\n", clients, ready, open
    printf "| replicas (one process each) / of which still up and drained cleanly at the end | %d / %d |\n", replicas, clean
    printf "| closed by the server during the hold / failed to connect | %d / %d |\n", closed, failed
    printf "| heartbeats answered per client (fewest of any load generator) | %.2f |\n", min_pings
    printf "| one broadcast: clients reached / last client (ms) | %d of %d / %.1f |\n", got, ready, max_us / 1e3
    printf "| hub RSS per connection, by replica (KiB) | %.2f – %.2f |\n", min_kb, max_kb
    printf "| all replicas RSS (MB) | %d |\n", hubs
    printf "| machine memory used with every connection open (MB; kernel, hubs, load generators) | %d |\n", before - during
    printf "| kernel TCP buffer memory (pages) | %s |\n", tcp_mem
    if (open != clients || closed > 0 || got != clients || clean != replicas) exit 1
  }' "$RESULTS" | tee "$OUT/hold-table.md" || status=1
echo "raw figures: $RESULTS" >&2
exit "$status"
