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
    case DropReason::kSlowClient: return "slow_client";
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

void NamespaceGauge::Add(const std::string& nsp, int64_t delta) {
  std::lock_guard lock(mu_);
  for (auto& [name, count] : counts_) {
    if (name == nsp) {
      count += delta;
      return;
    }
  }
  if (counts_.size() < kMaxNamespaceLabels) {
    counts_.emplace_back(nsp, delta);
  } else {
    other_ += delta;
  }
}

std::vector<std::pair<std::string, int64_t>> NamespaceGauge::Snapshot() const {
  std::lock_guard lock(mu_);
  auto out = counts_;
  if (other_ != 0) out.emplace_back("other", other_);
  return out;
}

}  // namespace hub::metrics
