# shellcheck shell=bash
# Sourced by run.sh, cluster.sh and hold.sh: waits for a server that logs the
# hub's lifecycle lines (the hub, or reference_server.mjs, which prints the
# same) and reads the ports it bound; starts a throwaway redis-server.
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

free_port() {  # first loopback port from $1 on that nothing listens on
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# start_redis CPU LOG: a redis-server without persistence on a free loopback
# port, pinned to CPU; sets REDIS_PORT and REDIS_PID once it accepts.
start_redis() {
  REDIS_PORT=$(free_port 16379)
  taskset -c "$1" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >"$2" 2>&1 &
  # shellcheck disable=SC2034  # read by the scripts that source this
  REDIS_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "redis-server did not start:" >&2
  cat "$2" >&2
  exit 1
}
