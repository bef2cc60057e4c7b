#include "metrics/shard_stats.h"

namespace hub::metrics {

const char* TransportKindName(TransportKind kind) {
  return kind == TransportKind::kWebSocket ? "websocket" : "polling";
}

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kQueueFull: return "queue_full";
    case DropReason::kVolatile: return "volatile";
    case DropReason::kClosed: return "closed";
  }
  return "unknown";
}

const char* HandshakeRejectionName(HandshakeRejection reason) {
  switch (reason) {
    case HandshakeRejection::kBadRequest: return "bad_request";
    case HandshakeRejection::kUnsupportedVersion: return "unsupported_version";
    case HandshakeRejection::kUnknownTransport: return "unknown_transport";
    case HandshakeRejection::kUnknownSession: return "unknown_session";
    case HandshakeRejection::kForbidden: return "forbidden";
    case HandshakeRejection::kTooManyConnections: return "too_many_connections";
    case HandshakeRejection::kDraining: return "draining";
    case HandshakeRejection::kTimeout: return "timeout";
  }
  return "unknown";
}

}  // namespace hub::metrics
