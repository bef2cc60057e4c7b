// One shard's sockets and their state: the room index (by id, namespace and
// room), the server → client acks in flight, and the forwarding of every
// socket change and client event to the ClientEventSink. Touched only on its
// shard's thread.
#pragma once

#include <string>
#include <vector>

#include "hub/core/ack_table.h"
#include "hub/core/client_event.h"
#include "hub/core/room_index.h"
#include "hub/socketio/socket.h"
#include "hub/socketio/socket_listener.h"
#include "metrics/shard_stats.h"

namespace hub::core {

class LocalRegistry : public socketio::SocketListener {
 public:
  LocalRegistry(ClientEventSink& sink, metrics::ShardStats& stats) : sink_(sink), stats_(stats) {}

  void OnConnect(socketio::Socket& socket, const engineio::HandshakeInfo& handshake) override;
  bool OnEvent(socketio::Socket& socket, socketio::ClientEventData& event) override;
  void OnAck(socketio::Socket& socket, uint64_t ack_id, std::vector<std::string_view> args,
             std::vector<std::string> attachments) override;
  void OnDisconnect(socketio::Socket& socket, DisconnectReason reason) override;

  RoomIndex<socketio::Socket>& rooms() { return rooms_; }
  const RoomIndex<socketio::Socket>& rooms() const { return rooms_; }
  AckTable& acks() { return acks_; }
  socketio::Socket* Find(const std::string& id) const { return rooms_.Find(id); }
  std::vector<socketio::Socket*> Select(const Selection& selection) const {
    return rooms_.Select(selection);
  }
  size_t size() const { return rooms_.size(); }

 private:
  ClientEventSink& sink_;
  metrics::ShardStats& stats_;
  RoomIndex<socketio::Socket> rooms_;
  AckTable acks_;
};

}  // namespace hub::core
