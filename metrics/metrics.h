// Every metric the hub exports, in one place. Shard-hot figures live in
// per-shard ShardStats and are summed when Prometheus scrapes; process
// figures (memory, CPU, descriptors) are read from /proc at scrape time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "metrics/shard_stats.h"
#include "prometheus/registry.h"

namespace hub::metrics {

class Metrics {
 public:
  explicit Metrics(int shard_count);
  ~Metrics();

  ShardStats& shard(int index) { return shards_[index]; }
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
