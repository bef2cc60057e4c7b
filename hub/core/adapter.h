// The seam between the backend API and wherever sockets live: "deliver this
// emit to this selection", "change these sockets", "list them". HubCore
// implements it for the sockets of this process; a cluster adapter
// (hub/cluster/) implements it across replicas by wrapping the local one,
// as socket.io's in-memory and Redis adapters share one interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/core/ack_table.h"
#include "hub/core/selection.h"
#include "hub/socketio/socket.h"

namespace hub::core {

// A Socket.IO packet encoded once, shared by every local recipient.
using OutboundPacket = socketio::EncodedPacket;
using SharedPacket = std::shared_ptr<const OutboundPacket>;

// One validated backend emit: the event as the backend gave it (what a
// cluster adapter forwards to other replicas) and its local encoding.
struct Emit {
  std::string nsp;
  std::string event;
  std::vector<std::string> args;         // each one JSON value
  std::vector<std::string> attachments;  // binary, referenced by placeholders
  std::optional<uint64_t> ack_id;        // set for EmitWithAck
  SharedPacket packet;                   // encoded for `nsp` (with `ack_id`)
};
using SharedEmit = std::shared_ptr<const Emit>;

// Validates (namespace, event name, JSON args, placeholders) and encodes.
absl::StatusOr<SharedEmit> MakeEmit(std::string_view nsp, std::string event,
                                    std::vector<std::string> args,
                                    std::vector<std::string> attachments,
                                    std::optional<uint64_t> ack_id = std::nullopt);

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

// A socket with what its client sent at the handshake, as socket.io's
// fetchSockets describes it.
struct SocketDetails {
  SocketSummary summary;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
};

struct SocketPage {
  std::vector<SocketSummary> sockets;
  std::string next_page_token;  // empty on the last page
};

class EmitStream;  // emit_stream.h
struct StreamReport;

// Every `done` may run on any thread, exactly once.
class Adapter {
 public:
  virtual ~Adapter() = default;

  virtual void EmitTo(std::vector<std::string> socket_ids, SharedEmit emit,
                      std::function<void(EmitToResult)> done) = 0;
  virtual void Broadcast(Selection selection, SharedEmit emit, bool is_volatile,
                         std::function<void(uint64_t recipients)> done) = 0;
  // An ordered stream of EmitTo and Broadcast emits (the Publish RPC), each
  // socket receiving them in push order. By default each emit is one
  // EmitTo/Broadcast call; the local hub batches them per shard.
  virtual std::shared_ptr<EmitStream> OpenEmitStream(
      std::function<void(const StreamReport&)> on_report);

  // A fresh ack id for EmitWithAck, unique wherever the emit goes.
  virtual uint64_t NextAckId() = 0;
  // `emit` carries the ack id. One reply per selected socket: its ack, a
  // timeout after `timeout`, or a disconnect.
  virtual void EmitWithAck(Selection selection, SharedEmit emit, std::chrono::milliseconds timeout,
                           std::function<void(std::vector<AckReply>)> done) = 0;
  // Answers a client's event ack. NOT_FOUND for an unknown socket,
  // FAILED_PRECONDITION for an ack id the client is not owed.
  virtual void AnswerClientAck(std::string nsp, std::string socket_id, uint64_t ack_id,
                               std::vector<std::string> args, std::vector<std::string> attachments,
                               std::function<void(absl::Status)> done) = 0;

  // Joins (or leaves) rooms for every selected socket; reports how many.
  virtual void UpdateRooms(Selection selection, std::vector<std::string> rooms, bool join,
                           std::function<void(uint64_t sockets)> done) = 0;
  // Disconnects the selected sockets from their namespace, or closes their
  // whole connection; reports how many sockets were selected.
  virtual void Disconnect(Selection selection, bool close_connection,
                          std::function<void(uint64_t sockets)> done) = 0;
  // One page of the selected sockets.
  virtual void ListSockets(Selection selection, size_t page_size, std::string page_token,
                           std::function<void(absl::StatusOr<SocketPage>)> done) = 0;

  // True once a drain started: emits are refused with UNAVAILABLE.
  virtual bool draining() const = 0;
};

}  // namespace hub::core
