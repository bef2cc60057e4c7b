#include "hub/socketio/packet.h"

#include <array>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "hub/base/utf8.h"
#include "hub/socketio/json.h"

namespace hub::socketio {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Debian's abseil keeps its own absl::string_view (not std::string_view), so
// std::string_view pieces are turned into std::string before StrCat.
absl::Status Error(std::string_view what) {
  return absl::InvalidArgumentError("socket.io: " + std::string(what));
}

// Parses the run of decimal digits at text[pos..], advancing pos. Returns
// nullopt (with pos unchanged) when there is no digit; sets `overflow` when
// the number does not fit uint64.
std::optional<uint64_t> ParseDigits(std::string_view text, size_t& pos,
                                    bool& overflow) {
  overflow = false;
  if (pos >= text.size() || !IsDigit(text[pos])) return std::nullopt;
  uint64_t value = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  while (pos < text.size() && IsDigit(text[pos])) {
    const auto digit = static_cast<uint64_t>(text[pos] - '0');
    if (value > (kMax - digit) / 10) overflow = true;
    value = value * 10 + digit;  // unsigned wrap is defined; result unused
    ++pos;
  }
  return value;
}

bool AllowsAckId(PacketType type) {
  return type == PacketType::kEvent || type == PacketType::kAck ||
         type == PacketType::kBinaryEvent || type == PacketType::kBinaryAck;
}

absl::Status ValidatePayload(PacketType type, std::string_view data) {
  switch (type) {
    case PacketType::kConnect: {
      if (data.empty()) return absl::OkStatus();
      absl::StatusOr<JsonKind> kind = JsonKindOf(data);
      if (!kind.ok()) return kind.status();
      if (*kind != JsonKind::kObject) {
        return Error("CONNECT payload must be an object");
      }
      return absl::OkStatus();
    }
    case PacketType::kDisconnect:
      if (!data.empty()) return Error("DISCONNECT must not have a payload");
      return absl::OkStatus();
    case PacketType::kEvent:
    case PacketType::kBinaryEvent: {
      absl::StatusOr<std::vector<std::string_view>> items =
          SplitJsonArray(data);
      if (!items.ok()) return items.status();
      if (items->empty() || items->front().front() != '"') {
        return Error("event payload must start with the event name");
      }
      return absl::OkStatus();
    }
    case PacketType::kAck:
    case PacketType::kBinaryAck: {
      absl::StatusOr<JsonKind> kind = JsonKindOf(data);
      if (!kind.ok()) return kind.status();
      if (*kind != JsonKind::kArray) {
        return Error("ack payload must be an array");
      }
      return absl::OkStatus();
    }
    case PacketType::kConnectError: {
      absl::StatusOr<JsonKind> kind = JsonKindOf(data);
      if (!kind.ok()) return kind.status();
      if (*kind != JsonKind::kObject && *kind != JsonKind::kString) {
        return Error("CONNECT_ERROR payload must be an object or a string");
      }
      return absl::OkStatus();
    }
  }
  return Error("unknown packet type");
}

std::string_view TrimWs(std::string_view s) {
  const auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::Status ValidateNamespace(std::string_view nsp, size_t max_bytes) {
  if (nsp.size() > max_bytes) {
    return Error(absl::StrCat("namespace longer than ", max_bytes, " bytes"));
  }
  for (char c : nsp) {
    const auto b = static_cast<uint8_t>(c);
    if (b < 0x20 || b == 0x7F) {
      return Error("control character in namespace");
    }
  }
  if (!IsValidUtf8(nsp)) return Error("namespace is not valid UTF-8");
  return absl::OkStatus();
}

absl::StatusOr<Packet> DecodePacket(std::string_view text,
                                    const DecodeLimits& limits) {
  if (text.empty()) return Error("empty packet");
  if (text[0] < '0' || text[0] > '6') return Error("unknown packet type");
  Packet packet;
  packet.type = static_cast<PacketType>(text[0] - '0');
  size_t pos = 1;

  if (IsBinaryType(packet.type)) {
    bool overflow = false;
    const std::optional<uint64_t> n = ParseDigits(text, pos, overflow);
    if (!n.has_value() || pos >= text.size() || text[pos] != '-') {
      return Error("binary packet without an attachment count");
    }
    if (overflow || *n > limits.max_attachments ||
        *n > std::numeric_limits<uint32_t>::max()) {
      return Error(absl::StrCat("more than ", limits.max_attachments,
                                " attachments"));
    }
    packet.attachments = static_cast<uint32_t>(*n);
    ++pos;  // '-'
  }

  if (pos < text.size() && text[pos] == '/') {
    size_t end = text.find(',', pos);
    const bool has_comma = end != std::string_view::npos;
    if (!has_comma) end = text.size();
    const std::string_view nsp = text.substr(pos, end - pos);
    if (absl::Status s = ValidateNamespace(nsp, limits.max_nsp_bytes);
        !s.ok()) {
      return s;
    }
    packet.nsp.assign(nsp);
    pos = has_comma ? end + 1 : end;
  }

  {
    bool overflow = false;
    const std::optional<uint64_t> id = ParseDigits(text, pos, overflow);
    if (id.has_value()) {
      if (!AllowsAckId(packet.type)) {
        return Error(std::string(PacketTypeName(packet.type)) +
                     " packet must not carry an ack id");
      }
      if (overflow) return Error("ack id does not fit 64 bits");
      packet.id = *id;
    }
  }

  const std::string_view data = TrimWs(text.substr(pos));
  if (absl::Status s = ValidatePayload(packet.type, data); !s.ok()) return s;
  packet.data.assign(data);
  return packet;
}

std::string EncodePacket(const Packet& packet) {
  std::string out;
  out.reserve(packet.nsp.size() + packet.data.size() + 24);
  out.push_back(static_cast<char>('0' + static_cast<uint8_t>(packet.type)));
  if (IsBinaryType(packet.type)) {
    absl::StrAppend(&out, packet.attachments, "-");
  }
  if (!packet.nsp.empty() && packet.nsp != "/") {
    absl::StrAppend(&out, packet.nsp, ",");
  }
  if (packet.id.has_value()) absl::StrAppend(&out, *packet.id);
  out.append(packet.data);
  return out;
}

std::string_view PacketTypeName(PacketType type) {
  switch (type) {
    case PacketType::kConnect:
      return "CONNECT";
    case PacketType::kDisconnect:
      return "DISCONNECT";
    case PacketType::kEvent:
      return "EVENT";
    case PacketType::kAck:
      return "ACK";
    case PacketType::kConnectError:
      return "CONNECT_ERROR";
    case PacketType::kBinaryEvent:
      return "BINARY_EVENT";
    case PacketType::kBinaryAck:
      return "BINARY_ACK";
  }
  return "UNKNOWN";
}

absl::StatusOr<EventView> ParseEvent(std::string_view data) {
  absl::StatusOr<std::vector<std::string_view>> items = SplitJsonArray(data);
  if (!items.ok()) return items.status();
  if (items->empty()) return Error("event payload is an empty array");
  absl::StatusOr<std::string> name = DecodeJsonString(items->front());
  if (!name.ok()) {
    return Error(absl::StrCat("bad event name: ", name.status().message()));
  }
  EventView view;
  view.name = *std::move(name);
  view.args.assign(items->begin() + 1, items->end());
  return view;
}

void AppendEventData(std::string& out, std::string_view name,
                     const std::vector<std::string>& args_json) {
  out.push_back('[');
  AppendJsonString(out, name);
  for (const std::string& arg : args_json) {
    out.push_back(',');
    out.append(arg);
  }
  out.push_back(']');
}

bool IsReservedEventName(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kReserved = {
      "connect",       "connect_error", "disconnect",
      "disconnecting", "newListener",   "removeListener"};
  for (std::string_view reserved : kReserved) {
    if (name == reserved) return true;
  }
  return false;
}

}  // namespace hub::socketio
