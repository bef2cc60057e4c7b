// What the Socket.IO layer reports upward (to core's registry): sockets that
// joined or left a namespace and the events they emitted. Called on the
// socket's shard thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hub/base/disconnect_reason.h"
#include "hub/engineio/server.h"
#include "hub/socketio/packet.h"
#include "hub/socketio/socket.h"

namespace hub::socketio {

struct ClientEventData {
  std::string name;
  std::vector<std::string_view> args;  // raw JSON, valid during the call
  std::vector<std::string> attachments;
  std::optional<uint64_t> ack_id;
};

class SocketListener {
 public:
  virtual ~SocketListener() = default;
  virtual void OnConnect(Socket& socket, const engineio::HandshakeInfo& handshake) = 0;
  // Returns whether anybody will answer the event's ack (if it wants one).
  virtual bool OnEvent(Socket& socket, ClientEventData& event) = 0;
  // The client answered a server → client ack (EmitWithAck).
  virtual void OnAck(Socket& socket, uint64_t ack_id, std::vector<std::string_view> args,
                     std::vector<std::string> attachments) = 0;
  // The socket is destroyed right after this returns.
  virtual void OnDisconnect(Socket& socket, DisconnectReason reason) = 0;
};

}  // namespace hub::socketio
