// What a hub replica answers socket.io servers on `socket.io-response#<nsp>#`,
// in the @socket.io/redis-adapter format: a server that counts the
// subscribers of its request channel (PUBSUB NUMSUB) waits for one answer
// from each, hub replicas included. JSON text, except the client acks of a
// broadcast, which are msgpack like the Node adapter sends them. Pure
// encoders, unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/core/ack_table.h"
#include "hub/core/adapter.h"

namespace hub::cluster {

std::string ResponseChannel(std::string_view nsp);  // socket.io-response#<nsp>#

// SOCKETS: the ids of the sockets in the rooms asked about.
std::string EncodeSocketIdsResponse(std::string_view request_id, const std::vector<std::string>& ids);
// ALL_ROOMS: every room of the namespace here.
std::string EncodeAllRoomsResponse(std::string_view request_id, const std::vector<std::string>& rooms);
// REMOTE_FETCH: each socket as socket.io's RemoteSocket wants it: id,
// handshake (headers, time, address, xdomain, secure, issued, url, query,
// auth), rooms and data (always {}: hub sockets carry no server data).
// `path` is the Socket.IO path, for the handshake url.
std::string EncodeFetchResponse(std::string_view request_id, const std::vector<core::SocketDetails>& sockets,
                                std::string_view path);
// The single-socket join/leave/disconnect of older adapters: done.
std::string EncodeDoneResponse(std::string_view request_id);
// SERVER_SIDE_EMIT with an ack: a hub has no server-side listeners, so it
// acknowledges at once, with no value.
std::string EncodeServerSideEmitResponse(std::string_view request_id);
// BROADCAST: how many clients were sent the event here...
std::string EncodeClientCountResponse(std::string_view request_id, uint64_t clients);
// ...then one message per client ack, carrying the ack's first argument
// (socket.io hands a broadcast ack callback one argument per client).
absl::StatusOr<std::string> EncodeBroadcastAckResponse(std::string_view request_id, const core::AckReply& reply);

}  // namespace hub::cluster
