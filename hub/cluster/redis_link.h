// One Redis connection that never gives up: hiredis async on the cluster
// io_context, reconnecting with capped exponential backoff. After each
// connect it authenticates (AUTH), selects the database (SELECT) and checks
// with PING before it counts as up; a refusal is logged (once per streak of
// failures), counted, and retried like a lost connection. Commands sent
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
#include "hub/cluster/redis_url.h"
#include "metrics/cluster_metrics.h"

namespace hub::cluster {

class RedisLink {
 public:
  // Pub/sub delivery: (channel, payload, whether it came through a pattern
  // subscription; Redis sends a channel that matches both twice).
  using OnMessage = std::function<void(std::string_view channel, std::string_view payload, bool via_pattern)>;
  using OnReply = std::function<void(redisReply* reply)>;  // null when the link dropped
  // A command sent after each connect, before the link counts as up.
  struct SetupStep {
    const char* name;  // for logs and the metric: auth, select, ping
    std::vector<std::string> argv;
  };

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
  // Queues one command on the connection; false when hiredis refuses it.
  bool SendArgv(const std::vector<std::string>& argv, redisCallbackFn* on_reply, void* privdata);
  void Connect();
  // Sends setup step `index`, or becomes ready after the last.
  void Setup(size_t index);
  void SetupFailed(const SetupStep& step, std::string_view error);
  void Ready();
  void ScheduleReconnect();
  static void OnConnect(const redisAsyncContext* context, int status);
  static void OnDisconnect(const redisAsyncContext* context, int status);
  static void OnCommandReply(redisAsyncContext* context, void* reply, void* privdata);
  static void OnSubscriptionReply(redisAsyncContext* context, void* reply, void* privdata);
  static void OnSetupReply(redisAsyncContext* context, void* reply, void* privdata);

  boost::asio::io_context& io_;
  const RedisAddress address_;
  const std::string name_;
  metrics::ClusterMetrics& metrics_;
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_{100};
  redisAsyncContext* context_ = nullptr;
  const std::vector<SetupStep> setup_;
  bool connected_ = false;  // set up and usable
  bool ever_connected_ = false;
  bool dropped_after_refusal_ = false;  // this connection: closed by SetupFailed
  bool refused_ = false;                // since the last success: log refusals once
  bool stopping_ = false;
  std::function<void()> on_ready_;
  OnMessage on_message_;
};

}  // namespace hub::cluster
