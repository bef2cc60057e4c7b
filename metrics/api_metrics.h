// Metrics of the backend API: gRPC calls and Subscribe streams. These are
// touched per RPC or per client event, not per delivery, so prometheus-cpp's
// own (atomic) counters are cheap enough.
#pragma once

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hub::metrics {

class ApiMetrics {
 public:
  explicit ApiMetrics(prometheus::Registry& registry);

  // One finished RPC: counted by method and status code, timed.
  void RecordCall(const std::string& method, const std::string& code, double seconds);
  // One socket's answer to an EmitWithAck: ok, timeout or disconnected.
  void RecordAck(const std::string& result, double seconds);
  // Recipients of one broadcast (Broadcast RPC or a Publish broadcast).
  void RecordFanout(uint64_t recipients) { fanout_.Observe(static_cast<double>(recipients)); }

  prometheus::Counter& events_delivered;
  prometheus::Counter& events_dropped_queue_full;
  prometheus::Counter& events_dropped_no_subscriber;
  prometheus::Family<prometheus::Counter>& recipients;

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& acks_;
  prometheus::Family<prometheus::Histogram>& ack_latency_;
  prometheus::Histogram& fanout_;
};

}  // namespace hub::metrics
