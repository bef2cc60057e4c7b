// Engine.IO protocol v4 packet codec: one packet per WebSocket frame, or a
// batch of packets separated by 0x1E in an HTTP long-polling body.
// Pure functions from bytes to values; the session layer decides what to do.
#ifndef HUB_ENGINEIO_PACKET_H_
#define HUB_ENGINEIO_PACKET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::engineio {

enum class PacketType : uint8_t {
  kOpen = 0,
  kClose = 1,
  kPing = 2,
  kPong = 3,
  kMessage = 4,
  kUpgrade = 5,
  kNoop = 6,
};

struct Packet {
  PacketType type = PacketType::kMessage;
  bool binary = false;  // only meaningful for kMessage
  std::string data;

  friend bool operator==(const Packet&, const Packet&) = default;
};

// The record separator between packets of a polling payload.
inline constexpr char kRecordSeparator = '\x1e';

// WebSocket text frame: "<type digit><data>". Empty input or a type outside
// 0..6 is an error.
absl::StatusOr<Packet> DecodeTextPacket(std::string_view text);

// WebSocket binary frame: in v4 it is always a binary MESSAGE, no type byte.
Packet DecodeBinaryPacket(std::string_view bytes);

std::string EncodeTextPacket(PacketType type, std::string_view data);

// HTTP long-polling body. Each record is a text packet, or 'b' + base64 for a
// binary message. Empty bodies, empty records, and more than `max_packets`
// records are errors (the reference server closes the session on these).
absl::StatusOr<std::vector<Packet>> DecodePayload(std::string_view body,
                                                  size_t max_packets);

// Binary packets are always written as binary messages ('b' + base64); the
// caller must not put 0x1E inside the data of a text packet, as the text
// transport has no escape for it (the JSON encoder never emits a raw 0x1E).
std::string EncodePayload(const std::vector<Packet>& packets);

// "open", "close", ... as in the protocol documentation; for logs and metrics.
std::string_view PacketTypeName(PacketType type);

}  // namespace hub::engineio

#endif  // HUB_ENGINEIO_PACKET_H_
