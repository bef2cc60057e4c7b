// The hub's settings. Every field is a command-line flag with an HUB_*
// environment override (see flags.cc for the table that names them); the
// defaults match the Socket.IO reference server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hub {

// What to do when a connection's outbound queue is full.
enum class OverflowPolicy { kDrop, kDisconnect };

struct Config {
  // Listeners.
  std::string bind = "0.0.0.0";
  uint16_t sio_port = 3000;
  uint16_t grpc_port = 50051;
  uint16_t admin_port = 9090;
  std::string path = "/socket.io/";
  int shards = 0;  // 0 until resolved: one per core

  // Engine.IO.
  uint32_t ping_interval_ms = 25000;
  uint32_t ping_timeout_ms = 20000;
  uint64_t max_http_buffer_size = 1000000;
  uint32_t upgrade_timeout_ms = 10000;
  uint32_t handshake_timeout_ms = 10000;
  uint32_t max_connections = 100000;
  std::vector<std::string> cors_origins = {"*"};
  bool cors_credentials = false;
  uint32_t max_packets_per_payload = 100000;
  uint32_t http_compression_threshold = 1024;  // 0: off
  std::string echo_path;  // diagnostic raw Engine.IO echo; empty: off

  // Per-connection outbound queue.
  uint32_t max_outbound_frames = 10000;
  uint64_t max_outbound_bytes = 16 << 20;
  OverflowPolicy outbound_overflow = OverflowPolicy::kDisconnect;
  // Write pacing of a shard under load (see engineio/write_flusher.h).
  uint32_t write_pacing_percent = 400;
  uint32_t max_write_delay_us = 20000;
  // Batched writes through io_uring (engineio/batched_sender.h).
  bool io_uring = true;
  // Every hub thread under SCHED_BATCH (base/scheduling.h).
  bool sched_batch = true;

  // Socket.IO.
  uint32_t connect_timeout_ms = 45000;
  std::vector<std::string> namespaces;  // empty: every namespace allowed
  uint32_t max_attachments = 10;
  uint32_t max_auth_bytes = 8192;
  uint32_t max_event_name_bytes = 256;
  uint32_t max_event_args = 64;
  uint32_t max_client_acks = 1000;

  // Backends.
  uint32_t subscriber_queue_size = 10000;
  std::string grpc_token;      // bearer token every RPC must carry; empty: none
  std::string shutdown_token;  // Shutdown's own token; empty: grpc_token applies
  uint32_t publish_max_in_flight = 1024;

  // Operations.
  uint32_t drain_grace_ms = 10000;
  uint32_t drain_delay_ms = 0;  // readiness false → connections closed
  std::string admin_token;  // bearer token for /admin/*; empty: none
  std::string log_level = "info";
  std::string redis_url;
};

}  // namespace hub
