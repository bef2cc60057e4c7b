// The hub's core: the shards and the commands backends run across them.
// Each command is posted to the shards that may hold its targets and
// completes, by countdown, when the last of them has answered; `done`
// callbacks run on a shard thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/config/config.h"
#include "hub/core/ack_table.h"
#include "hub/core/client_event.h"
#include "hub/core/selection.h"
#include "hub/core/shard.h"
#include "hub/engineio/server.h"
#include "hub/socketio/outbound.h"
#include "metrics/metrics.h"

namespace hub::core {

// A Socket.IO packet encoded once, shared by every recipient.
using OutboundPacket = socketio::EncodedPacket;
using SharedPacket = std::shared_ptr<const OutboundPacket>;

// Validates a backend's event and encodes it for `nsp`.
absl::StatusOr<OutboundPacket> EncodeEvent(std::string_view nsp, std::string_view event,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& attachments,
                                           std::optional<uint64_t> ack_id = std::nullopt);
// "" → "/"; refuses malformed namespaces.
absl::StatusOr<std::string> NormalizeNamespace(std::string_view nsp);
// Checks ack args from a backend (JSON, placeholders).
absl::Status ValidateArgs(const std::vector<std::string>& args,
                          const std::vector<std::string>& attachments);

struct EmitToResult {
  uint64_t recipients = 0;
  std::vector<std::string> missing;
};

struct SocketSummary {
  std::string id;
  std::string nsp;
  std::vector<std::string> rooms;
  std::string transport;
  std::string remote_address;
  int64_t connected_at_ms = 0;
  std::string auth;
};

struct SocketPage {
  std::vector<SocketSummary> sockets;
  std::string next_page_token;  // empty on the last page
};

class HubCore {
 public:
  HubCore(const Config& config, metrics::Metrics& metrics, ClientEventSink& sink);
  ~HubCore();

  // Opens the Socket.IO listener on every shard and starts the shard threads.
  // Returns the bound port.
  absl::StatusOr<uint16_t> Start();

  void EmitTo(std::string nsp, std::vector<std::string> socket_ids, SharedPacket packet,
              std::function<void(EmitToResult)> done);
  void Broadcast(Selection selection, SharedPacket packet, bool is_volatile,
                 std::function<void(uint64_t recipients)> done);

  // A fresh id for EmitWithAck, unique across the hub: one packet carrying it
  // is shared by every recipient.
  uint64_t NextAckId() { return next_ack_id_.fetch_add(1, std::memory_order_relaxed); }
  // Sends `packet` (encoded with `ack_id`) to the selection and gathers one
  // reply per socket: its ack, a timeout after `timeout`, or a disconnect.
  void EmitWithAck(Selection selection, SharedPacket packet, uint64_t ack_id,
                   std::chrono::milliseconds timeout, std::function<void(std::vector<AckReply>)> done);
  // Answers a client's event ack. NOT_FOUND for an unknown socket,
  // FAILED_PRECONDITION for an ack id the client is not owed.
  void AnswerClientAck(std::string nsp, std::string socket_id, uint64_t ack_id,
                       std::vector<std::string> args, std::vector<std::string> attachments,
                       std::function<void(absl::Status)> done);

  // Joins (or leaves) rooms for every selected socket; reports how many.
  void UpdateRooms(Selection selection, std::vector<std::string> rooms, bool join,
                   std::function<void(uint64_t sockets)> done);
  // Disconnects the selected sockets from their namespace, or closes their
  // whole connection; reports how many sockets were selected.
  void Disconnect(Selection selection, bool close_connection,
                  std::function<void(uint64_t sockets)> done);
  // One page of the selected sockets, ordered by shard then id.
  void ListSockets(Selection selection, size_t page_size, std::string page_token,
                   std::function<void(absl::StatusOr<SocketPage>)> done);

  // Refuses new handshakes, closes every connection at the Engine.IO level
  // (after flushing queued packets), settles pending acks as disconnected and
  // waits up to `grace` for the connections to end. Returns how many
  // connections were open when the drain started.
  uint64_t Drain(std::chrono::milliseconds grace);
  // The first step of a drain alone: refuse new handshakes and backend emits.
  void RefuseNewWork() { server_state_.draining.store(true); }
  bool draining() const { return server_state_.draining.load(); }
  // Stops every shard thread.
  void Stop();

  int shard_count() const { return static_cast<int>(shards_.size()); }

 private:
  struct ListState;
  void ListFrom(std::shared_ptr<ListState> state, size_t shard, std::string after_id);
  // Runs `task(shard)` on every shard; `done` gets the per-shard results.
  template <typename Result>
  void ForEachShard(std::function<Result(Shard&)> task, std::function<void(std::vector<Result>&)> done);

  const Config& config_;
  engineio::ServerState server_state_;
  engineio::ServerOptions server_options_;
  socketio::ClientOptions client_options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> next_ack_id_{1};
};

}  // namespace hub::core
