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
#include "hub/core/adapter.h"
#include "hub/core/batched_emit_stream.h"
#include "hub/core/client_event.h"
#include "hub/core/selection.h"
#include "hub/core/shard.h"
#include "hub/engineio/server.h"
#include "hub/socketio/outbound.h"
#include "metrics/metrics.h"

namespace hub::core {


// The sockets of this process, sharded; the local Adapter.
class HubCore : public Adapter, private ShardDelivery {
 public:
  HubCore(const Config& config, metrics::Metrics& metrics, ClientEventSink& sink);
  ~HubCore();

  // Opens the Socket.IO listener on every shard and starts the shard threads.
  // Returns the bound port.
  absl::StatusOr<uint16_t> Start();

  // --- Adapter ---
  void EmitTo(std::vector<std::string> socket_ids, SharedEmit emit,
              std::function<void(EmitToResult)> done) override;
  void Broadcast(Selection selection, SharedEmit emit, bool is_volatile,
                 std::function<void(uint64_t recipients)> done) override;
  // Batched per shard (batched_emit_stream.h).
  std::shared_ptr<EmitStream> OpenEmitStream(EmitStream::OnReport on_report) override;
  // One packet carrying the id is shared by every local recipient.
  uint64_t NextAckId() override { return next_ack_id_.fetch_add(1, std::memory_order_relaxed); }
  void EmitWithAck(Selection selection, SharedEmit emit, std::chrono::milliseconds timeout,
                   std::function<void(std::vector<AckReply>)> done) override;
  // EmitWithAck in two steps, for a cluster peer that must tell the
  // requester which sockets it will ask before it asks any (so that they
  // can be settled as disconnected if this replica dies): `on_selected`
  // gets their ids and a `send` to call, once, when they are announced.
  // The replies then cover exactly those sockets (one gone meanwhile:
  // disconnected). Not calling `send` drops the emit; `done` never runs.
  using OnSelected = std::function<void(std::vector<std::string> socket_ids, std::function<void()> send)>;
  void EmitWithAck(Selection selection, SharedEmit emit, std::chrono::milliseconds timeout,
                   OnSelected on_selected, std::function<void(std::vector<AckReply>)> done);
  void AnswerClientAck(std::string nsp, std::string socket_id, uint64_t ack_id,
                       std::vector<std::string> args, std::vector<std::string> attachments,
                       std::function<void(absl::Status)> done) override;
  void UpdateRooms(Selection selection, std::vector<std::string> rooms, bool join,
                   std::function<void(uint64_t sockets)> done) override;
  void Disconnect(Selection selection, bool close_connection,
                  std::function<void(uint64_t sockets)> done) override;
  // Ordered by shard then id; the token is "<shard>.<last id>".
  void ListSockets(Selection selection, size_t page_size, std::string page_token,
                   std::function<void(absl::StatusOr<SocketPage>)> done) override;
  bool draining() const override { return server_state_.draining.load(); }

  // For socket.io servers sharing a cluster (their fetchSockets, allSockets
  // and allRooms): every selected socket at once, with its handshake; only
  // their ids; and the rooms of a namespace, socket-id rooms included, as
  // socket.io lists them.
  void FetchSockets(Selection selection, std::function<void(std::vector<SocketDetails>)> done);
  // Only the ids of the selected sockets.
  void SocketIds(Selection selection, std::function<void(std::vector<std::string>)> done);
  void ListRooms(std::string nsp, std::function<void(std::vector<std::string>)> done);

  // Refuses new handshakes, closes every connection at the Engine.IO level
  // (after flushing queued packets), settles pending acks as disconnected and
  // waits up to `grace` for the connections to end. Returns how many
  // connections were open when the drain started.
  uint64_t Drain(std::chrono::milliseconds grace);
  // The first step of a drain alone: refuse new handshakes and backend emits.
  void RefuseNewWork() { server_state_.draining.store(true); }
  // Stops every shard thread.
  void Stop();

  int shard_count() const { return static_cast<int>(shards_.size()); }

 private:
  // --- ShardDelivery: what every emit does on one shard. ---
  size_t shards() const override { return shards_.size(); }
  void PostToShard(size_t shard, std::function<void()> task) override;
  EmitToResult EmitToOnShard(size_t shard, const Emit& emit, std::vector<std::string>& ids) override;
  uint64_t BroadcastOnShard(size_t shard, const Selection& selection, const Emit& emit,
                            bool is_volatile) override;

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
