#include "metrics/cluster_metrics.h"

namespace hub::metrics {
namespace {

const std::vector<std::string> kMessageKinds = {"broadcast", "request", "response", "event", "heartbeat"};

}  // namespace

ClusterMetrics::ClusterMetrics(prometheus::Registry& registry)
    : replicas(prometheus::BuildGauge()
                   .Name("hub_cluster_replicas")
                   .Help("Hub replicas seen alive through Redis, this one included.")
                   .Register(registry)
                   .Add({})),
      replicas_lost(prometheus::BuildCounter()
                        .Name("hub_cluster_replicas_lost_total")
                        .Help("Replicas declared dead after missing their heartbeats.")
                        .Register(registry)
                        .Add({})),
      messages_in_(prometheus::BuildCounter()
                       .Name("hub_cluster_messages_in_total")
                       .Help("Cluster messages received from Redis, by kind.")
                       .Register(registry),
                   "kind", kMessageKinds),
      messages_out_(prometheus::BuildCounter()
                        .Name("hub_cluster_messages_out_total")
                        .Help("Cluster messages published to Redis, by kind.")
                        .Register(registry),
                    "kind", kMessageKinds),
      lost_(prometheus::BuildCounter()
                .Name("hub_cluster_messages_lost_total")
                .Help("Cluster messages not published (Redis down) or not understood, by reason.")
                .Register(registry),
            "reason", {"redis_down", "encode", "malformed"}),
      request_latency_(prometheus::BuildHistogram()
                           .Name("hub_cluster_request_duration_seconds")
                           .Help("Cross-replica requests, from publishing to the last answer, by type.")
                           .Register(registry)),
      connected_(prometheus::BuildGauge()
                     .Name("hub_cluster_redis_connected")
                     .Help("1 while the Redis connection is up, by link (pub, sub).")
                     .Register(registry)),
      reconnects_(prometheus::BuildCounter()
                      .Name("hub_cluster_redis_reconnects_total")
                      .Help("Redis connections lost and re-established, by link.")
                      .Register(registry)),
      setup_failures_(prometheus::BuildCounter()
                          .Name("hub_cluster_redis_setup_failures_total")
                          .Help("Redis connections refused after connecting, by link and reason (auth, select, "
                                "ping); each is retried with backoff.")
                          .Register(registry)) {}

void ClusterMetrics::RecordRequest(const std::string& type, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  request_latency_.Add({{"type", type}}, kBuckets).Observe(seconds);
}

}  // namespace hub::metrics
