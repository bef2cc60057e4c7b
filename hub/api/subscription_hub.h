// Subscribe streams: every client event is turned into one ClientEvent
// message and offered to each matching subscriber without a group, and to one
// matching member of each consumer group. Each recipient gets a message of
// its own (it carries that stream's `sequence`); the last one takes the
// message itself, so the usual single recipient costs no copy. Each
// subscriber has a bounded queue: a full queue drops the event (counted, and
// visible to the backend as a gap in `sequence`); it never blocks a shard or
// grows without bound.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "hub/core/client_event.h"
#include "hub/v1/hub.grpc.pb.h"
#include "metrics/api_metrics.h"
#include "prometheus/metric_family.h"

namespace hub::api {

class SubscriptionHub;

// One Subscribe call: a write reactor fed from its queue.
class Subscriber : public grpc::ServerWriteReactor<hub::v1::ClientEvent> {
 public:
  Subscriber(SubscriptionHub& hub, const hub::v1::SubscribeRequest& request, size_t capacity);

  const std::string& group() const { return group_; }
  // Whether the request's namespace and event filters take this event.
  bool Matches(const std::string& nsp, const std::string& event_name) const;
  // Whether the queue has room for one more event.
  bool HasRoom();
  size_t QueueDepth();
  // Queues the event, or drops it when the queue is full. Either way it uses
  // up one sequence number.
  void Offer(std::unique_ptr<hub::v1::ClientEvent> event);
  // Ends the stream with OK once what is queued has been written.
  void EndStream();
  // Ends the stream now with `status` (nothing may be in flight).
  void EndWith(const grpc::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Both return the status to Finish with once mu_ is released, if the
  // stream must end now.
  std::optional<grpc::Status> WriteNextLocked();
  std::optional<grpc::Status> FinishLocked(const grpc::Status& status);

  SubscriptionHub& hub_;
  const std::unordered_set<std::string> namespaces_;
  const std::unordered_set<std::string> events_;
  const std::string group_;
  const size_t capacity_;

  // Recursive: gRPC may run a reaction inline from StartWrite.
  std::recursive_mutex mu_;
  uint64_t next_sequence_ = 1;
  std::deque<std::unique_ptr<hub::v1::ClientEvent>> queue_;  // sequence set
  std::unique_ptr<hub::v1::ClientEvent> writing_event_;      // until OnWriteDone
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
};

class SubscriptionHub : public core::ClientEventSink {
 public:
  SubscriptionHub(size_t queue_capacity, metrics::ApiMetrics& metrics);
  ~SubscriptionHub() override;

  // core::ClientEventSink: called from shard threads.
  bool Publish(core::ClientEventRecord record) override;
  // Decides, per consumer group, whether this replica delivers the event to
  // it (given the group's local member count); subscribers without a group
  // always get it. Used by hub/cluster, which balances groups across
  // replicas; `count_unrouted` = false leaves the no-subscriber count to it.
  using GroupChooser = std::function<bool(const std::string& group, size_t local_members)>;
  bool PublishSelected(core::ClientEventRecord record, const GroupChooser& take_group,
                       bool count_unrouted);

  // A new Subscribe call; refused with UNAVAILABLE once draining.
  grpc::ServerWriteReactor<hub::v1::ClientEvent>* Subscribe(const hub::v1::SubscribeRequest& request);
  // Drain: ends every stream with OK after its queue flushes; refuses new ones.
  void EndAll();
  // Waits until every stream has completed (bounded).
  void AwaitEmpty(std::chrono::milliseconds timeout);

  metrics::ApiMetrics& metrics() { return metrics_; }

  // Told whenever what a cluster heartbeat announces changes: a member
  // joins or leaves a consumer group, or the first stream without a group
  // opens or the last one closes. Runs under the hub's lock on the thread
  // that changed it, so it must be quick and not call back into the hub.
  // Null to stop (before whatever it calls goes away).
  using MembershipListener = std::function<void()>;
  void SetMembershipListener(MembershipListener listener);

  // Scrape-time figures: subscribers and queued events by group ("" for
  // subscribers without a group).
  struct GroupStats {
    std::string group;
    size_t subscribers = 0;
    size_t queued = 0;
    size_t max_queued = 0;
  };
  std::vector<GroupStats> Stats();

 private:
  friend class Subscriber;
  struct Group {
    std::vector<Subscriber*> members;
    size_t next = 0;  // round-robin position
  };
  void Remove(Subscriber* subscriber);
  void MembershipChanged();
  // The member of the group that gets the event, or null when none matches.
  Subscriber* PickFromGroup(Group& group, const std::string& nsp, const std::string& name);

  const size_t queue_capacity_;
  metrics::ApiMetrics& metrics_;
  // Recursive, and offers go to a list of recipients gathered first: gRPC
  // may run OnDone (which calls Remove) on this thread from inside Finish or
  // StartWrite.
  std::recursive_mutex mu_;
  std::condition_variable_any empty_;
  std::vector<Subscriber*> ungrouped_;
  std::unordered_map<std::string, Group> groups_;
  size_t count_ = 0;
  bool ended_ = false;
  MembershipListener membership_listener_;
};

// hub_subscribers, hub_subscriber_queue_depth and _max, by group.
std::vector<prometheus::MetricFamily> SubscriberFamilies(
    const std::vector<SubscriptionHub::GroupStats>& stats);

}  // namespace hub::api
