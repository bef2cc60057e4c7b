#include "metrics/api_metrics.h"

namespace hub::metrics {
namespace {
prometheus::Family<prometheus::Counter>& EventsFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("hub_subscriber_events_total")
      .Help("Client events offered to Subscribe streams, by outcome.")
      .Register(registry);
}
}  // namespace

ApiMetrics::ApiMetrics(prometheus::Registry& registry)
    : events_delivered(EventsFamily(registry).Add({{"outcome", "delivered"}})),
      events_dropped_queue_full(EventsFamily(registry).Add({{"outcome", "dropped_queue_full"}})),
      events_dropped_no_subscriber(EventsFamily(registry).Add({{"outcome", "dropped_no_subscriber"}})),
      recipients(prometheus::BuildCounter()
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

void ApiMetrics::RecordAck(const std::string& result, double seconds) {
  acks_.Add({{"result", result}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  ack_latency_.Add({{"result", result}}, kBuckets).Observe(seconds);
}

void ApiMetrics::RecordCall(const std::string& method, const std::string& code, double seconds) {
  calls_.Add({{"method", method}, {"code", code}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  latency_.Add({{"method", method}}, kBuckets).Observe(seconds);
}

}  // namespace hub::metrics
