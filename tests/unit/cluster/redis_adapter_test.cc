// Ack ids across replicas: a replica asks its sockets with ack ids from its
// own counter, whoever the request came from, so two requesters can never
// put the same id in its ack table (as two replicas' first EmitWithAck
// would, both numbered 1 on their side).
#include "hub/cluster/redis_adapter.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "hub/cluster/hub_wire.h"
#include "metrics/cluster_metrics.h"
#include "metrics/metrics.h"
#include "prometheus/registry.h"

namespace hub::cluster {
namespace {

class NoSubscribers : public core::ClientEventSink {
 public:
  bool Publish(core::ClientEventRecord) override { return false; }
};

// An ack_emit request of replica `from`, asking for ack id `ack`.
std::string AckEmitRequest(const std::string& from, uint64_t ack) {
  MsgWriter w;
  BeginMessage(w, 6, "ack_emit", from + ":1", from);
  w.Str("sel");
  core::Selection everyone;
  everyone.nsp = "/";
  WriteSelection(w, everyone);
  w.Str("event").Str("ask").Str("args").StrArray({}).Str("att").BinArray({});
  w.Str("ack").Uint(ack).Str("timeout").Uint(1000);
  return w.Take();
}

TEST(RedisAdapterTest, AckIdsForOtherReplicasComeFromThisReplicasCounter) {
  Config config;
  config.shards = 1;
  metrics::Metrics metrics(config.shards);
  NoSubscribers sink;
  core::HubCore core(config, metrics, sink);  // not started: nothing is sent
  prometheus::Registry registry;
  metrics::ClusterMetrics cluster_metrics(registry);
  RedisAddress nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = 1;
  ClusterBus bus(nowhere, cluster_metrics);  // not started: no Redis
  RedisAdapter adapter(core, bus, "/socket.io/");

  std::set<uint64_t> ids;
  ids.insert(adapter.NextAckId());  // this replica's own EmitWithAck
  // Two peers whose first emits both carry ack id 1, and a second request
  // carrying an id this replica used already.
  adapter.OnMessage(HubRequestChannel(), AckEmitRequest("peer-a", 1));
  adapter.OnMessage(HubRequestChannel(), AckEmitRequest("peer-b", 1));
  adapter.OnMessage(HubRequestChannel(), AckEmitRequest("peer-c", *ids.begin()));
  ids.insert(adapter.NextAckId());
  ids.insert(core.NextAckId());
  // One counter served all five: the three requests took 2, 3 and 4.
  EXPECT_EQ(ids, (std::set<uint64_t>{1, 5, 6}));
}

}  // namespace
}  // namespace hub::cluster
