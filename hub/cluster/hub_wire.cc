#include "hub/cluster/hub_wire.h"

namespace hub::cluster {
namespace {

std::vector<std::string> ReadStrings(const MsgValue* value) {
  std::vector<std::string> out;
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : value->items) {
    if (item.type == MsgValue::Type::kStr || item.type == MsgValue::Type::kBin) out.push_back(item.bytes);
  }
  return out;
}

void WritePairs(MsgWriter& w, const std::vector<std::pair<std::string, std::string>>& pairs) {
  w.Array(static_cast<uint32_t>(pairs.size() * 2));
  for (const auto& [key, value] : pairs) w.Str(key).Str(value);
}

std::vector<std::pair<std::string, std::string>> ReadPairs(const MsgValue* value) {
  std::vector<std::string> flat = ReadStrings(value);
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) out.emplace_back(flat[i], flat[i + 1]);
  return out;
}

}  // namespace

std::string HubRequestChannel() { return std::string(kHubPrefix) + "req#"; }
std::string HubDirectChannel(std::string_view uid) { return std::string(kHubPrefix) + std::string(uid) + "#"; }
std::string HubEventsChannel() { return std::string(kHubPrefix) + "events#"; }
std::string HubHeartbeatChannel() { return std::string(kHubPrefix) + "heartbeat#"; }

MsgWriter& BeginMessage(MsgWriter& w, uint32_t fields, std::string_view type, std::string_view id,
                        std::string_view from) {
  return w.Map(fields + 3).Str("t").Str(type).Str("id").Str(id).Str("from").Str(from);
}

std::string EncodeAnswer(std::string_view id, std::string_view from, MsgWriter& fields, uint32_t field_count) {
  MsgWriter w;
  BeginMessage(w, field_count, "answer", id, from).Raw(fields.out());
  return std::move(w.out());
}

void WriteSelection(MsgWriter& w, const core::Selection& s) {
  w.Map(5);
  w.Str("nsp").Str(s.nsp);
  w.Str("ids").StrArray(s.socket_ids);
  w.Str("rooms").StrArray(s.rooms);
  w.Str("xrooms").StrArray(s.except_rooms);
  w.Str("xids").StrArray(s.except_socket_ids);
}

core::Selection ReadSelection(const MsgValue& v) {
  core::Selection s;
  s.nsp = v.StrOr("nsp", "/");
  s.socket_ids = v.Strings("ids");
  s.rooms = v.Strings("rooms");
  s.except_rooms = v.Strings("xrooms");
  s.except_socket_ids = v.Strings("xids");
  return s;
}

void WriteSockets(MsgWriter& w, const std::vector<core::SocketSummary>& sockets) {
  w.Array(static_cast<uint32_t>(sockets.size()));
  for (const auto& s : sockets) {
    w.Map(7);
    w.Str("id").Str(s.id);
    w.Str("nsp").Str(s.nsp);
    w.Str("rooms").StrArray(s.rooms);
    w.Str("transport").Str(s.transport);
    w.Str("addr").Str(s.remote_address);
    w.Str("at").Int(s.connected_at_ms);
    w.Str("auth").Str(s.auth);
  }
}

std::vector<core::SocketSummary> ReadSockets(const MsgValue* value) {
  std::vector<core::SocketSummary> out;
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : value->items) {
    core::SocketSummary s;
    s.id = item.StrOr("id");
    s.nsp = item.StrOr("nsp", "/");
    s.rooms = item.Strings("rooms");
    s.transport = item.StrOr("transport");
    s.remote_address = item.StrOr("addr");
    s.connected_at_ms = item.IntOr("at");
    s.auth = item.StrOr("auth");
    out.push_back(std::move(s));
  }
  return out;
}

void WriteAckReplies(MsgWriter& w, const std::vector<core::AckReply>& replies) {
  w.Array(static_cast<uint32_t>(replies.size()));
  for (const auto& r : replies) {
    w.Map(4);
    w.Str("sid").Str(r.socket_id);
    w.Str("outcome").Int(static_cast<int>(r.outcome));
    w.Str("args").StrArray(r.args);
    w.Str("att").BinArray(r.attachments);
  }
}

