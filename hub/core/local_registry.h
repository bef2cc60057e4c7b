// One shard's sockets: by id (for EmitTo) and by namespace (for broadcasts).
// Fed by the Socket.IO layer as sockets come and go, forwarding each change
// and event to the ClientEventSink. Touched only on its shard's thread.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "hub/core/client_event.h"
#include "hub/socketio/socket.h"
#include "hub/socketio/socket_listener.h"
#include "metrics/shard_stats.h"

namespace hub::core {

class LocalRegistry : public socketio::SocketListener {
 public:
  LocalRegistry(ClientEventSink& sink, metrics::ShardStats& stats) : sink_(sink), stats_(stats) {}

  void OnConnect(socketio::Socket& socket, const engineio::HandshakeInfo& handshake) override;
  void OnEvent(socketio::Socket& socket, socketio::ClientEventData& event) override;
  void OnDisconnect(socketio::Socket& socket, DisconnectReason reason) override;

  socketio::Socket* Find(const std::string& id) const;
  // Every socket of a namespace; nullptr when it has none on this shard.
  const std::unordered_set<socketio::Socket*>* Namespace(const std::string& nsp) const;
  size_t size() const { return by_id_.size(); }

 private:
  ClientEventSink& sink_;
  metrics::ShardStats& stats_;
  std::unordered_map<std::string, socketio::Socket*> by_id_;
  std::unordered_map<std::string, std::unordered_set<socketio::Socket*>> by_namespace_;
};

}  // namespace hub::core
