#include "hub/cluster/adapter_wire.h"

#include <algorithm>
#include <cstdint>

#include "hub/cluster/json_msgpack.h"
#include "hub/cluster/msgpack_value.h"
#include "hub/socketio/json.h"

namespace hub::cluster {
namespace {

constexpr int kPacketEvent = 2;
constexpr int kPacketBinaryEvent = 5;

// Room names: strings, or numbers as JavaScript would print them.
std::vector<std::string> RoomList(const MsgValue* list) {
  std::vector<std::string> out;
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& item : list->items) {
    if (item.is_str()) {
      out.push_back(item.bytes);
    } else if (item.type == MsgValue::Type::kInt || item.type == MsgValue::Type::kDouble) {
      std::vector<std::string> ignored;
      out.push_back(ValueToJson(item, &ignored));
    }
  }
  return out;
}

}  // namespace

std::string BroadcastChannel(std::string_view nsp, const std::vector<std::string>& rooms) {
  std::string channel = std::string(kKeyPrefix) + "#" + std::string(nsp) + "#";
  if (rooms.size() == 1) channel += rooms.front() + "#";
  return channel;
}

std::string RequestChannel(std::string_view nsp) {
  return std::string(kKeyPrefix) + "-request#" + std::string(nsp) + "#";
}

absl::StatusOr<std::string> EncodeBroadcast(const BroadcastMessage& message) {
  MsgWriter w;
  w.Array(3).Str(message.uid);
  w.Map(3).Str("type").Int(kPacketEvent);
  w.Str("data").Array(static_cast<uint32_t>(message.args.size() + 1)).Str(message.event);
  for (const auto& arg : message.args) {
    if (auto status = AppendJsonAsMsgpack(arg, message.attachments, w); !status.ok()) return status;
  }
  w.Str("nsp").Str(message.nsp);
  const bool hub = !message.request_id.empty();
  w.Map(hub ? 4 : 3);
  w.Str("rooms").StrArray(message.rooms);
  w.Str("except").StrArray(message.except);
  w.Str("flags");
  if (message.is_volatile) {
    w.Map(1).Str("volatile").Bool(true);
  } else {
    w.Map(0);
  }
  if (hub) w.Str("hub").Map(2).Str("id").Str(message.request_id).Str("to").Bool(message.to_ids);
  return w.Take();
}

absl::StatusOr<BroadcastMessage> DecodeBroadcast(std::string_view bytes) {
  auto decoded = DecodeMsgpack(bytes);
  if (!decoded.ok()) return decoded.status();
  const MsgValue& root = *decoded;
  if (!root.is_array() || root.items.size() < 3 || !root.items[1].is_map()) {
    return absl::InvalidArgumentError("broadcast is not [uid, packet, opts]");
  }
  BroadcastMessage message;
  if (root.items[0].is_str()) message.uid = root.items[0].bytes;
  const MsgValue& packet = root.items[1];
  const int64_t type = packet.IntOr("type", -1);
  if (type != kPacketEvent && type != kPacketBinaryEvent) {
    return absl::InvalidArgumentError("broadcast packet is not an event");
  }
  message.nsp = packet.StrOr("nsp", "/");
  const MsgValue* data = packet.Find("data");
  if (data == nullptr || !data->is_array() || data->items.empty() || !data->items[0].is_str()) {
    return absl::InvalidArgumentError("broadcast packet has no event name");
  }
  message.event = data->items[0].bytes;
  for (size_t i = 1; i < data->items.size(); ++i) {
    message.args.push_back(ValueToJson(data->items[i], &message.attachments));
  }
  const MsgValue& opts = root.items[2];
  message.rooms = RoomList(opts.Find("rooms"));
  message.except = RoomList(opts.Find("except"));
  if (const MsgValue* flags = opts.Find("flags")) message.is_volatile = flags->BoolOr("volatile");
  if (const MsgValue* hub = opts.Find("hub"); hub != nullptr && hub->is_map()) {
    message.request_id = hub->StrOr("id");
    message.to_ids = hub->BoolOr("to");
  }
  return message;
}

