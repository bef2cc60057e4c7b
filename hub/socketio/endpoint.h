// A shard's Socket.IO endpoint: turns every new Engine.IO session into a
// Socket.IO Client whose socket ids route back to this shard.
#pragma once

#include <memory>

#include "hub/base/random_id.h"
#include "hub/engineio/server.h"
#include "hub/socketio/client.h"
#include "hub/socketio/socket_listener.h"

namespace hub::socketio {

class ShardEndpoint : public engineio::SessionAcceptor {
 public:
  ShardEndpoint(boost::asio::any_io_executor executor, int shard_index, ClientOptions options,
                SocketListener& listener)
      : executor_(executor), ids_(shard_index), options_(std::move(options)), listener_(listener) {}

  std::unique_ptr<engineio::SessionObserver> Accept(engineio::Session& session,
                                                    const engineio::HandshakeInfo& info) override {
    return std::make_unique<Client>(executor_, session, info, options_, listener_, ids_);
  }

 private:
  boost::asio::any_io_executor executor_;
  RandomIdGenerator ids_;
  const ClientOptions options_;
  SocketListener& listener_;
};

}  // namespace hub::socketio
