// A unary RPC in flight: finishes its reactor exactly once and records the
// call's code and latency in hub_grpc_calls_total / _duration_seconds.
#pragma once

#include <chrono>

#include "grpcpp/grpcpp.h"
#include "hub/api/status.h"
#include "metrics/api_metrics.h"

namespace hub::api {

class UnaryCall {
 public:
  UnaryCall(grpc::CallbackServerContext* context, metrics::ApiMetrics& metrics, const char* method)
      : reactor_(context->DefaultReactor()),
        metrics_(metrics),
        method_(method),
        start_(std::chrono::steady_clock::now()) {}

  grpc::ServerUnaryReactor* Finish(const grpc::Status& status) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_.RecordCall(method_, StatusCodeName(status.error_code()), seconds);
    reactor_->Finish(status);
    return reactor_;
  }
  grpc::ServerUnaryReactor* Finish(const absl::Status& status) { return Finish(ToGrpcStatus(status)); }
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }

 private:
  grpc::ServerUnaryReactor* reactor_;
  metrics::ApiMetrics& metrics_;
  const char* method_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hub::api
