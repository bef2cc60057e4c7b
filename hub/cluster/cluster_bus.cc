#include "hub/cluster/cluster_bus.h"

#include <algorithm>
#include <future>

#include "absl/strings/str_cat.h"
#include "hub/base/log.h"
#include "boost/asio/post.hpp"
#include "hub/base/random_id.h"
#include "hub/cluster/adapter_wire.h"

namespace hub::cluster {
namespace {
constexpr std::chrono::milliseconds kTick{500};

std::set<std::string, std::less<>> RequestChannels(const std::vector<std::string>& namespaces) {
  std::set<std::string, std::less<>> channels;
  for (const auto& nsp : namespaces) channels.insert(RequestChannel(nsp));
  return channels;
}

std::string NewUid() {
  // Twelve random base64url characters (72 bits): never collide in a cluster.
  RandomIdGenerator ids(0);
  return ids.Next().substr(2, 12);
}
}  // namespace

struct ClusterBus::Pending {
  Pending(boost::asio::io_context& io) : timer(io) {}
  std::string type;
  std::chrono::steady_clock::time_point started;
  std::vector<std::string> waiting;
  OnAnswer on_answer;
  std::function<void()> on_done;
  boost::asio::steady_timer timer;
};

ClusterBus::ClusterBus(RedisAddress address, metrics::ClusterMetrics& metrics, BusOptions options)
    : uid_(NewUid()),
      options_(options),
      answered_channels_(RequestChannels(options.answered_namespaces)),
      metrics_(metrics),
      pub_(io_, address, "pub", metrics),
      sub_(io_, address, "sub", metrics),
      membership_(uid_, options.dead_after),
      tick_(io_),
      announce_(io_),
      snapshot_(std::make_shared<const PeerHeartbeats>()) {}

ClusterBus::~ClusterBus() { Stop(); }

void ClusterBus::Start(OnMessage on_message, std::function<Heartbeat()> heartbeat_source) {
  on_message_ = std::move(on_message);
  heartbeat_source_ = std::move(heartbeat_source);
  work_.emplace(io_.get_executor());
  metrics_.replicas.Set(1);
  Post([this] {
    pub_.Start([this] { next_heartbeat_ = {}; });  // announce at once after (re)connect
    sub_.SetMessageHandler([this](std::string_view channel, std::string_view payload, bool via_pattern) {
      Dispatch(channel, payload, via_pattern);
    });
    sub_.Start([this] { OnReady(); });
    Tick();
  });
  thread_ = std::thread([this] { io_.run(); });
  HUB_LOG_INFO("event=cluster_started uid={}", uid_);
}

void ClusterBus::Stop() {
  if (stopped_ || !thread_.joinable()) return;
  stopped_ = true;
  std::promise<void> said_bye;
  Post([this, &said_bye] {
    Heartbeat bye;
    bye.uid = uid_;
    bye.bye = true;
    Publish(HubHeartbeatChannel(), EncodeHeartbeat(bye), "heartbeat");
    said_bye_ = true;  // no heartbeat after it may bring us back to life
    announce_.cancel();
    // Settle what is pending so no RPC waits on a stopped thread.
    std::vector<std::string> ids;
    for (const auto& [id, pending] : pending_) ids.push_back(id);
    for (const auto& id : ids) {
      auto it = pending_.find(id);
      if (it == pending_.end()) continue;
      for (const auto& uid : std::vector<std::string>(it->second->waiting)) Answer(id, uid, nullptr);
    }
    said_bye.set_value();
  });
  said_bye.get_future().wait_for(std::chrono::seconds(1));
  // Let the bye reach Redis before closing.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Post([this] {
    tick_.cancel();
    announce_.cancel();
    pub_.Stop();
    sub_.Stop();
    work_.reset();
  });
  thread_.join();
}

void ClusterBus::Post(std::function<void()> task) { boost::asio::post(io_, std::move(task)); }

void ClusterBus::AnnounceSoon() {
  if (announce_requested_.exchange(true)) return;  // already on its way
  Post([this] {
    announce_.expires_after(options_.announce_delay);
    announce_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      // Cleared before describing: a change from now on asks again.
      announce_requested_.store(false);
      SendHeartbeat();
    });
  });
}

bool ClusterBus::Publish(const std::string& channel, const std::string& payload, const std::string& kind) {
  if (!pub_.Command({"PUBLISH", channel, payload})) return false;
  metrics_.MessageOut(kind);
  return true;
}

void ClusterBus::PublishConfirmed(const std::string& channel, const std::string& payload, const std::string& kind,
                                  std::function<void(bool)> done) {
  auto shared = std::make_shared<std::function<void(bool)>>(std::move(done));
  const bool sent = pub_.Command({"PUBLISH", channel, payload}, [shared](redisReply* reply) {
    (*shared)(reply != nullptr && reply->type == REDIS_REPLY_INTEGER);
  });
  if (!sent) {
    (*shared)(false);
    return;
  }
  metrics_.MessageOut(kind);
}

