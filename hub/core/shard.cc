#include "hub/core/shard.h"

#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"

namespace hub::core {

Shard::Shard(int index, const engineio::ServerOptions& server_options,
             const socketio::ClientOptions& client_options, engineio::ServerState& server_state,
             ClientEventSink& sink, metrics::ShardStats& stats)
    : index_(index),
      io_(1),  // one thread runs this context: let Asio skip its locking
      stats_(stats),
      registry_(sink, stats),
      endpoint_(io_.get_executor(), index, client_options, registry_),
      server_(io_, index, server_options, server_state, stats, endpoint_) {}

Shard::~Shard() { Stop(); }

absl::StatusOr<uint16_t> Shard::Listen(const std::string& address, uint16_t port) {
  return server_.Listen(address, port);
}

void Shard::Start() {
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] {
    const std::string name = absl::StrCat("hub-shard-", index_);
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    io_.run();
  });
}

void Shard::Post(std::function<void()> task) { boost::asio::post(io_, std::move(task)); }

void Shard::Stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hub::core