std::string EncodeRoomsRequest(const AdapterRequest& request) {
  std::string out = "{\"uid\":";
  socketio::AppendJsonString(out, request.uid);
  out += ",\"type\":" + std::to_string(static_cast<int>(request.type));
  out += ",\"opts\":{\"rooms\":";
  socketio::AppendJsonStringArray(out, request.rooms);
  out += ",\"except\":";
  socketio::AppendJsonStringArray(out, request.except);
  out += '}';
  if (request.type == RequestType::kRemoteDisconnect) {
    out += request.close ? ",\"close\":true" : ",\"close\":false";
  } else {
    out += ",\"rooms\":";
    socketio::AppendJsonStringArray(out, request.names);
  }
  if (!request.request_id.empty()) {
    out += ",\"requestId\":";
    socketio::AppendJsonString(out, request.request_id);
  }
  if (request.from_hub) out += ",\"hub\":true";
  out += '}';
  return out;
}

absl::StatusOr<AdapterRequest> DecodeAdapterRequest(std::string_view bytes) {
  absl::StatusOr<MsgValue> decoded = !bytes.empty() && bytes[0] == '{' ? JsonToValue(bytes)
                                                                        : DecodeMsgpack(bytes);
  if (!decoded.ok()) return decoded.status();
  const MsgValue& root = *decoded;
  if (!root.is_map()) return absl::InvalidArgumentError("request is not an object");
  const int64_t type = root.IntOr("type", -1);
  if (type < static_cast<int>(RequestType::kSockets) || type > static_cast<int>(RequestType::kBroadcast)) {
    return absl::InvalidArgumentError("not a request type");
  }
  AdapterRequest request;
  request.type = static_cast<RequestType>(type);
  request.uid = root.StrOr("uid");
  request.request_id = root.StrOr("requestId");
  request.from_hub = root.BoolOr("hub");
  request.close = root.BoolOr("close");
  request.sid = root.StrOr("sid");
  request.room = root.StrOr("room");
  request.names = RoomList(root.Find("rooms"));
  const MsgValue* opts = root.Find("opts");
  const bool has_opts = opts != nullptr && opts->is_map();
  if (has_opts) {
    request.rooms = RoomList(opts->Find("rooms"));
    request.except = RoomList(opts->Find("except"));
  }
  switch (request.type) {
    case RequestType::kRemoteJoin:
    case RequestType::kRemoteLeave:
    case RequestType::kRemoteDisconnect:
      if (!has_opts && request.sid.empty()) return absl::InvalidArgumentError("request has neither opts nor sid");
      break;
    case RequestType::kRemoteFetch:
      if (!has_opts) return absl::InvalidArgumentError("fetch request without opts");
      break;
    case RequestType::kBroadcast: {
      const MsgValue* packet = root.Find("packet");
      const MsgValue* data = packet != nullptr ? packet->Find("data") : nullptr;
      if (!has_opts || data == nullptr || !data->is_array() || data->items.empty() || !data->items[0].is_str()) {
        return absl::InvalidArgumentError("broadcast request without opts or event");
      }
      request.event = data->items[0].bytes;
      for (size_t i = 1; i < data->items.size(); ++i) {
        request.args.push_back(ValueToJson(data->items[i], &request.attachments));
      }
      int64_t timeout = 0;
      const MsgValue* flags = opts->Find("flags");
      const MsgValue* value = flags != nullptr ? flags->Find("timeout") : nullptr;
      if (value == nullptr || !value->AsInt(&timeout) || timeout < 0) {
        return absl::InvalidArgumentError("broadcast request without a timeout");
      }
      // As long as the gRPC API's timeout_ms can be (32 bits).
      request.timeout = std::chrono::milliseconds(std::min<int64_t>(timeout, UINT32_MAX));
      break;
    }
    default:
      break;
  }
  return request;
}

}  // namespace hub::cluster
