// One shard's Engine.IO endpoint: a listening socket (SO_REUSEPORT, so the
// kernel spreads new connections over the shards), HTTP request routing, and
// the shard's live sessions. The layer above receives each new session
// through SessionAcceptor.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "hub/base/random_id.h"
#include "hub/engineio/handshake.h"
#include "hub/engineio/session.h"
#include "metrics/shard_stats.h"

namespace hub::engineio {

// What a new session's handshake said about the client.
struct HandshakeInfo {
  std::string remote_address;
  std::string transport;  // "websocket" or "polling"
  QueryParams query;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
};

class SessionAcceptor {
 public:
  virtual ~SessionAcceptor() = default;
  // Builds the observer of a new session (its Socket.IO client).
  virtual std::unique_ptr<SessionObserver> Accept(Session& session, const HandshakeInfo& info) = 0;
};

struct ServerOptions {
  std::string path = "/socket.io/";
  SessionOptions session;
  std::chrono::milliseconds handshake_timeout{10000};
  int64_t max_connections = 100000;
  std::vector<std::string> cors_origins = {"*"};
};

// Shared by every shard's server.
struct ServerState {
  std::atomic<int64_t> connections{0};  // live Engine.IO sessions
  std::atomic<int64_t> open_sockets{0};  // TCP connections not yet closed
  std::atomic<bool> draining{false};
};

class ShardServer {
 public:
  ShardServer(boost::asio::io_context& io, int shard_index, const ServerOptions& options,
              ServerState& state, metrics::ShardStats& stats, SessionAcceptor& acceptor);
  ~ShardServer();

  // Binds with SO_REUSEPORT; returns the bound port (useful with port 0).
  absl::StatusOr<uint16_t> Listen(const std::string& address, uint16_t port);
  // Stops taking new TCP connections (on the shard thread).
  void StopAccepting();
  // Closes every session (on the shard thread).
  void CloseAll(DisconnectReason reason);
  size_t session_count() const { return sessions_.size(); }

  // --- Used by HttpConnection. ---
  const ServerOptions& options() const { return options_; }
  ServerState& state() { return state_; }
  metrics::ShardStats& stats() { return stats_; }
  // Takes over an upgraded TCP connection as a new WebSocket session.
  void OpenWebSocketSession(boost::asio::ip::tcp::socket socket, std::string leftover,
                            HandshakeInfo info);

 private:
  class ObserverTracker;
  void DoAccept();

  boost::asio::io_context& io_;
  const int shard_index_;
  const ServerOptions options_;
  ServerState& state_;
  metrics::ShardStats& stats_;
  SessionAcceptor& acceptor_;
  RandomIdGenerator ids_;
  boost::asio::ip::tcp::acceptor listener_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
};

}  // namespace hub::engineio
