// The @socket.io/redis-adapter wire format, as far as the hub reads and
// sends it: broadcasts ([uid, packet, opts] in msgpack on
// `socket.io#<nsp>#[<room>#]`) and requests (JSON or msgpack on
// `socket.io-request#<nsp>#`). The answers the hub gives socket.io servers
// are in adapter_responses.h. Pure codecs, unit-tested; no I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::cluster {

inline constexpr std::string_view kKeyPrefix = "socket.io";

// A broadcast as socket.io servers, emitters and hub replicas publish it.
struct BroadcastMessage {
  std::string uid;  // sender; "emitter" for @socket.io/redis-emitter
  std::string nsp = "/";
  std::string event;
  std::vector<std::string> args;         // JSON text each
  std::vector<std::string> attachments;  // binary, behind placeholders in args
  std::vector<std::string> rooms;
  std::vector<std::string> except;
  bool is_volatile = false;
  // Hub extension, in opts.hub (other servers ignore unknown opts): a hub
  // replica that wants each replica's recipient count sets request_id; with
  // `to_ids` the rooms are the socket ids of an EmitTo.
  std::string request_id;
  bool to_ids = false;
};

// `socket.io#<nsp>#`, plus `<room>#` when exactly one room is targeted (as
// the Node adapter does, so servers without that room can skip it).
std::string BroadcastChannel(std::string_view nsp, const std::vector<std::string>& rooms);
absl::StatusOr<std::string> EncodeBroadcast(const BroadcastMessage& message);
absl::StatusOr<BroadcastMessage> DecodeBroadcast(std::string_view bytes);

// socket.io request types (socket.io-redis-adapter RequestType).
enum class RequestType : int {
  kSockets = 0,
  kAllRooms = 1,
  kRemoteJoin = 2,
  kRemoteLeave = 3,
  kRemoteDisconnect = 4,
  kRemoteFetch = 5,
  kServerSideEmit = 6,
  kBroadcast = 7,
  kBroadcastClientCount = 8,
  kBroadcastAck = 9,
};

std::string RequestChannel(std::string_view nsp);  // socket.io-request#<nsp>#

// A request on `socket.io-request#<nsp>#`, from a socket.io server, an
// emitter or a hub replica; which fields are set depends on the type.
struct AdapterRequest {
  RequestType type = RequestType::kRemoteJoin;
  std::string uid;
  std::string request_id;  // set when the sender awaits answers
  bool from_hub = false;   // hub replicas answer hub requests on hub-cluster#
  std::vector<std::string> rooms;   // opts.rooms: the selection
  std::vector<std::string> except;  // opts.except
  // REMOTE_JOIN / REMOTE_LEAVE: the rooms to join or leave; SOCKETS: the
  // rooms asked about (none: every socket).
  std::vector<std::string> names;
  bool close = false;  // REMOTE_DISCONNECT: close the whole connection
  // The older single-socket form of join/leave/disconnect ({sid, room}).
  std::string sid;
  std::string room;
  // BROADCAST (an emit awaiting client acks): the event, and how long the
  // sender waits for the acks (opts.flags.timeout).
  std::string event;
  std::vector<std::string> args;         // JSON text each
  std::vector<std::string> attachments;  // binary, behind placeholders in args
  std::chrono::milliseconds timeout{0};
};

// JSON text, as the Node adapter sends join/leave/disconnect requests.
std::string EncodeRoomsRequest(const AdapterRequest& request);
// JSON (first byte '{') or msgpack; request types 0 to 7. Anything else,
// or a request missing what its type needs, is an InvalidArgument.
absl::StatusOr<AdapterRequest> DecodeAdapterRequest(std::string_view bytes);

}  // namespace hub::cluster
