// One shard's Engine.IO endpoint: a listening socket (SO_REUSEPORT, so the
// kernel spreads new connections over the shards), HTTP request routing, and
// the shard's live sessions and polling transports. The layer above receives
// each new session through SessionAcceptor. A request for a sid another shard
// owns is handed to that shard through Post (see http_connection.cc).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "hub/base/random_id.h"
#include "hub/engineio/cors.h"
#include "hub/engineio/handshake.h"
#include "hub/engineio/handshake_info.h"
#include "hub/engineio/polling_transport.h"
#include "hub/engineio/session.h"
#include "hub/engineio/write_flusher.h"
#include "metrics/shard_stats.h"

namespace hub::engineio {

class SessionAcceptor {
 public:
  virtual ~SessionAcceptor() = default;
  // Builds the observer of a new session (its Socket.IO client), which keeps
  // `info`.
  virtual std::unique_ptr<SessionObserver> Accept(Session& session, HandshakeInfo info) = 0;
};

struct ServerOptions {
  std::string path = "/socket.io/";
  // Diagnostic raw Engine.IO echo endpoint (EchoObserver); empty: off.
  std::string echo_path;
  SessionOptions session;
  PollingOptions polling;
  WriteFlushOptions write_flush;
  std::chrono::milliseconds handshake_timeout{10000};
  int64_t max_connections = 100000;
  std::vector<std::string> cors_origins = {"*"};
  bool cors_credentials = false;
  // Polling responses at least this long are compressed when the client
  // accepts gzip or deflate; 0 turns compression off.
  size_t compression_threshold = 1024;
};

inline constexpr size_t kMaxShards = 256;

// Shared by every shard's server.
struct ServerState {
  std::atomic<int64_t> connections{0};  // live Engine.IO sessions
  std::atomic<int64_t> open_sockets{0};  // TCP connections not yet closed
  std::atomic<bool> draining{false};
  // Every shard's server by index, for handing a request to a sid's owner.
  std::array<std::atomic<class ShardServer*>, kMaxShards> shards{};
};

class ShardServer {
 public:
  ShardServer(boost::asio::io_context& io, int shard_index, const ServerOptions& options,
              ServerState& state, metrics::ShardStats& stats, SessionAcceptor& acceptor);
  ~ShardServer();

  // Binds with SO_REUSEPORT; returns the bound port (useful with port 0).
  absl::StatusOr<uint16_t> Listen(const std::string& address, uint16_t port);
  // Closes every session (on the shard thread).
  void CloseAll(DisconnectReason reason);

  // --- Used by HttpConnection. ---
  const ServerOptions& options() const { return options_; }
  const CorsPolicy& cors() const { return cors_; }
  ServerState& state() { return state_; }
  metrics::ShardStats& stats() { return stats_; }
  int shard_index() const { return shard_index_; }
  boost::asio::io_context& io() { return io_; }
  // Runs `task` on this shard's thread (callable from any thread).
  void Post(std::function<void(ShardServer&)> task);
  // Takes over an upgraded TCP connection as a new WebSocket session.
  void OpenWebSocketSession(boost::asio::ip::tcp::socket socket, std::string leftover,
                            HandshakeInfo info, bool echo = false);
  // Opens a polling session; its OPEN packet answers `handshake`.
  void OpenPollingSession(std::shared_ptr<PollResponder> handshake, HandshakeInfo info, bool echo);
  std::shared_ptr<PollingTransport> FindPolling(const std::string& sid) const;
  std::shared_ptr<Session> FindSession(const std::string& sid) const;
  // Starts probing an upgrade of `session` over an upgraded TCP connection.
  void ProbeUpgrade(std::shared_ptr<Session> session, boost::asio::ip::tcp::socket socket,
                    std::string leftover);

 private:
  class ObserverTracker;
  void DoAccept();
  std::shared_ptr<Session> NewSession(HandshakeInfo info, bool echo,
                                      std::unique_ptr<SessionObserver>& observer);

  boost::asio::io_context& io_;
  const int shard_index_;
  const ServerOptions options_;
  ServerState& state_;
  metrics::ShardStats& stats_;
  SessionAcceptor& acceptor_;
  RandomIdGenerator ids_;
  boost::asio::ip::tcp::acceptor listener_;
  const CorsPolicy cors_;
  const std::shared_ptr<WriteFlusher> flusher_;
  SessionTimers session_timers_;  // before the sessions that wait in them
  // Keyed by a view of the session's own id, which lives as long as the entry.
  std::unordered_map<std::string_view, std::shared_ptr<Session>> sessions_;
  // Polling transports by sid; outlive their session until the close is out.
  std::unordered_map<std::string, std::shared_ptr<PollingTransport>> polling_;
};

}  // namespace hub::engineio
