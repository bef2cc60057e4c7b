// Client events published from shard threads while the cluster thread
// replaces the peers' snapshot (at every tick). Publish once iterated the
// snapshot through a temporary shared_ptr, which a range-for does not keep
// alive: when the cluster thread swapped the snapshot meanwhile, the loop
// read a freed map, and a replica crashed in std::_Rb_tree_increment under a
// connect storm. The use-after-free is what AddressSanitizer reports here.
#include "hub/cluster/cluster_event_sink.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "metrics/cluster_metrics.h"
#include "prometheus/registry.h"

namespace hub::cluster {
namespace {

TEST(ClusterEventSinkTest, PublishKeepsItsPeerSnapshotWhileTheClusterThreadReplacesIt) {
  prometheus::Registry registry;
  metrics::ClusterMetrics metrics(registry);
  RedisAddress nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = 1;
  ClusterBus bus(nowhere, metrics);  // not started: no Redis, no cluster thread
  int delivered = 0;
  ClusterEventSink sink(
      bus,
      [&](core::ClientEventRecord, const ClusterEventSink::GroupChooser&) {
        ++delivered;
        return false;  // no subscriber here: Publish goes on to look at the peers
      },
      [] { return Heartbeat{}; });

  constexpr int kEvents = 20000;
  std::atomic<bool> done{false};
  std::thread ticks([&] {
    while (!done.load(std::memory_order_relaxed)) bus.RefreshPeerSnapshotForTest();
  });
  core::ClientEventRecord record;
  record.kind = core::ClientEventRecord::Kind::kConnected;
  record.socket_id = "s";
  record.nsp = "/";
  int answerable = 0;
  for (int i = 0; i < kEvents; ++i) answerable += sink.Publish(record) ? 1 : 0;
  done = true;
  ticks.join();
  EXPECT_EQ(delivered, kEvents);
  EXPECT_EQ(answerable, 0);  // no replica has a subscriber
}

}  // namespace
}  // namespace hub::cluster
