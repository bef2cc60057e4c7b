#include "hub/cluster/adapter_responses.h"

#include <ctime>
#include <map>

#include "hub/cluster/adapter_wire.h"
#include "hub/cluster/json_msgpack.h"
#include "hub/cluster/msgpack_value.h"
#include "hub/socketio/json.h"

namespace hub::cluster {
namespace {

constexpr int kServerSideEmit = static_cast<int>(RequestType::kServerSideEmit);
constexpr int kClientCount = static_cast<int>(RequestType::kBroadcastClientCount);
constexpr int kBroadcastAck = static_cast<int>(RequestType::kBroadcastAck);

using Pairs = std::vector<std::pair<std::string, std::string>>;

// {"requestId":"<id>"  (the caller closes the object)
std::string Begin(std::string_view request_id) {
  std::string out = "{\"requestId\":";
  socketio::AppendJsonString(out, request_id);
  return out;
}

// {"key":<value>,...} in the map's (sorted) order; `append_value` writes
// each value.
template <typename Map, typename AppendValue>
void AppendObject(std::string& out, const Map& map, AppendValue append_value) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : map) {
    if (!first) out += ',';
    first = false;
    socketio::AppendJsonString(out, key);
    out += ':';
    append_value(value);
  }
  out += '}';
}

// Node joins repeated request headers with ", ".
void AppendHeaders(std::string& out, const Pairs& headers) {
  std::map<std::string, std::string> joined;
  for (const auto& [name, value] : headers) {
    auto [it, fresh] = joined.emplace(name, value);
    if (!fresh) it->second += ", " + value;
  }
  AppendObject(out, joined, [&out](const std::string& value) { socketio::AppendJsonString(out, value); });
}

// Node's query parser: a repeated key becomes an array of its values.
void AppendQuery(std::string& out, const Pairs& query) {
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& [key, value] : query) values[key].push_back(value);
  AppendObject(out, values, [&out](const std::vector<std::string>& list) {
    if (list.size() == 1) {
      socketio::AppendJsonString(out, list.front());
    } else {
      socketio::AppendJsonStringArray(out, list);
    }
  });
}

void AppendPercentEncoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

// The handshake request's url, rebuilt from the path and the query.
std::string HandshakeUrl(std::string_view path, const Pairs& query) {
  std::string url(path);
  for (size_t i = 0; i < query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    AppendPercentEncoded(url, query[i].first);
    url += '=';
    AppendPercentEncoded(url, query[i].second);
  }
  return url;
}

// What JavaScript's Date.prototype.toString prints, in UTC.
std::string DateString(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];
  const size_t n = std::strftime(text, sizeof(text), "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &utc);
  return std::string(text, n);
}

// "<ip>:<port>" -> "<ip>", as Node reports a peer (IPv6 unbracketed).
std::string_view AddressOnly(std::string_view address) {
  const size_t colon = address.rfind(':');
  return colon == std::string_view::npos ? address : address.substr(0, colon);
}

bool HasHeader(const Pairs& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return true;
  }
  return false;
}

}  // namespace

std::string ResponseChannel(std::string_view nsp) {
  return std::string(kKeyPrefix) + "-response#" + std::string(nsp) + "#";
}

std::string EncodeSocketIdsResponse(std::string_view request_id, const std::vector<std::string>& ids) {
  std::string out = Begin(request_id);
  out += ",\"sockets\":";
  socketio::AppendJsonStringArray(out, ids);
  out += '}';
  return out;
}

std::string EncodeAllRoomsResponse(std::string_view request_id, const std::vector<std::string>& rooms) {
  std::string out = Begin(request_id);
  out += ",\"rooms\":";
  socketio::AppendJsonStringArray(out, rooms);
  out += '}';
  return out;
}

std::string EncodeFetchResponse(std::string_view request_id, const std::vector<core::SocketDetails>& sockets,
                                std::string_view path) {
  std::string out = Begin(request_id);
  out += ",\"sockets\":[";
  for (size_t i = 0; i < sockets.size(); ++i) {
    const core::SocketSummary& s = sockets[i].summary;
    if (i > 0) out += ',';
    out += "{\"id\":";
    socketio::AppendJsonString(out, s.id);
    out += ",\"handshake\":{\"headers\":";
    AppendHeaders(out, sockets[i].headers);
    out += ",\"time\":";
    socketio::AppendJsonString(out, DateString(s.connected_at_ms));
    out += ",\"address\":";
    socketio::AppendJsonString(out, AddressOnly(s.remote_address));
    out += ",\"xdomain\":";
    out += HasHeader(sockets[i].headers, "origin") ? "true" : "false";
    // TLS ends before the hub (it serves plain HTTP).
    out += ",\"secure\":false,\"issued\":" + std::to_string(s.connected_at_ms);
    out += ",\"url\":";
    socketio::AppendJsonString(out, HandshakeUrl(path, sockets[i].query));
    out += ",\"query\":";
    AppendQuery(out, sockets[i].query);
    // The CONNECT auth object, validated JSON when the client sent it.
    out += ",\"auth\":";
    out += s.auth.empty() ? "{}" : s.auth;
    out += "},\"rooms\":";
    socketio::AppendJsonStringArray(out, s.rooms);
    out += ",\"data\":{}}";
  }
  out += "]}";
  return out;
}

std::string EncodeDoneResponse(std::string_view request_id) { return Begin(request_id) + "}"; }

std::string EncodeServerSideEmitResponse(std::string_view request_id) {
  return Begin(request_id) + ",\"type\":" + std::to_string(kServerSideEmit) + "}";
}

std::string EncodeClientCountResponse(std::string_view request_id, uint64_t clients) {
  return Begin(request_id) + ",\"type\":" + std::to_string(kClientCount) +
         ",\"clientCount\":" + std::to_string(clients) + "}";
}

absl::StatusOr<std::string> EncodeBroadcastAckResponse(std::string_view request_id, const core::AckReply& reply) {
  MsgWriter w;
  w.Map(3).Str("type").Int(kBroadcastAck).Str("requestId").Str(request_id).Str("packet");
  if (reply.args.empty()) {
    w.Nil();
  } else if (auto status = AppendJsonAsMsgpack(reply.args.front(), reply.attachments, w); !status.ok()) {
    return status;
  }
  return w.Take();
}

}  // namespace hub::cluster
