# shellcheck shell=bash
# Sourced by run.sh, cluster.sh, hold.sh and profile.sh: waits for a server
# that logs the hub's lifecycle lines (the hub, or reference_server.mjs, which
# prints the same) and reads the ports it bound; starts hub replicas and a
# throwaway redis-server, and stops whatever was started (PIDS).
# wait_for_ports LOG LABEL: sets SIO_PORT and GRPC_PORT, or exits 1 showing LOG;
# also ADMIN_PORT, empty for a server without one (the reference).
wait_for_ports() {
  local log=$1 label=$2
  for _ in $(seq 200); do
    grep -q "event=ready" "$log" && break
    sleep 0.05
  done
  SIO_PORT=$(sed -n 's/.*service=socketio.* port=\([0-9]*\).*/\1/p' "$log" | head -1)
  GRPC_PORT=$(sed -n 's/.*service=grpc.* port=\([0-9]*\).*/\1/p' "$log" | head -1)
  # shellcheck disable=SC2034  # read by run.sh, not here
  ADMIN_PORT=$(sed -n 's/.*service=admin.* port=\([0-9]*\).*/\1/p' "$log" | head -1)
  [[ -n $SIO_PORT && -n $GRPC_PORT ]] || { echo "$label did not start:" >&2; cat "$log" >&2; exit 1; }
}

# bench_tools BUILD: sets HUB and LOADGEN from a build directory, or exits 2
# saying which is missing.
bench_tools() {
  HUB=$1/hub/hub
  LOADGEN=$1/tests/bench/loadgen
  local tool
  for tool in "$HUB" "$LOADGEN"; do
    [[ -x $tool ]] || { echo "$tool missing: build the hub and loadgen targets in $1" >&2; exit 2; }
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }  # something listens on loopback port $1

free_port() {  # first loopback port from $1 on that nothing listens on
  local port=$1
  while port_open "$port"; do port=$((port + 1)); done
  echo "$port"
}

# Processes to stop at the end: `trap stop_all EXIT` in the script.
PIDS=()
# shellcheck disable=SC2317  # runs from the caller's trap
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

# start_hub NAME CPU [hub flags...]: the hub at $HUB on CPU with one shard,
# logging to $OUT/NAME.log; sets HUB_PID, SIO_PORT, GRPC_PORT.
start_hub() {
  local log=$OUT/$1.log cpu=$2
  shift 2
  : >"$log"
  taskset -c "$cpu" "$HUB" --bind 127.0.0.1 --sio_port 0 --grpc_port 0 --admin_port 0 --shards 1 \
    --max_connections 200000 --log_level info "$@" 2>>"$log" &
  HUB_PID=$!
  PIDS+=("$HUB_PID")
  wait_for_ports "$log" "hub $log"
}

# start_redis CPU LOG: a redis-server without persistence on a free loopback
# port, pinned to CPU; sets REDIS_PORT and REDIS_PID once it accepts.
start_redis() {
  REDIS_PORT=$(free_port 16379)
  taskset -c "$1" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >"$2" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  for _ in $(seq 100); do
    port_open "$REDIS_PORT" && return 0
    sleep 0.05
  done
  echo "redis-server did not start:" >&2
  cat "$2" >&2
  exit 1
}
