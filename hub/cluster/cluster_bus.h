// This replica's presence on Redis: the cluster thread (one io_context),
// a publishing and a subscribed connection, heartbeats and membership, and
// the table of requests awaiting answers from other replicas. Everything
// here runs on the cluster thread; other threads Post to it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hub/cluster/hub_wire.h"
#include "hub/cluster/membership.h"
#include "hub/cluster/msgpack_value.h"
#include "hub/cluster/redis_link.h"
#include "metrics/cluster_metrics.h"

namespace hub::cluster {

// The latest heartbeat of each alive peer, by replica uid.
using PeerHeartbeats = std::map<std::string, Heartbeat>;

struct BusOptions {
  std::chrono::milliseconds heartbeat_interval{2000};
  // When this replica's Subscribe streams change (AnnounceSoon), a heartbeat
  // goes out this long after the first change, carrying every change made
  // meanwhile: peers learn of new or gone group members within this delay
  // plus one Redis hop, and a flood of Subscribe calls costs at most one
  // extra heartbeat per delay.
  std::chrono::milliseconds announce_delay{5};
  // Detection time of a dead replica: at most dead_after + one check tick.
  std::chrono::milliseconds dead_after{6000};
  std::chrono::milliseconds request_timeout{5000};
  // Namespaces whose socket.io request channel this replica subscribes to
  // by name: socket.io servers count those subscribers (PUBSUB NUMSUB) and
  // await an answer from each. Other namespaces' requests still arrive
  // through a pattern, uncounted, so the replica must not answer them.
  std::vector<std::string> answered_namespaces{"/"};
};

class ClusterBus {
 public:
  // One answer from `from`; `answer` is null when the replica died or the
  // request timed out for it. Returns true once that replica is finished.
  using OnAnswer = std::function<bool(const std::string& from, const MsgValue* answer)>;
  using OnMessage = std::function<void(const std::string& channel, std::string_view payload)>;

  ClusterBus(RedisAddress address, metrics::ClusterMetrics& metrics, BusOptions options = {});
  ~ClusterBus();

  const std::string& uid() const { return uid_; }
  // Starts the cluster thread and connects. `on_message` receives every
  // message that is not an answer to a pending request.
  void Start(OnMessage on_message, std::function<Heartbeat()> heartbeat_source);
  // Says goodbye (so peers forget us at once) and stops the thread.
  void Stop();
  void Post(std::function<void()> task);
  // Any thread: what the heartbeat announces changed; publish one soon
  // (BusOptions::announce_delay) rather than at the next periodic one.
  void AnnounceSoon();

  // --- Cluster thread only. ---
  // False when Redis is down (the message is lost and counted).
  bool Publish(const std::string& channel, const std::string& payload, const std::string& kind);
  // The same, and `done(true)` once Redis has handed the message to its
  // subscribers; `done(false)` when it was lost or may have been.
  void PublishConfirmed(const std::string& channel, const std::string& payload, const std::string& kind,
                        std::function<void(bool delivered)> done);
  const Membership& membership() const { return membership_; }
  std::string NextRequestId();
  // Waits for every replica of `replicas` to finish answering request `id`,
  // or `timeout`; then runs `on_done` once. Replicas that die answer null.
  void Await(const std::string& id, const std::string& type, std::vector<std::string> replicas,
             std::chrono::milliseconds timeout, OnAnswer on_answer, std::function<void()> on_done);
  boost::asio::io_context& io() { return io_; }

  // Any thread: the latest heartbeats of the alive peers. Keep the pointer
  // while reading: the cluster thread replaces the snapshot at every tick.
  std::shared_ptr<const PeerHeartbeats> PeerSnapshot();
  // Tests, on a bus that is not started: what each tick does to the snapshot.
  void RefreshPeerSnapshotForTest() { PublishSnapshot(); }
  const BusOptions& options() const { return options_; }
  // Whether socket.io servers count this replica among the answerers of
  // requests on `channel` (it is subscribed to it by name).
  bool Answers(const std::string& channel) const { return answered_channels_.count(channel) > 0; }
  metrics::ClusterMetrics& metrics() { return metrics_; }

 private:
  struct Pending;
  void OnReady();
  void Dispatch(std::string_view channel, std::string_view payload, bool via_pattern);
  void Tick();
  // Publishes a heartbeat now (if connected) and schedules the next one.
  void SendHeartbeat();
  void Answer(const std::string& id, const std::string& from, const MsgValue* answer);
  void Finish(const std::string& id);
  void PublishSnapshot();

  const std::string uid_;
  const BusOptions options_;
  const std::set<std::string, std::less<>> answered_channels_;  // std::less<>: looked up by string_view
  metrics::ClusterMetrics& metrics_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  RedisLink pub_;
  RedisLink sub_;
  Membership membership_;
  boost::asio::steady_timer tick_;
  boost::asio::steady_timer announce_;
  // Set by AnnounceSoon, cleared when that announcement is described: one
  // Post and one timer per batch of changes.
  std::atomic<bool> announce_requested_{false};
  std::chrono::steady_clock::time_point next_heartbeat_{};
  OnMessage on_message_;
  std::function<Heartbeat()> heartbeat_source_;
  uint64_t next_request_ = 1;
  std::unordered_map<std::string, std::unique_ptr<Pending>> pending_;
  std::mutex snapshot_mu_;
  std::shared_ptr<const PeerHeartbeats> snapshot_;
  std::thread thread_;
  bool stopped_ = false;
  bool said_bye_ = false;  // cluster thread
};

}  // namespace hub::cluster
