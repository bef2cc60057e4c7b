// Why a connection or a socket ended: a closed set, named exactly as
// socket.io names its reasons, reported to backends (Disconnected.reason)
// and used as the `reason` label of hub_disconnects_total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hub {

enum class DisconnectReason : uint8_t {
  kClientNamespaceDisconnect,  // the client left the namespace (socket.disconnect())
  kServerNamespaceDisconnect,  // a backend disconnected the socket
  kTransportClose,             // the client closed the connection
  kTransportError,             // the connection failed or sent bad data
  kPingTimeout,                // no PONG within pingTimeout
  kForcedClose,                // the server closed the connection (slow client, backend)
  kServerShuttingDown,         // drain (Shutdown RPC or SIGTERM)
  kParseError,                 // a malformed Engine.IO or Socket.IO packet
  kForcedServerClose,          // a backend closed the whole connection (DisconnectSockets)
};
inline constexpr size_t kDisconnectReasonCount = 9;

// socket.io's text for the reason, e.g. "ping timeout".
std::string_view DisconnectReasonText(DisconnectReason reason);

}  // namespace hub
