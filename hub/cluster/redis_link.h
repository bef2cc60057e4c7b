// One Redis connection that never gives up: hiredis async on the cluster
// io_context, reconnecting with capped exponential backoff. Commands sent
// while it is down are not queued: they are counted as lost, since a stale
// broadcast delivered seconds later is worse than none.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hiredis/async.h"
#include "metrics/cluster_metrics.h"

namespace hub::cluster {

struct RedisAddress {
  std::string host;
  int port = 6379;
};

// redis://host[:port][/db]; the db is ignored (pub/sub spans databases).
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

class RedisLink {
 public:
  // Pub/sub delivery: (channel, payload, whether it came through a pattern
  // subscription; Redis sends a channel that matches both twice).
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload, bool via_pattern)>;
  using OnReply = std::function<void(redisReply* reply)>;  // null when the link dropped

  RedisLink(boost::asio::io_context& io, RedisAddress address, std::string name,
            metrics::ClusterMetrics& metrics);
  ~RedisLink();

  // Connects; `on_ready` runs after every successful (re)connect, so a
  // subscriber re-subscribes there. Cluster thread only, like every method.
  void Start(std::function<void()> on_ready);
  void Stop();
  bool connected() const { return connected_; }

  // False (and counted as lost) while disconnected.
  bool Command(const std::vector<std::string>& argv, OnReply on_reply = nullptr);
  // Subscriber connections: SUBSCRIBE / PSUBSCRIBE; messages go to `on_message`.
  void SetMessageHandler(OnMessage on_message) { on_message_ = std::move(on_message); }
  bool Subscribe(const std::vector<std::string>& channels);
  bool PSubscribe(const std::vector<std::string>& patterns);

 private:
  bool SendSubscription(const char* verb, const std::vector<std::string>& names);
  void Connect();
  void ScheduleReconnect();
  static void OnConnect(const redisAsyncContext* context, int status);
  static void OnDisconnect(const redisAsyncContext* context, int status);
  static void OnCommandReply(redisAsyncContext* context, void* reply, void* privdata);
  static void OnSubscriptionReply(redisAsyncContext* context, void* reply, void* privdata);

  boost::asio::io_context& io_;
  const RedisAddress address_;
  const std::string name_;
  metrics::ClusterMetrics& metrics_;
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_{100};
  redisAsyncContext* context_ = nullptr;
  bool connected_ = false;
  bool ever_connected_ = false;
  bool stopping_ = false;
  std::function<void()> on_ready_;
  OnMessage on_message_;
};

}  // namespace hub::cluster
