// The one mapping from absl::Status (how every layer reports errors) to the
// gRPC status a backend receives.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace hub::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace hub::api

namespace hub::api {
// "OK", "INVALID_ARGUMENT", ...: the `code` label of hub_grpc_calls_total.
const char* StatusCodeName(grpc::StatusCode code);
}  // namespace hub::api
