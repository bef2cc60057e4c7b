#include "hub/engineio/packet.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "hub/engineio/base64.h"

namespace hub::engineio {
namespace {

constexpr char kTypeDigitMax = '0' + static_cast<char>(PacketType::kNoop);

void AppendPacket(std::string& out, const Packet& packet) {
  if (packet.binary) {
    out.push_back('b');
    out.append(Base64Encode(packet.data));
    return;
  }
  out.push_back(static_cast<char>('0' + static_cast<uint8_t>(packet.type)));
  out.append(packet.data);
}

}  // namespace

absl::StatusOr<Packet> DecodeTextPacket(std::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("engine.io: empty packet");
  }
  const char c = text.front();
  if (c < '0' || c > kTypeDigitMax) {
    return absl::InvalidArgumentError("engine.io: unknown packet type");
  }
  Packet packet;
  packet.type = static_cast<PacketType>(c - '0');
  packet.data.assign(text.substr(1));
  return packet;
}

Packet DecodeBinaryPacket(std::string_view bytes) {
  Packet packet;
  packet.type = PacketType::kMessage;
  packet.binary = true;
  packet.data.assign(bytes);
  return packet;
}

std::string EncodeTextPacket(PacketType type, std::string_view data) {
  std::string out;
  out.reserve(1 + data.size());
  out.push_back(static_cast<char>('0' + static_cast<uint8_t>(type)));
  out.append(data);
  return out;
}

absl::StatusOr<std::vector<Packet>> DecodePayload(std::string_view body,
                                                  size_t max_packets) {
  std::vector<Packet> packets;
  size_t start = 0;
  while (true) {
    if (packets.size() >= max_packets) {
      return absl::InvalidArgumentError(absl::StrCat(
          "engine.io: payload has more than ", max_packets, " packets"));
    }
    size_t end = body.find(kRecordSeparator, start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view record = body.substr(start, end - start);
    if (!record.empty() && record.front() == 'b') {
      absl::StatusOr<std::string> bytes = Base64Decode(record.substr(1));
      if (!bytes.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "engine.io: bad binary packet in payload: ",
            bytes.status().message()));
      }
      Packet packet;
      packet.binary = true;
      packet.data = *std::move(bytes);
      packets.push_back(std::move(packet));
    } else {
      absl::StatusOr<Packet> packet = DecodeTextPacket(record);
      if (!packet.ok()) return packet.status();
      packets.push_back(*std::move(packet));
    }
    if (end == body.size()) break;
    start = end + 1;
  }
  return packets;
}

std::string EncodePayload(const std::vector<Packet>& packets) {
  size_t size = 0;
  for (const Packet& p : packets) {
    size += 2 + (p.binary ? (p.data.size() + 2) / 3 * 4 : p.data.size());
  }
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < packets.size(); ++i) {
    if (i > 0) out.push_back(kRecordSeparator);
    AppendPacket(out, packets[i]);
  }
  return out;
}

std::string_view PacketTypeName(PacketType type) {
  switch (type) {
    case PacketType::kOpen:
      return "open";
    case PacketType::kClose:
      return "close";
    case PacketType::kPing:
      return "ping";
    case PacketType::kPong:
      return "pong";
    case PacketType::kMessage:
      return "message";
    case PacketType::kUpgrade:
      return "upgrade";
    case PacketType::kNoop:
      return "noop";
  }
  return "unknown";
}

}  // namespace hub::engineio
