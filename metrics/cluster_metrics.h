// Metrics of the Redis cluster link (hub/cluster), all prefixed hub_cluster_.
// Touched per cluster message on the cluster thread, not per delivery, so
// prometheus-cpp's own counters are cheap enough.
#pragma once

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hub::metrics {

class ClusterMetrics {
 public:
  explicit ClusterMetrics(prometheus::Registry& registry);

  // `kind`: broadcast, request, response, event, heartbeat.
  void MessageIn(const std::string& kind) { messages_in_.Add({{"kind", kind}}).Increment(); }
  void MessageOut(const std::string& kind) { messages_out_.Add({{"kind", kind}}).Increment(); }
  // A message that could not be published (Redis down) or was malformed.
  void Lost(const std::string& reason) { lost_.Add({{"reason", reason}}).Increment(); }
  // One cross-replica request, from sending to its last answer.
  void RecordRequest(const std::string& type, double seconds);
  // `link`: pub or sub.
  void SetConnected(const std::string& link, bool up) {
    connected_.Add({{"link", link}}).Set(up ? 1 : 0);
  }
  void Reconnect(const std::string& link) { reconnects_.Add({{"link", link}}).Increment(); }
  // Redis accepted the connection but refused its setup; `reason`: auth
  // (wrong or missing credentials), select (no such db) or ping.
  void SetupFailure(const std::string& link, const std::string& reason) {
    setup_failures_.Add({{"link", link}, {"reason", reason}}).Increment();
  }

  prometheus::Gauge& replicas;              // replicas seen alive, this one included
  prometheus::Counter& replicas_lost;       // replicas declared dead

 private:
  prometheus::Family<prometheus::Counter>& messages_in_;
  prometheus::Family<prometheus::Counter>& messages_out_;
  prometheus::Family<prometheus::Counter>& lost_;
  prometheus::Family<prometheus::Histogram>& request_latency_;
  prometheus::Family<prometheus::Gauge>& connected_;
  prometheus::Family<prometheus::Counter>& reconnects_;
  prometheus::Family<prometheus::Counter>& setup_failures_;
};

}  // namespace hub::metrics
