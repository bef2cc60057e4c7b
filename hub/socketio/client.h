// The Socket.IO side of one Engine.IO session: decodes packets, multiplexes
// namespaces (one Socket per joined namespace), reassembles binary packets,
// enforces the per-packet limits and reports sockets, events and acks to the
// SocketListener. Lives on the session's shard.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "boost/container/small_vector.hpp"
#include "hub/base/deadline_queue.h"
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

// What every Client of one shard shares, so each holds one reference.
struct ClientContext {
  const ClientOptions& options;
  SocketListener& listener;
  RandomIdGenerator& ids;
  DeadlineQueue& connect_deadlines;  // its timeout is options.connect_timeout
};

class Client : public engineio::SessionObserver, private DeadlineQueue::Waiter {
 public:
  Client(engineio::Session& session, engineio::HandshakeInfo handshake, ClientContext& context);
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
  // The connect timeout: a connection that never joined a namespace is
  // useless, free it.
  void OnDeadline() override;
  // The joined namespace's socket, or end().
  auto FindSocket(std::string_view nsp) {
    return std::find_if(sockets_.begin(), sockets_.end(),
                        [nsp](const auto& socket) { return socket->nsp() == nsp; });
  }

  // Idle connections are most connections: everything here is kept small,
  // and what only some connections need is allocated when first needed.
  engineio::Session& session_;
  const engineio::HandshakeInfo handshake_;
  ClientContext& context_;
  // One per joined namespace; almost always one, held inline.
  boost::container::small_vector<std::unique_ptr<Socket>, 1> sockets_;
  bool ever_connected_ = false;

  // A binary packet waiting for its attachments.
  struct PartialPacket {
    Packet packet;
    std::vector<std::string> attachments;
  };
  std::unique_ptr<PartialPacket> partial_;
};

}  // namespace hub::socketio
