// Turning backend requests into core commands: selector and payload
// validation, and the optional bearer-token check. Errors are the gRPC
// statuses API.md promises.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "hub/core/adapter.h"
#include "hub/v1/hub.pb.h"

namespace hub::api {

// Validates the namespace ("" means "/") and copies the lists.
absl::StatusOr<core::Selection> ToSelection(const hub::v1::Selector& selector);

// Validates a payload and encodes it once for `nsp`.
absl::StatusOr<core::SharedEmit> ToEmit(const std::string& nsp, const hub::v1::Payload& payload,
                                        std::optional<uint64_t> ack_id = std::nullopt);

// OK when `token` is empty or the call carries "authorization: Bearer <token>".
grpc::Status CheckBearerToken(const grpc::CallbackServerContext& context, const std::string& token);

}  // namespace hub::api
