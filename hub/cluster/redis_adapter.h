// core::Adapter across replicas: each command runs on this replica's own
// HubCore and is published through Redis to the others, which run it on
// theirs and answer; the command completes when every live replica has
// answered (or the request timed out). Broadcasts and room/disconnect
// requests use the @socket.io/redis-adapter format, so Node servers and
// emitters on the same Redis take part (and RequestResponder answers their
// requests); the rest uses hub-cluster# channels.
#pragma once

#include <memory>
#include <string>

#include "hub/cluster/adapter_wire.h"
#include "hub/cluster/cluster_bus.h"
#include "hub/cluster/request_responder.h"
#include "hub/core/gather.h"
#include "hub/core/hub_core.h"

namespace hub::cluster {

class RedisAdapter : public core::Adapter {
 public:
  // `path`: the Socket.IO path (socket.io servers' fetchSockets shows it).
  RedisAdapter(core::HubCore& local, ClusterBus& bus, std::string path);

  // Cluster thread: a message on a socket.io# / socket.io-request# /
  // hub-cluster# request channel.
  void OnMessage(const std::string& channel, std::string_view payload);

  // --- core::Adapter ---
  void EmitTo(std::vector<std::string> socket_ids, core::SharedEmit emit,
              std::function<void(core::EmitToResult)> done) override;
  void Broadcast(core::Selection selection, core::SharedEmit emit, bool is_volatile,
                 std::function<void(uint64_t recipients)> done) override;
  // From this replica's one counter, which also numbers the emits it makes
  // for other replicas and for socket.io servers: every ack id in its ack
  // table is its own, so ids from different requesters never meet there.
  uint64_t NextAckId() override;
  void EmitWithAck(core::Selection selection, core::SharedEmit emit, std::chrono::milliseconds timeout,
                   std::function<void(std::vector<core::AckReply>)> done) override;
  void AnswerClientAck(std::string nsp, std::string socket_id, uint64_t ack_id,
                       std::vector<std::string> args, std::vector<std::string> attachments,
                       std::function<void(absl::Status)> done) override;
  void UpdateRooms(core::Selection selection, std::vector<std::string> rooms, bool join,
                   std::function<void(uint64_t sockets)> done) override;
  void Disconnect(core::Selection selection, bool close_connection,
                  std::function<void(uint64_t sockets)> done) override;
  // Ordered by replica uid, then as the replica orders its own sockets; the
  // token is "<uid>~<that replica's token>".
  void ListSockets(core::Selection selection, size_t page_size, std::string page_token,
                   std::function<void(absl::StatusOr<core::SocketPage>)> done) override;
  bool draining() const override { return local_.draining(); }

 private:
  struct ListState;
  // Publishes `message` as a socket.io broadcast and, when hub peers are
  // alive, awaits their counts. Cluster thread.
  void PublishBroadcast(BroadcastMessage message, ClusterBus::OnAnswer on_answer,
                        std::function<void()> on_done);
  void ListNext(std::shared_ptr<ListState> state, size_t index, std::string local_token);
  void ListAppend(std::shared_ptr<ListState> state, size_t index, std::vector<core::SocketSummary> sockets,
                  const std::string& next_local_token);
  void Reply(const std::string& to, const std::string& id, MsgWriter& fields, uint32_t field_count);
  // The same; `done(true)` once Redis has passed the answer on.
  void ReplyConfirmed(const std::string& to, const std::string& id, MsgWriter& fields, uint32_t field_count,
                      std::function<void(bool delivered)> done);
  // Sends a join/leave/disconnect request to every replica and completes
  // slot 1 of `gather` with the sockets the peers report. Any thread.
  void RequestCountFromPeers(const std::string& nsp, AdapterRequest request, const char* kind,
                             std::shared_ptr<core::Gather<uint64_t>> gather);

  void OnBroadcast(std::string_view payload);
  void OnHubRequest(std::string_view payload);

  core::HubCore& local_;
  ClusterBus& bus_;
  RequestResponder responder_;
};

}  // namespace hub::cluster
