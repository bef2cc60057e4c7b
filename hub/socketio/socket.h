// One Socket.IO socket: a client's connection to one namespace, with the id
// the client sees as `socket.id`. Owned by its Client; lives on one shard.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "hub/engineio/session.h"
#include "hub/engineio/wire_frame.h"

namespace hub::socketio {

class Client;

// A Socket.IO packet encoded once for every recipient: the text packet and
// the binary attachments that follow it.
struct EncodedPacket {
  std::vector<engineio::SharedFrame> frames;
};

class Socket {
 public:
  Socket(std::string id, std::string nsp, Client& client, std::string auth, int64_t connected_at_ms)
      : id_(std::move(id)),
        nsp_(std::move(nsp)),
        client_(client),
        auth_(std::move(auth)),
        connected_at_ms_(connected_at_ms) {}

  const std::string& id() const { return id_; }
  const std::string& nsp() const { return nsp_; }
  const std::string& auth() const { return auth_; }
  int64_t connected_at_ms() const { return connected_at_ms_; }
  Client& client() { return client_; }
  const Client& client() const { return client_; }

  // Queues a packet on the connection. False when it was not queued. A
  // send that overflows the queue under the disconnect policy closes the
  // client, which deletes this socket before Send returns: after a false,
  // callers must not touch the socket again.
  bool Send(const EncodedPacket& packet);
  // Whether a volatile packet would be queued now.
  bool CanSendNow() const;

  // Acks the client asked for and no backend has answered yet. Bounded so a
  // client cannot grow it without limit: past `limit` the oldest is dropped.
  void RememberClientAck(uint64_t ack_id, size_t limit);
  // True (and forgotten) when the client is owed this ack.
  bool TakeClientAck(uint64_t ack_id);

 private:
  const std::string id_;
  const std::string nsp_;
  Client& client_;
  const std::string auth_;
  const int64_t connected_at_ms_;
  // Allocated at the first ack the client asks for: most sockets never do.
  std::unique_ptr<std::unordered_set<uint64_t>> client_acks_;
};

}  // namespace hub::socketio
