// Client events across replicas: each event is delivered here and published
// once on hub-cluster#events# for the other replicas. Subscribers without a
// group get every event; for each consumer group, every replica computes
// the same owner from the heartbeats (PickGroupOwner), and only the owner
// delivers it, so the group receives it once, wherever its members are.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hub/cluster/cluster_bus.h"
#include "hub/core/client_event.h"

namespace hub::cluster {

class ClusterEventSink : public core::ClientEventSink {
 public:
  // Whether this replica delivers to `group` (it has `local_members` there).
  using GroupChooser = std::function<bool(const std::string& group, size_t local_members)>;
  // Hands an event to this replica's Subscribe streams (SubscriptionHub::
  // PublishSelected); returns whether any took it.
  using Deliver = std::function<bool(core::ClientEventRecord, const GroupChooser&)>;
  // This replica's Subscribe streams, for heartbeats.
  using Describer = std::function<Heartbeat()>;

  ClusterEventSink(ClusterBus& bus, Deliver deliver, Describer describe);

  // Shard threads.
  bool Publish(core::ClientEventRecord record) override;
  // Cluster thread: an event another replica published.
  void OnRemote(std::string_view payload);
  // Cluster thread: what the next heartbeat announces.
  Heartbeat Describe() const { return describe_(); }

 private:
  // `peers`: one snapshot of the peers' heartbeats for the whole event.
  bool DeliverHere(const ClusterEvent& event, core::ClientEventRecord record, const PeerHeartbeats& peers);

  ClusterBus& bus_;
  Deliver deliver_;
  Describer describe_;
  std::atomic<uint64_t> next_seq_{1};
};

}  // namespace hub::cluster
