// Metrics of the Redis cluster link (hub/cluster), all prefixed hub_cluster_.
// Touched per cluster message on the cluster thread, not per delivery, so
// prometheus-cpp's own counters are cheap enough; their children for the
// label values the code uses are made once, since Family::Add hashes the
// labels and takes the family's lock on every call.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hub::metrics {

// A family's children for known values of one label, made at construction
// (so they are exported from the start, at zero) and found by a short scan.
// A value not listed is looked up in the family each time.
template <typename Metric>
class KnownChildren {
 public:
  KnownChildren(prometheus::Family<Metric>& family, std::string label, const std::vector<std::string>& values)
      : family_(family), label_(std::move(label)) {
    for (const auto& value : values) children_.emplace_back(value, &family_.Add({{label_, value}}));
  }
  Metric& Get(const std::string& value) const {
    for (const auto& [known, metric] : children_) {
      if (known == value) return *metric;
    }
    return family_.Add({{label_, value}});
  }

 private:
  prometheus::Family<Metric>& family_;
  const std::string label_;
  std::vector<std::pair<std::string, Metric*>> children_;
};

class ClusterMetrics {
 public:
  explicit ClusterMetrics(prometheus::Registry& registry);

  // `kind`: broadcast, request, response, event, heartbeat.
  void MessageIn(const std::string& kind) { messages_in_.Get(kind).Increment(); }
  void MessageOut(const std::string& kind) { messages_out_.Get(kind).Increment(); }
  // A message that could not be published (redis_down), encoded (encode) or
  // understood (malformed).
  void Lost(const std::string& reason) { lost_.Get(reason).Increment(); }
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
  KnownChildren<prometheus::Counter> messages_in_;
  KnownChildren<prometheus::Counter> messages_out_;
  KnownChildren<prometheus::Counter> lost_;
  prometheus::Family<prometheus::Histogram>& request_latency_;
  prometheus::Family<prometheus::Gauge>& connected_;
  prometheus::Family<prometheus::Counter>& reconnects_;
  prometheus::Family<prometheus::Counter>& setup_failures_;
};

}  // namespace hub::metrics
