#include "metrics/api_metrics.h"

namespace hub::metrics {
namespace {

prometheus::Family<prometheus::Counter>& EventsFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("hub_subscriber_events_total")
      .Help("Client events offered to Subscribe streams, by outcome.")
      .Register(registry);
}

const prometheus::Histogram::BucketBoundaries& CallBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return kBuckets;
}

const prometheus::Histogram::BucketBoundaries& AckBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return kBuckets;
}

// The child cached in `slot`, made by `make` the first time. Family::Add is
// thread-safe and returns the same child for the same labels, so two threads
// racing here store the same pointer.
template <typename Metric, typename Make>
Metric& Cached(std::atomic<Metric*>& slot, Make make) {
  Metric* metric = slot.load(std::memory_order_acquire);
  if (metric == nullptr) {
    metric = &make();
    slot.store(metric, std::memory_order_release);
  }
  return *metric;
}

const char* AckResultName(AckResult result) {
  switch (result) {
    case AckResult::kOk: return "ok";
    case AckResult::kTimeout: return "timeout";
    case AckResult::kDisconnected: return "disconnected";
  }
  return "ok";
}

}  // namespace

void RpcMetrics::RecordCall(int code, const char* code_name, double seconds) {
  auto add_call = [&]() -> prometheus::Counter& {
    return owner_.calls_.Add({{"method", method_}, {"code", code_name}});
  };
  if (code >= 0 && code < kCodes) {
    Cached(calls_[static_cast<size_t>(code)], add_call).Increment();
  } else {
    add_call().Increment();
  }
  Cached(latency_, [&]() -> prometheus::Histogram& {
    return owner_.latency_.Add({{"method", method_}}, CallBuckets());
  }).Observe(seconds);
}

void RpcMetrics::AddRecipients(uint64_t recipients) {
  Cached(recipients_, [&]() -> prometheus::Counter& {
    return owner_.recipients_.Add({{"rpc", method_}});
  }).Increment(static_cast<double>(recipients));
}

ApiMetrics::ApiMetrics(prometheus::Registry& registry)
    : events_delivered(EventsFamily(registry).Add({{"outcome", "delivered"}})),
      events_dropped_queue_full(EventsFamily(registry).Add({{"outcome", "dropped_queue_full"}})),
      events_dropped_no_subscriber(EventsFamily(registry).Add({{"outcome", "dropped_no_subscriber"}})),
      recipients_(prometheus::BuildCounter()
                      .Name("hub_emit_recipients_total")
                      .Help("Sockets a backend emit was queued to, by RPC.")
                      .Register(registry)),
      calls_(prometheus::BuildCounter()
                 .Name("hub_grpc_calls_total")
                 .Help("Finished gRPC calls by method and status code.")
                 .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("hub_grpc_call_duration_seconds")
                   .Help("gRPC call latency by method.")
                   .Register(registry)),
      acks_(prometheus::BuildCounter()
                .Name("hub_acks_total")
                .Help("Client answers to EmitWithAck, by result (ok, timeout, disconnected).")
                .Register(registry)),
      ack_latency_(prometheus::BuildHistogram()
                       .Name("hub_ack_duration_seconds")
                       .Help("Time from EmitWithAck to each socket's answer, by result.")
                       .Register(registry)),
      fanout_(prometheus::BuildHistogram()
                  .Name("hub_broadcast_fanout_sockets")
                  .Help("Sockets one broadcast was queued to.")
                  .Register(registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0, 1, 10, 100, 1000, 10000, 100000,
                                                                   1000000})) {}

RpcMetrics& ApiMetrics::ForMethod(std::string_view method) {
  std::lock_guard lock(methods_mu_);
  auto it = methods_.find(method);
  if (it == methods_.end()) {
    std::string name(method);
    it = methods_.emplace(name, std::unique_ptr<RpcMetrics>(new RpcMetrics(*this, name))).first;
  }
  return *it->second;
}

void ApiMetrics::RecordAck(AckResult result, double seconds) {
  const auto index = static_cast<size_t>(result);
  const char* name = AckResultName(result);
  Cached(ack_counts_[index], [&]() -> prometheus::Counter& {
    return acks_.Add({{"result", name}});
  }).Increment();
  Cached(ack_times_[index], [&]() -> prometheus::Histogram& {
    return ack_latency_.Add({{"result", name}}, AckBuckets());
  }).Observe(seconds);
}

}  // namespace hub::metrics
