// Socket.IO protocol v5 packet codec: the text carried in one Engine.IO
// message, "<type>[<attachments>-][<nsp>,][<ack id>][<json>]", plus helpers
// for the ["event", args...] payload. Validation follows the reference parser.
#ifndef HUB_SOCKETIO_PACKET_H_
#define HUB_SOCKETIO_PACKET_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::socketio {

enum class PacketType : uint8_t {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

struct Packet {
  PacketType type = PacketType::kEvent;
  std::string nsp = "/";
  std::optional<uint64_t> id;  // ack id
  uint32_t attachments = 0;    // only for binary types
  std::string data;            // raw JSON text of the payload, "" when absent

  friend bool operator==(const Packet&, const Packet&) = default;
};

struct DecodeLimits {
  size_t max_attachments = 10;
  size_t max_nsp_bytes = 256;
};

// Rules, per packet type, for the JSON after the header:
//   CONNECT: absent or an object        DISCONNECT: absent
//   EVENT, BINARY_EVENT: a non-empty array whose first element is a string
//   ACK, BINARY_ACK: an array            CONNECT_ERROR: an object or a string
// An ack id (decimal, must fit uint64) only on event and ack types. The
// namespace starts with '/', has no control characters, is valid UTF-8 and
// at most max_nsp_bytes. Binary types need "<n>-" with n <= max_attachments.
// `data` is stored with surrounding whitespace removed.
absl::StatusOr<Packet> DecodePacket(std::string_view text,
                                    const DecodeLimits& limits);

// The rules DecodePacket applies to a namespace (which starts with '/'): at most
// `max_bytes`, no control characters, valid UTF-8.
absl::Status ValidateNamespace(std::string_view nsp, size_t max_bytes);

// Inverse of DecodePacket: the "/" namespace is omitted, any other is written
// as "<nsp>," before the ack id.
std::string EncodePacket(const Packet& packet);

std::string_view PacketTypeName(PacketType type);

inline bool IsBinaryType(PacketType type) {
  return type == PacketType::kBinaryEvent || type == PacketType::kBinaryAck;
}

struct EventView {
  std::string name;
  std::vector<std::string_view> args;  // raw JSON slices into the data
};

// ["name", arg...] → name decoded, args as raw slices.
absl::StatusOr<EventView> ParseEvent(std::string_view data);

// Writes ["name",a1,a2]; the args must already be valid JSON.
void AppendEventData(std::string& out, std::string_view name,
                     const std::vector<std::string>& args_json);

// Names the reference server refuses to emit, because they collide with
// events the library itself raises.
bool IsReservedEventName(std::string_view name);

}  // namespace hub::socketio

#endif  // HUB_SOCKETIO_PACKET_H_
