# shellcheck shell=bash
# Sourced by run.sh and cluster.sh: waits for a server that logs the hub's
# lifecycle lines (the hub, or reference_server.mjs, which prints the same)
# and reads the ports it bound.
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
