// A shard's Socket.IO endpoint: turns every new Engine.IO session into a
// Socket.IO Client whose socket ids route back to this shard.
#pragma once

#include <memory>

#include "hub/base/deadline_queue.h"
#include "hub/base/random_id.h"
#include "hub/engineio/server.h"
#include "hub/socketio/client.h"
#include "hub/socketio/socket_listener.h"

namespace hub::socketio {

class ShardEndpoint : public engineio::SessionAcceptor {
 public:
  ShardEndpoint(boost::asio::any_io_executor executor, int shard_index, ClientOptions options,
                SocketListener& listener)
      : ids_(shard_index),
        options_(std::move(options)),
        connect_deadlines_(executor, options_.connect_timeout),
        context_{options_, listener, ids_, connect_deadlines_} {}

  std::unique_ptr<engineio::SessionObserver> Accept(engineio::Session& session,
                                                    engineio::HandshakeInfo info) override {
    return std::make_unique<Client>(session, std::move(info), context_);
  }

 private:
  RandomIdGenerator ids_;
  const ClientOptions options_;
  DeadlineQueue connect_deadlines_;
  ClientContext context_;
};

}  // namespace hub::socketio
