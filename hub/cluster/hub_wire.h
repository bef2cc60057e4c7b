// The hub's own cluster messages, for what the socket.io adapter format does
// not carry: acks with socket ids, socket listings, client events,
// heartbeats. Msgpack maps with a type `t`, a request `id` and the sender
// `from`; field helpers here, pure and unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/cluster/msgpack_value.h"
#include "hub/core/adapter.h"
#include "hub/core/client_event.h"
#include "hub/core/selection.h"

namespace hub::cluster {

inline constexpr std::string_view kHubPrefix = "hub-cluster#";
std::string HubRequestChannel();            // hub-cluster#req#: every hub replica
std::string HubDirectChannel(std::string_view uid);  // hub-cluster#<uid>#: one replica
std::string HubEventsChannel();             // hub-cluster#events#
std::string HubHeartbeatChannel();          // hub-cluster#heartbeat#

// Starts a message map of `fields` entries plus t/id/from.
MsgWriter& BeginMessage(MsgWriter& w, uint32_t fields, std::string_view type, std::string_view id,
                        std::string_view from);
// An "answer" from replica `from` to request `id`: the `field_count`
// entries already written to `fields`, with t/id/from.
std::string EncodeAnswer(std::string_view id, std::string_view from, MsgWriter& fields, uint32_t field_count);

void WriteSelection(MsgWriter& w, const core::Selection& selection);
core::Selection ReadSelection(const MsgValue& value);

void WriteSockets(MsgWriter& w, const std::vector<core::SocketSummary>& sockets);
std::vector<core::SocketSummary> ReadSockets(const MsgValue* value);

void WriteAckReplies(MsgWriter& w, const std::vector<core::AckReply>& replies);
std::vector<core::AckReply> ReadAckReplies(const MsgValue* value);

// A client event as it crosses replicas; `origin` and `seq` name it
// cluster-wide (consumer groups hash them to pick the owner).
struct ClusterEvent {
  std::string origin;
  uint64_t seq = 0;
  core::ClientEventRecord record;
};
std::string EncodeClusterEvent(const ClusterEvent& event);
absl::StatusOr<ClusterEvent> DecodeClusterEvent(std::string_view bytes);

// Heartbeat: who is alive and which Subscribe streams it serves.
struct Heartbeat {
  std::string uid;
  bool bye = false;                     // leaving on purpose
  uint64_t ungrouped = 0;               // Subscribe streams without a group
  std::map<std::string, uint64_t> groups;  // group -> members on that replica
};
std::string EncodeHeartbeat(const Heartbeat& heartbeat);
absl::StatusOr<Heartbeat> DecodeHeartbeat(std::string_view bytes);

}  // namespace hub::cluster
