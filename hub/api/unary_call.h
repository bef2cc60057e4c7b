// A unary RPC in flight: finishes its reactor exactly once and records the
// call's code and latency in hub_grpc_calls_total / _duration_seconds.
#pragma once

#include <chrono>

#include "grpcpp/grpcpp.h"
#include "hub/api/status.h"
#include "metrics/api_metrics.h"

namespace hub::api {

// Counts one finished call of `rpc`'s method with `code`.
inline void RecordCall(metrics::RpcMetrics& rpc, grpc::StatusCode code, double seconds) {
  rpc.RecordCall(static_cast<int>(code), StatusCodeName(code), seconds);
}

class UnaryCall {
 public:
  UnaryCall(grpc::CallbackServerContext* context, metrics::RpcMetrics& metrics)
      : reactor_(context->DefaultReactor()),
        metrics_(metrics),
        start_(std::chrono::steady_clock::now()) {}

  // Call it on a gRPC thread: from the handler itself, or through
  // ReplyQueue when the result comes from the core.
  grpc::ServerUnaryReactor* Finish(const grpc::Status& status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    RecordCall(metrics_, status.error_code(), seconds);
    reactor_->Finish(status);
    return reactor_;
  }
  grpc::ServerUnaryReactor* Finish(const absl::Status& status) { return Finish(ToGrpcStatus(status)); }
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  metrics::RpcMetrics& metrics() const { return metrics_; }

 private:
  grpc::ServerUnaryReactor* reactor_;
  metrics::RpcMetrics& metrics_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hub::api
