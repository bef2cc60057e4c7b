#include "hub/cluster/cluster_event_sink.h"

#include "hub/cluster/membership.h"

namespace hub::cluster {

ClusterEventSink::ClusterEventSink(ClusterBus& bus, Deliver deliver, Describer describe)
    : bus_(bus), deliver_(std::move(deliver)), describe_(std::move(describe)) {}

bool ClusterEventSink::DeliverHere(const ClusterEvent& event, core::ClientEventRecord record,
                                   const PeerHeartbeats& peers) {
  const std::string& self = bus_.uid();
  GroupChooser take_group = [&](const std::string& group, size_t local_members) {
    std::map<std::string, uint64_t> members;
    members[self] = local_members;
    for (const auto& [uid, heartbeat] : peers) {
      auto it = heartbeat.groups.find(group);
      if (it != heartbeat.groups.end()) members[uid] = it->second;
    }
    return PickGroupOwner(members, event.origin, event.seq) == self;
  };
  return deliver_(std::move(record), take_group);
}

bool ClusterEventSink::Publish(core::ClientEventRecord record) {
  ClusterEvent event;
  event.origin = bus_.uid();
  event.seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  event.record = record;
  std::string encoded = EncodeClusterEvent(event);
  bus_.Post([this, encoded = std::move(encoded)] { bus_.Publish(HubEventsChannel(), encoded, "event"); });
  // Held for the whole call: the cluster thread replaces the snapshot at
  // every tick, and this reference may then be the only one left.
  const std::shared_ptr<const PeerHeartbeats> peers = bus_.PeerSnapshot();
  if (DeliverHere(event, std::move(record), *peers)) return true;
  // Some other replica may take it (filters are not known here): keep the
  // client's ack answerable whenever any replica has a subscriber.
  for (const auto& [uid, heartbeat] : *peers) {
    if (heartbeat.ungrouped > 0 || !heartbeat.groups.empty()) return true;
  }
  return false;
}

void ClusterEventSink::OnRemote(std::string_view payload) {
  auto event = DecodeClusterEvent(payload);
  if (!event.ok()) {
    bus_.metrics().Lost("malformed");
    return;
  }
  if (event->origin == bus_.uid()) return;
  bus_.metrics().MessageIn("event");
  core::ClientEventRecord record = std::move(event->record);
  const std::shared_ptr<const PeerHeartbeats> peers = bus_.PeerSnapshot();
  DeliverHere(*event, std::move(record), *peers);
}

}  // namespace hub::cluster
