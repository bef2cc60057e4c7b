#include "hub/base/disconnect_reason.h"

namespace hub {

std::string_view DisconnectReasonText(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kClientNamespaceDisconnect: return "client namespace disconnect";
    case DisconnectReason::kServerNamespaceDisconnect: return "server namespace disconnect";
    case DisconnectReason::kTransportClose: return "transport close";
    case DisconnectReason::kTransportError: return "transport error";
    case DisconnectReason::kPingTimeout: return "ping timeout";
    case DisconnectReason::kForcedClose: return "forced close";
    case DisconnectReason::kServerShuttingDown: return "server shutting down";
    case DisconnectReason::kParseError: return "parse error";
    case DisconnectReason::kForcedServerClose: return "forced server close";
  }
  return "unknown";
}

}  // namespace hub
