// What main.cc wires when --redis_url is set: the bus, the event sink that
// shards publish client events to, and the adapter the gRPC API drives.
// Without --redis_url none of this exists and the hub runs alone.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "hub/config/config.h"
#include "hub/cluster/cluster_bus.h"
#include "hub/cluster/cluster_event_sink.h"
#include "hub/cluster/redis_adapter.h"
#include "metrics/cluster_metrics.h"
#include "prometheus/registry.h"

namespace hub::cluster {

class Cluster {
 public:
  // From --redis_url, --namespaces and --path. INVALID_ARGUMENT for a
  // malformed URL. Connects only in Start.
  static absl::StatusOr<std::unique_ptr<Cluster>> Create(const Config& config,
                                                         prometheus::Registry& registry,
                                                         ClusterEventSink::Deliver deliver,
                                                         ClusterEventSink::Describer describe);
  ~Cluster();

  // Give to HubCore as its client-event sink.
  core::ClientEventSink& sink() { return *sink_; }
  // After the local core started: joins the cluster. Returns the adapter
  // for the gRPC API.
  core::Adapter& Start(core::HubCore& local);
  // Any thread: this replica's Subscribe streams changed (SubscriptionHub's
  // membership listener); peers hear of it within milliseconds.
  void SubscriptionsChanged() { bus_->AnnounceSoon(); }
  // Leaves the cluster (peers forget this replica at once) and stops.
  void Stop();
  const std::string& uid() const { return bus_->uid(); }
  // The Redis URL, password hidden, for logs.
  const std::string& redis() const { return redis_; }

 private:
  Cluster() = default;
  std::unique_ptr<metrics::ClusterMetrics> metrics_;
  std::unique_ptr<ClusterBus> bus_;
  std::unique_ptr<ClusterEventSink> sink_;
  std::unique_ptr<RedisAdapter> adapter_;
  std::string path_;
  std::string redis_;
};

}  // namespace hub::cluster
