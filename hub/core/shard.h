// One shard: an io_context on its own thread that owns a slice of the
// connections (its Engine.IO server), their Socket.IO clients and its local
// socket registry. Other threads reach it only by posting tasks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "hub/core/client_event.h"
#include "hub/core/local_registry.h"
#include "hub/engineio/server.h"
#include "hub/socketio/endpoint.h"
#include "metrics/shard_stats.h"

namespace hub::core {

class Shard {
 public:
  Shard(int index, const engineio::ServerOptions& server_options,
        const socketio::ClientOptions& client_options, engineio::ServerState& server_state,
        ClientEventSink& sink, metrics::ShardStats& stats);
  ~Shard();

  int index() const { return index_; }
  // Before Start(): opens this shard's listening socket.
  absl::StatusOr<uint16_t> Listen(const std::string& address, uint16_t port);
  void Start();
  // Runs `task` on the shard thread.
  void Post(std::function<void()> task);
  // Stops the loop and joins the thread.
  void Stop();

  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  // --- Shard thread only. ---
  LocalRegistry& registry() { return registry_; }
  engineio::ShardServer& server() { return server_; }
  metrics::ShardStats& stats() { return stats_; }

 private:
  const int index_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  metrics::ShardStats& stats_;
  LocalRegistry registry_;
  socketio::ShardEndpoint endpoint_;
  engineio::ShardServer server_;
  std::thread thread_;
};

}  // namespace hub::core