std::vector<core::AckReply> ReadAckReplies(const MsgValue* value) {
  std::vector<core::AckReply> out;
  if (value == nullptr || !value->is_array()) return out;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& item : value->items) {
    core::AckReply r;
    r.socket_id = item.StrOr("sid");
    const int64_t outcome = item.IntOr("outcome", static_cast<int>(core::AckOutcome::kTimeout));
    r.outcome = outcome == static_cast<int>(core::AckOutcome::kOk)             ? core::AckOutcome::kOk
                : outcome == static_cast<int>(core::AckOutcome::kDisconnected) ? core::AckOutcome::kDisconnected
                                                                               : core::AckOutcome::kTimeout;
    // Latency is measured where the answer arrives back at the requester.
    r.settled_at = now;
    r.args = ReadStrings(item.Find("args"));
    r.attachments = ReadStrings(item.Find("att"));
    out.push_back(std::move(r));
  }
  return out;
}

std::string EncodeClusterEvent(const ClusterEvent& event) {
  const core::ClientEventRecord& r = event.record;
  MsgWriter w;
  w.Map(16);
  w.Str("origin").Str(event.origin);
  w.Str("seq").Uint(event.seq);
  w.Str("kind").Int(static_cast<int>(r.kind));
  w.Str("sid").Str(r.socket_id);
  w.Str("nsp").Str(r.nsp);
  w.Str("ts").Int(r.timestamp_ms);
  w.Str("auth").Str(r.auth);
  w.Str("query");
  WritePairs(w, r.query);
  w.Str("headers");
  WritePairs(w, r.headers);
  w.Str("addr").Str(r.remote_address);
  w.Str("transport").Str(r.transport);
  w.Str("reason").Str(r.reason);
  w.Str("event").Str(r.event);
  w.Str("args").StrArray(r.args);
  w.Str("att").BinArray(r.attachments);
  w.Str("ack");
  if (r.ack_id) {
    w.Uint(*r.ack_id);
  } else {
    w.Nil();
  }
  return w.Take();
}

absl::StatusOr<ClusterEvent> DecodeClusterEvent(std::string_view bytes) {
  auto decoded = DecodeMsgpack(bytes);
  if (!decoded.ok()) return decoded.status();
  const MsgValue& v = *decoded;
  if (!v.is_map()) return absl::InvalidArgumentError("event is not a map");
  ClusterEvent event;
  event.origin = v.StrOr("origin");
  event.seq = static_cast<uint64_t>(v.IntOr("seq"));
  core::ClientEventRecord& r = event.record;
  const int64_t kind = v.IntOr("kind", -1);
  if (kind < 0 || kind > static_cast<int>(core::ClientEventRecord::Kind::kEvent)) {
    return absl::InvalidArgumentError("unknown event kind");
  }
  r.kind = static_cast<core::ClientEventRecord::Kind>(kind);
  r.socket_id = v.StrOr("sid");
  r.nsp = v.StrOr("nsp", "/");
  r.timestamp_ms = v.IntOr("ts");
  r.auth = v.StrOr("auth");
  r.query = ReadPairs(v.Find("query"));
  r.headers = ReadPairs(v.Find("headers"));
  r.remote_address = v.StrOr("addr");
  r.transport = v.StrOr("transport");
  r.reason = v.StrOr("reason");
  r.event = v.StrOr("event");
  r.args = ReadStrings(v.Find("args"));
  r.attachments = ReadStrings(v.Find("att"));
  if (const MsgValue* ack = v.Find("ack"); ack != nullptr && ack->type == MsgValue::Type::kInt) {
    r.ack_id = ack->is_unsigned ? ack->uint : static_cast<uint64_t>(ack->integer);
  }
  return event;
}

std::string EncodeHeartbeat(const Heartbeat& h) {
  MsgWriter w;
  w.Map(4);
  w.Str("from").Str(h.uid);
  w.Str("bye").Bool(h.bye);
  w.Str("subs").Uint(h.ungrouped);
  w.Str("groups").Map(static_cast<uint32_t>(h.groups.size()));
  for (const auto& [name, members] : h.groups) w.Str(name).Uint(members);
  return w.Take();
}

absl::StatusOr<Heartbeat> DecodeHeartbeat(std::string_view bytes) {
  auto decoded = DecodeMsgpack(bytes);
  if (!decoded.ok()) return decoded.status();
  const MsgValue& v = *decoded;
  Heartbeat h;
  h.uid = v.StrOr("from");
  if (h.uid.empty()) return absl::InvalidArgumentError("heartbeat without sender");
  h.bye = v.BoolOr("bye");
  h.ungrouped = static_cast<uint64_t>(v.IntOr("subs"));
  if (const MsgValue* groups = v.Find("groups"); groups != nullptr && groups->is_map()) {
    for (const auto& [key, value] : groups->entries) {
      int64_t n = 0;
      if (key.is_str() && value.AsInt(&n) && n > 0) h.groups[key.bytes] = static_cast<uint64_t>(n);
    }
  }
  return h;
}

}  // namespace hub::cluster
