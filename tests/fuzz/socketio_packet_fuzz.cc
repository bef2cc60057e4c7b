// Fuzzes the Socket.IO packet decoder: an accepted packet must survive
// Encode → Decode unchanged, and event payloads must re-encode to
// something ParseEvent reads back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hub/socketio/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::socketio;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const DecodeLimits limits;

  absl::StatusOr<Packet> packet = DecodePacket(input, limits);
  if (!packet.ok()) return 0;
  if (packet->nsp.empty() || packet->nsp.front() != '/') std::abort();
  if (packet->attachments > limits.max_attachments) std::abort();

  absl::StatusOr<Packet> again = DecodePacket(EncodePacket(*packet), limits);
  if (!again.ok() || *again != *packet) std::abort();

  if (packet->type == PacketType::kEvent ||
      packet->type == PacketType::kBinaryEvent) {
    absl::StatusOr<EventView> event = ParseEvent(packet->data);
    if (event.ok()) {
      std::vector<std::string> args(event->args.begin(), event->args.end());
      std::string rebuilt;
      AppendEventData(rebuilt, event->name, args);
      absl::StatusOr<EventView> back = ParseEvent(rebuilt);
      if (!back.ok() || back->name != event->name ||
          back->args.size() != event->args.size()) {
        std::abort();
      }
      for (size_t i = 0; i < args.size(); ++i) {
        if (back->args[i] != args[i]) std::abort();
      }
      IsReservedEventName(event->name);
    }
  }
  return 0;
}
