// Every metric the hub exports, in one place. Shard-hot figures live in
// per-shard ShardStats and are summed when Prometheus scrapes; process
// figures (memory, CPU, descriptors) are read from /proc at scrape time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metrics/shard_stats.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace hub::metrics {

class Metrics {
 public:
  explicit Metrics(int shard_count);
  ~Metrics();

  ShardStats& shard(int index) { return shards_[index]; }
  const ShardStats& shard(int index) const { return shards_[index]; }
  int shard_count() const { return shard_count_; }

  // Adds figures computed at scrape time by another component (e.g. the
  // Subscribe queues), so no hot path has to keep a gauge up to date.
  void AddCollector(std::function<std::vector<prometheus::MetricFamily>()> collect);
  prometheus::Registry& registry() { return *registry_; }

  // Everything in the Prometheus text exposition format.
  std::string Serialize() const;

 private:
  std::unique_ptr<ShardStats[]> shards_;
  int shard_count_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
};

}  // namespace hub::metrics
