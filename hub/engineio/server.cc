#include "hub/engineio/server.h"

#include "absl/strings/str_cat.h"
#include "boost/asio/socket_base.hpp"
#include "hub/base/log.h"
#include "hub/engineio/echo_observer.h"
#include "hub/engineio/http_connection.h"
#include "hub/engineio/websocket_transport.h"

namespace hub::engineio {

// Wraps the layer above's observer so the server forgets a session, and the
// connection count drops, the moment the session ends.
class ShardServer::ObserverTracker : public SessionObserver {
 public:
  // `sid` views the session's own id: the session owns this tracker.
  ObserverTracker(ShardServer& server, std::string_view sid, std::unique_ptr<SessionObserver> inner)
      : server_(server), sid_(sid), inner_(std::move(inner)) {}

  void OnMessage(std::string_view data, bool binary) override { inner_->OnMessage(data, binary); }

  void OnClose(DisconnectReason reason) override {
    inner_->OnClose(reason);
    server_.state_.connections.fetch_sub(1, std::memory_order_relaxed);
    // Last: this may destroy the session (and so this tracker) when nothing
    // else holds it; touch no member afterwards.
    auto it = server_.sessions_.find(sid_);
    if (it != server_.sessions_.end()) {
      auto keep_alive = std::move(it->second);
      server_.sessions_.erase(it);
      boost::asio::post(server_.io_, [keep_alive] {});
    }
  }

 private:
  ShardServer& server_;
  std::string_view sid_;
  std::unique_ptr<SessionObserver> inner_;
};

ShardServer::ShardServer(boost::asio::io_context& io, int shard_index,
                         const ServerOptions& options, ServerState& state,
                         metrics::ShardStats& stats, SessionAcceptor& acceptor)
    : io_(io),
      shard_index_(shard_index),
      options_(options),
      state_(state),
      stats_(stats),
      acceptor_(acceptor),
      ids_(shard_index),
      listener_(io),
      cors_{options.cors_origins, options.cors_credentials},
      flusher_(std::make_shared<WriteFlusher>(io, options.write_flush, &stats.io_uring_writes)),
      session_timers_(io.get_executor(), options_.session) {
  if (shard_index >= 0 && static_cast<size_t>(shard_index) < kMaxShards) {
    state_.shards[shard_index].store(this, std::memory_order_release);
  }
  if (shard_index == 0) {  // every shard makes the same choice: say it once
    if (flusher_->batching()) {
      HUB_LOG_INFO("event=write_path mode=io_uring");
    } else if (options.write_flush.batch_writes) {
      HUB_LOG_INFO("event=write_path mode=send reason={}", LogValue(flusher_->batching_unavailable()));
    } else {
      HUB_LOG_INFO("event=write_path mode=send reason=disabled");
    }
  }
}

ShardServer::~ShardServer() {
  if (shard_index_ >= 0 && static_cast<size_t>(shard_index_) < kMaxShards) {
    state_.shards[shard_index_].store(nullptr, std::memory_order_release);
  }
}

void ShardServer::Post(std::function<void(ShardServer&)> task) {
  boost::asio::post(io_, [this, task = std::move(task)] { task(*this); });
}

absl::StatusOr<uint16_t> ShardServer::Listen(const std::string& address, uint16_t port) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad bind address '", address, "'"));
  boost::asio::ip::tcp::endpoint endpoint(ip, port);
  listener_.open(endpoint.protocol(), ec);
  if (!ec) listener_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    int one = 1;
    if (::setsockopt(listener_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
      ec.assign(errno, boost::system::system_category());
    }
  }
  if (!ec) listener_.bind(endpoint, ec);
  if (!ec) listener_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ":", port, ": ", ec.message()));
  }
  const uint16_t bound = listener_.local_endpoint().port();
  DoAccept();
  return bound;
}

void ShardServer::DoAccept() {
  listener_.async_accept([this](const boost::system::error_code& ec,
                                boost::asio::ip::tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !listener_.is_open()) return;
    if (!ec) {
      std::make_shared<HttpConnection>(std::move(socket), *this)->Run();
    } else {
      HUB_LOG_WARN("event=accept_error shard={} error={}", shard_index_, LogValue(ec.message()));
    }
    DoAccept();
  });
}

void ShardServer::CloseAll(DisconnectReason reason) {
  std::vector<std::shared_ptr<Session>> sessions;
  sessions.reserve(sessions_.size());
  for (auto& [sid, session] : sessions_) sessions.push_back(session);
  for (auto& session : sessions) session->Close(reason);
}

std::shared_ptr<Session> ShardServer::NewSession(HandshakeInfo info, bool echo,
                                                std::unique_ptr<SessionObserver>& observer) {
  auto session = std::make_shared<Session>(session_timers_, ids_.Next(), options_.session, stats_);
  sessions_.emplace(session->sid(), session);
  std::unique_ptr<SessionObserver> inner;
  if (echo) {
    inner = std::make_unique<EchoObserver>(*session);
  } else {
    inner = acceptor_.Accept(*session, std::move(info));
  }
  observer = std::make_unique<ObserverTracker>(*this, session->sid(), std::move(inner));
  return session;
}

void ShardServer::OpenWebSocketSession(boost::asio::ip::tcp::socket socket, std::string leftover,
                                       HandshakeInfo info, bool echo) {
  std::unique_ptr<SessionObserver> observer;
  auto session = NewSession(std::move(info), echo, observer);
  auto transport = std::make_shared<WebSocketTransport>(std::move(socket), std::move(leftover),
                                                        options_.session.max_payload, state_.open_sockets, flusher_);
  session->Start(transport, std::move(observer));
  transport->Run(session);
}

void ShardServer::OpenPollingSession(std::shared_ptr<PollResponder> handshake, HandshakeInfo info,
                                     bool echo) {
  std::unique_ptr<SessionObserver> observer;
  auto session = NewSession(std::move(info), echo, observer);
  const std::string sid = session->sid();
  auto transport = std::make_shared<PollingTransport>(
      io_.get_executor(), options_.polling, state_.open_sockets,
      [this, sid] { polling_.erase(sid); });
  polling_.emplace(sid, transport);
  transport->Bind(session);
  session->Start(transport, std::move(observer));
  transport->OnGet(std::move(handshake));  // takes the OPEN packet at once
}

std::shared_ptr<PollingTransport> ShardServer::FindPolling(const std::string& sid) const {
  auto it = polling_.find(sid);
  return it == polling_.end() ? nullptr : it->second;
}

std::shared_ptr<Session> ShardServer::FindSession(const std::string& sid) const {
  auto it = sessions_.find(std::string_view(sid));
  return it == sessions_.end() ? nullptr : it->second;
}

void ShardServer::ProbeUpgrade(std::shared_ptr<Session> session, boost::asio::ip::tcp::socket socket,
                               std::string leftover) {
  auto transport = std::make_shared<WebSocketTransport>(std::move(socket), std::move(leftover),
                                                        options_.session.max_payload, state_.open_sockets, flusher_);
  if (!session->BeginUpgrade(transport)) {
    // The session ended or another probe won while the 101 was written.
    transport->Close(ws_close::kPolicyViolation, "upgrade refused", /*flush=*/false);
    transport->RunProbe(nullptr);
    return;
  }
  transport->RunProbe(session);
}

}  // namespace hub::engineio
