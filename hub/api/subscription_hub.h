// Subscribe streams: every client event is turned into one ClientEvent
// message and offered to each matching subscriber's bounded queue. A full
// queue drops the event (counted, and visible to the backend as a gap in
// `sequence`); it never blocks a shard or grows without bound.
#pragma once

#include <deque>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "hub/core/client_event.h"
#include "hub/v1/hub.grpc.pb.h"
#include "metrics/api_metrics.h"

namespace hub::api {

class SubscriptionHub;

// One Subscribe call: a write reactor fed from its queue.
class Subscriber : public grpc::ServerWriteReactor<hub::v1::ClientEvent> {
 public:
  Subscriber(SubscriptionHub& hub, const hub::v1::SubscribeRequest& request, size_t capacity);

  // Whether the request's namespace and event filters take this event.
  bool Matches(const std::string& nsp, const std::string& event_name) const;
  // Queues the event, or drops it when the queue is full. Either way it uses
  // up one sequence number.
  void Offer(const std::shared_ptr<const hub::v1::ClientEvent>& event);
  // Ends the stream with OK once what is queued has been written.
  void EndStream();
  // Ends the stream now with `status` (nothing may be in flight).
  void EndWith(const grpc::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void WriteNextLocked();
  void FinishLocked(const grpc::Status& status);

  SubscriptionHub& hub_;
  const std::unordered_set<std::string> namespaces_;
  const std::unordered_set<std::string> events_;
  const size_t capacity_;

  // Recursive: gRPC may run a reaction inline from StartWrite.
  std::recursive_mutex mu_;
  uint64_t next_sequence_ = 1;
  std::deque<std::pair<uint64_t, std::shared_ptr<const hub::v1::ClientEvent>>> queue_;
  hub::v1::ClientEvent writing_event_;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
};

class SubscriptionHub : public core::ClientEventSink {
 public:
  SubscriptionHub(size_t queue_capacity, metrics::ApiMetrics& metrics);
  ~SubscriptionHub() override;

  // core::ClientEventSink: called from shard threads.
  void Publish(core::ClientEventRecord record) override;

  // A new Subscribe call; refused with UNAVAILABLE once draining.
  grpc::ServerWriteReactor<hub::v1::ClientEvent>* Subscribe(const hub::v1::SubscribeRequest& request);
  // Drain: ends every stream with OK after its queue flushes; refuses new ones.
  void EndAll();
  // Waits until every stream has completed (bounded).
  void AwaitEmpty(std::chrono::milliseconds timeout);

  metrics::ApiMetrics& metrics() { return metrics_; }

 private:
  friend class Subscriber;
  void Remove(Subscriber* subscriber);

  const size_t queue_capacity_;
  metrics::ApiMetrics& metrics_;
  std::mutex mu_;
  std::condition_variable empty_;
  std::vector<Subscriber*> subscribers_;
  bool ended_ = false;
};

}  // namespace hub::api