void ClusterBus::OnReady() {
  // Subscriptions are per connection: renewed after every reconnect.
  sub_.PSubscribe({std::string(kKeyPrefix) + "#*", std::string(kKeyPrefix) + "-request#*"});
  std::vector<std::string> channels = {HubRequestChannel(), HubDirectChannel(uid_), HubEventsChannel(),
                                       HubHeartbeatChannel()};
  channels.insert(channels.end(), answered_channels_.begin(), answered_channels_.end());
  sub_.Subscribe(channels);
  next_heartbeat_ = {};
}

std::string ClusterBus::NextRequestId() { return absl::StrCat(uid_, ":", next_request_++); }

void ClusterBus::Dispatch(std::string_view channel, std::string_view payload, bool via_pattern) {
  // Its copy through the socket.io-request# pattern: seen once already.
  if (via_pattern && answered_channels_.count(channel) > 0) return;
  if (channel == HubHeartbeatChannel()) {
    auto heartbeat = DecodeHeartbeat(payload);
    if (!heartbeat.ok()) {
      metrics_.Lost("malformed");
      return;
    }
    if (heartbeat->uid == uid_) return;
    metrics_.MessageIn("heartbeat");
    if (membership_.OnHeartbeat(*heartbeat, std::chrono::steady_clock::now())) {
      HUB_LOG_INFO("event=replica_joined uid={}", heartbeat->uid);
      next_heartbeat_ = {};  // let the newcomer learn about us at once
    }
    if (heartbeat->bye) {
      HUB_LOG_INFO("event=replica_left uid={}", heartbeat->uid);
      std::vector<std::string> ids;
      for (const auto& [id, pending] : pending_) ids.push_back(id);
      for (const auto& id : ids) Answer(id, heartbeat->uid, nullptr);
    }
    metrics_.replicas.Set(static_cast<double>(membership_.Peers().size() + 1));
    PublishSnapshot();
    return;
  }
  if (channel == HubDirectChannel(uid_)) {
    auto message = DecodeMsgpack(payload);
    if (!message.ok() || !message->is_map()) {
      metrics_.Lost("malformed");
      return;
    }
    const std::string type = message->StrOr("t");
    if (type == "answer") {
      metrics_.MessageIn("response");
      Answer(message->StrOr("id"), message->StrOr("from"), &*message);
      return;
    }
  }
  if (on_message_) on_message_(std::string(channel), payload);
}

void ClusterBus::Await(const std::string& id, const std::string& type, std::vector<std::string> replicas,
                       std::chrono::milliseconds timeout, OnAnswer on_answer, std::function<void()> on_done) {
  if (replicas.empty()) {
    on_done();
    return;
  }
  auto pending = std::make_unique<Pending>(io_);
  pending->type = type;
  pending->started = std::chrono::steady_clock::now();
  pending->waiting = std::move(replicas);
  pending->on_answer = std::move(on_answer);
  pending->on_done = std::move(on_done);
  pending->timer.expires_after(timeout);
  pending->timer.async_wait([this, id](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    for (const auto& uid : std::vector<std::string>(it->second->waiting)) Answer(id, uid, nullptr);
  });
  pending_[id] = std::move(pending);
}

void ClusterBus::Answer(const std::string& id, const std::string& from, const MsgValue* answer) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  Pending& pending = *it->second;
  auto waiting = std::find(pending.waiting.begin(), pending.waiting.end(), from);
  if (waiting == pending.waiting.end()) return;
  if (pending.on_answer(from, answer) || answer == nullptr) {
    pending.waiting.erase(std::find(pending.waiting.begin(), pending.waiting.end(), from));
    if (pending.waiting.empty()) Finish(id);
  }
}

void ClusterBus::Finish(const std::string& id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  std::unique_ptr<Pending> pending = std::move(it->second);
  pending_.erase(it);
  pending->timer.cancel();
  metrics_.RecordRequest(pending->type,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - pending->started).count());
  pending->on_done();
}

void ClusterBus::Tick() {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& uid : membership_.Expire(now)) {
    HUB_LOG_WARN("event=replica_lost uid={}", uid);
    metrics_.replicas_lost.Increment();
    std::vector<std::string> ids;
    for (const auto& [id, pending] : pending_) ids.push_back(id);
    for (const auto& id : ids) Answer(id, uid, nullptr);
  }
  metrics_.replicas.Set(static_cast<double>(membership_.Peers().size() + 1));
  PublishSnapshot();
  if (now >= next_heartbeat_) SendHeartbeat();
  tick_.expires_after(kTick);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Tick();
  });
}

void ClusterBus::SendHeartbeat() {
  if (said_bye_ || !pub_.connected()) return;  // a reconnect announces us at once
  Heartbeat heartbeat = heartbeat_source_ ? heartbeat_source_() : Heartbeat{};
  heartbeat.uid = uid_;
  if (Publish(HubHeartbeatChannel(), EncodeHeartbeat(heartbeat), "heartbeat")) {
    next_heartbeat_ = std::chrono::steady_clock::now() + options_.heartbeat_interval;
  }
}

void ClusterBus::PublishSnapshot() {
  auto snapshot = std::make_shared<const PeerHeartbeats>(membership_.peer_heartbeats());
  std::lock_guard lock(snapshot_mu_);
  snapshot_ = std::move(snapshot);
}

std::shared_ptr<const PeerHeartbeats> ClusterBus::PeerSnapshot() {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

}  // namespace hub::cluster
