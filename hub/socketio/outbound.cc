#include "hub/socketio/outbound.h"

#include "absl/strings/str_cat.h"
#include "hub/base/strings.h"
#include "hub/base/utf8.h"
#include "hub/socketio/json.h"
#include "hub/socketio/packet.h"

namespace hub::socketio {
namespace {
constexpr size_t kMaxNamespaceBytes = 256;

// Counts {"_placeholder":true,"num":i} markers' highest index + 1 by a plain
// text search; a marker pointing past the attachments is refused.
absl::Status CheckPlaceholders(const std::vector<std::string>& args, size_t attachment_count) {
  for (const auto& arg : args) {
    size_t pos = 0;
    while ((pos = arg.find("\"_placeholder\"", pos)) != std::string::npos) {
      const size_t num = arg.find("\"num\"", pos);
      if (num == std::string::npos) break;
      size_t digits = arg.find_first_of("0123456789", num + 5);
      if (digits == std::string::npos) break;
      size_t index = 0;
      while (digits < arg.size() && arg[digits] >= '0' && arg[digits] <= '9') {
        index = index * 10 + static_cast<size_t>(arg[digits] - '0');
        if (index > 1000000) break;
        ++digits;
      }
      if (index >= attachment_count) {
        return absl::InvalidArgumentError(absl::StrCat(
            "placeholder num ", index, " has no attachment (", attachment_count, " given)"));
      }
      pos = digits;
    }
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::string> NormalizeNamespace(std::string_view nsp) {
  if (nsp.empty()) return std::string("/");
  if (nsp.front() != '/') return absl::InvalidArgumentError("namespace must start with '/'");
  if (nsp.size() > kMaxNamespaceBytes) {
    return absl::InvalidArgumentError("namespace is longer than 256 bytes");
  }
  for (unsigned char c : nsp) {
    if (c < 0x20 || c == 0x7f) return absl::InvalidArgumentError("namespace holds control characters");
  }
  if (!IsValidUtf8(nsp)) return absl::InvalidArgumentError("namespace is not valid UTF-8");
  return std::string(nsp);
}

absl::Status ValidateArgs(const std::vector<std::string>& args,
                          const std::vector<std::string>& attachments) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto s = ValidateJson(args[i]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("args[", i, "] is not valid JSON: ", s.message()));
    }
  }
  return CheckPlaceholders(args, attachments.size());
}

namespace {
EncodedPacket Frames(const Packet& packet, const std::vector<std::string>& attachments) {
  EncodedPacket encoded;
  encoded.frames.reserve(1 + attachments.size());
  encoded.frames.push_back(
      engineio::WireFrame::Text(engineio::PacketType::kMessage, EncodePacket(packet)));
  for (const auto& attachment : attachments) {
    encoded.frames.push_back(engineio::WireFrame::Binary(attachment));
  }
  return encoded;
}
}  // namespace

absl::StatusOr<EncodedPacket> EncodeServerEvent(std::string_view nsp, std::string_view event,
                                                const std::vector<std::string>& args,
                                                const std::vector<std::string>& attachments,
                                                std::optional<uint64_t> ack_id) {
  auto normalized = NormalizeNamespace(nsp);
  if (!normalized.ok()) return normalized.status();
  if (event.empty()) return absl::InvalidArgumentError("event name is empty");
  if (IsReservedEventName(event)) {
    return absl::InvalidArgumentError(absl::StrCat("event name '", ToAbsl(event), "' is reserved"));
  }
  if (!IsValidUtf8(event)) return absl::InvalidArgumentError("event name is not valid UTF-8");
  if (auto s = ValidateArgs(args, attachments); !s.ok()) return s;

  Packet packet;
  packet.type = attachments.empty() ? PacketType::kEvent : PacketType::kBinaryEvent;
  packet.nsp = *std::move(normalized);
  packet.id = ack_id;
  packet.attachments = static_cast<uint32_t>(attachments.size());
  AppendEventData(packet.data, event, args);
  return Frames(packet, attachments);
}

absl::StatusOr<EncodedPacket> EncodeServerAck(std::string_view nsp, uint64_t ack_id,
                                              const std::vector<std::string>& args,
                                              const std::vector<std::string>& attachments) {
  auto normalized = NormalizeNamespace(nsp);
  if (!normalized.ok()) return normalized.status();
  if (auto s = ValidateArgs(args, attachments); !s.ok()) return s;
  Packet packet;
  packet.type = attachments.empty() ? PacketType::kAck : PacketType::kBinaryAck;
  packet.nsp = *std::move(normalized);
  packet.id = ack_id;
  packet.attachments = static_cast<uint32_t>(attachments.size());
  // push_back, not `= "["`: GCC 12 warns about the literal assignment here
  // (-Wrestrict, a known false positive).
  packet.data.push_back('[');
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) packet.data.push_back(',');
    packet.data += args[i];
  }
  packet.data.push_back(']');
  return Frames(packet, attachments);
}

}  // namespace hub::socketio
