// The hub's core: the shards and the commands backends run across them.
// Each command is posted to the shards that may hold its targets and
// completes, by countdown, when the last of them has answered.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/config/config.h"
#include "hub/core/client_event.h"
#include "hub/core/shard.h"
#include "hub/engineio/server.h"
#include "hub/socketio/outbound.h"
#include "metrics/metrics.h"

namespace hub::core {

// A Socket.IO packet encoded once, shared by every recipient.
using OutboundPacket = socketio::EncodedPacket;

// Validates a backend's event and encodes it for `nsp`.
absl::StatusOr<OutboundPacket> EncodeEvent(std::string_view nsp, std::string_view event,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& attachments);
// "" → "/"; refuses malformed namespaces.
absl::StatusOr<std::string> NormalizeNamespace(std::string_view nsp);

struct EmitToResult {
  uint64_t recipients = 0;
  std::vector<std::string> missing;
};

class HubCore {
 public:
  HubCore(const Config& config, metrics::Metrics& metrics, ClientEventSink& sink);
  ~HubCore();

  // Opens the Socket.IO listener on every shard and starts the shard threads.
  // Returns the bound port.
  absl::StatusOr<uint16_t> Start();

  // `done` runs on a shard thread.
  void EmitTo(std::string nsp, std::vector<std::string> socket_ids,
              std::shared_ptr<const OutboundPacket> packet, std::function<void(EmitToResult)> done);
  void Broadcast(std::string nsp, std::shared_ptr<const OutboundPacket> packet, bool is_volatile,
                 std::function<void(uint64_t recipients)> done);

  // Refuses new handshakes, closes every connection at the Engine.IO level
  // (after flushing queued packets) and waits up to `grace` for them to end.
  // Returns how many connections were open when the drain started.
  uint64_t Drain(std::chrono::milliseconds grace);
  bool draining() const { return server_state_.draining.load(); }
  // Stops every shard thread.
  void Stop();

  int shard_count() const { return static_cast<int>(shards_.size()); }

 private:
  const Config& config_;
  engineio::ServerState server_state_;
  engineio::ServerOptions server_options_;
  socketio::ClientOptions client_options_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace hub::core
