// The Socket.IO side of one Engine.IO session: decodes packets, multiplexes
// namespaces (one Socket per joined namespace), reassembles binary packets
// and reports sockets and events to the SocketListener.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/base/random_id.h"
#include "hub/engineio/server.h"
#include "hub/engineio/session.h"
#include "hub/socketio/packet.h"
#include "hub/socketio/socket.h"
#include "hub/socketio/socket_listener.h"

namespace hub::socketio {

struct ClientOptions {
  std::vector<std::string> namespaces;  // empty: every namespace allowed
  DecodeLimits limits;
};

class Client : public engineio::SessionObserver {
 public:
  Client(engineio::Session& session, engineio::HandshakeInfo handshake,
         const ClientOptions& options, SocketListener& listener, RandomIdGenerator& ids);
  ~Client() override;

  void OnMessage(std::string_view data, bool binary) override;
  void OnClose(DisconnectReason reason) override;

  engineio::Session& session() { return session_; }
  const engineio::Session& session() const { return session_; }
  const engineio::HandshakeInfo& handshake() const { return handshake_; }

 private:
  void OnPacket(Packet& packet, std::vector<std::string> attachments);
  void Connect(const Packet& packet);
  void Disconnect(const std::string& nsp, DisconnectReason reason);
  void Fail();  // malformed input: close the whole connection
  bool NamespaceAllowed(std::string_view nsp) const;
  void SendText(const Packet& packet);

  engineio::Session& session_;
  const engineio::HandshakeInfo handshake_;
  const ClientOptions& options_;
  SocketListener& listener_;
  RandomIdGenerator& ids_;
  std::unordered_map<std::string, std::unique_ptr<Socket>> sockets_;  // by namespace

  // A binary packet waiting for its attachments.
  std::optional<Packet> partial_;
  std::vector<std::string> partial_attachments_;
};

}  // namespace hub::socketio
