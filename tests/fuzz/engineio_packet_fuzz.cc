// Fuzzes the Engine.IO text packet and polling payload decoders. Anything
// they accept must re-encode to the exact input (the format has one spelling).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hub/engineio/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::engineio;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<Packet> packet = DecodeTextPacket(input);
  if (packet.ok()) {
    if (EncodeTextPacket(packet->type, packet->data) != input) std::abort();
    PacketTypeName(packet->type);
  }

  absl::StatusOr<std::vector<Packet>> packets = DecodePayload(input, 64);
  if (packets.ok()) {
    if (packets->empty() || packets->size() > 64) std::abort();
    if (EncodePayload(*packets) != input) std::abort();
  }

  Packet binary = DecodeBinaryPacket(input);
  if (!binary.binary || binary.data != input) std::abort();
  return 0;
}
