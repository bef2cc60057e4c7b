// The Socket.IO side of one Engine.IO session: decodes packets, multiplexes
// namespaces (one Socket per joined namespace), reassembles binary packets,
// enforces the per-packet limits and reports sockets, events and acks to the
// SocketListener. Lives on the session's shard.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hub/base/random_id.h"
#include "hub/engineio/server.h"
#include "hub/engineio/session.h"
#include "hub/socketio/packet.h"
#include "hub/socketio/socket.h"
#include "hub/socketio/socket_listener.h"

namespace hub::socketio {

struct ClientOptions {
  // Allowed namespaces: exact names or glob patterns ("/org-*"); empty
  // allows every namespace.
  std::vector<std::string> namespaces;
  DecodeLimits limits;
  std::chrono::milliseconds connect_timeout{45000};
  size_t max_auth_bytes = 8192;
  size_t max_event_name_bytes = 256;
  size_t max_event_args = 64;
  size_t max_client_acks = 1000;
};

bool NamespaceAllowed(const std::vector<std::string>& allowed, std::string_view nsp);

class Client : public engineio::SessionObserver {
 public:
  Client(boost::asio::any_io_executor executor, engineio::Session& session,
         engineio::HandshakeInfo handshake, const ClientOptions& options, SocketListener& listener,
         RandomIdGenerator& ids);
  ~Client() override;

  void OnMessage(std::string_view data, bool binary) override;
  void OnClose(DisconnectReason reason) override;

  engineio::Session& session() { return session_; }
  const engineio::Session& session() const { return session_; }
  const engineio::HandshakeInfo& handshake() const { return handshake_; }
  metrics::TransportKind transport_kind() const { return session_.transport_kind(); }

  // A backend removes the socket from its namespace: the client gets a
  // DISCONNECT packet ("io server disconnect") and will not reconnect.
  void DisconnectFromServer(const std::string& nsp);
  // A backend closes the whole connection: every namespace gets DISCONNECT,
  // then the Engine.IO session closes.
  void CloseFromServer();

 private:
  void OnPacket(Packet& packet, std::vector<std::string> attachments);
  void Connect(const Packet& packet);
  void RefuseConnect(std::string_view nsp, std::string_view message);
  bool TryRefuseMalformedConnect(std::string_view text);
  void RemoveSocket(const std::string& nsp, DisconnectReason reason);
  void Fail();  // malformed input: close the whole connection
  void SendText(const Packet& packet);
  void ArmConnectTimeout();

  engineio::Session& session_;
  const engineio::HandshakeInfo handshake_;
  const ClientOptions& options_;
  SocketListener& listener_;
  RandomIdGenerator& ids_;
  std::unordered_map<std::string, std::unique_ptr<Socket>> sockets_;  // by namespace
  bool ever_connected_ = false;
  boost::asio::steady_timer connect_timer_;
  // Timer handlers check this token: the Client may be gone when they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // A binary packet waiting for its attachments.
  std::optional<Packet> partial_;
  std::vector<std::string> partial_attachments_;
};

}  // namespace hub::socketio
