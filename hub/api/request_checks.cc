#include "hub/api/request_checks.h"

#include <openssl/crypto.h>

#include "hub/socketio/outbound.h"

namespace hub::api {

absl::StatusOr<core::Selection> ToSelection(const hub::v1::Selector& selector) {
  auto nsp = socketio::NormalizeNamespace(selector.namespace_());
  if (!nsp.ok()) return nsp.status();
  core::Selection selection;
  selection.nsp = *std::move(nsp);
  selection.socket_ids.assign(selector.socket_ids().begin(), selector.socket_ids().end());
  selection.rooms.assign(selector.rooms().begin(), selector.rooms().end());
  selection.except_rooms.assign(selector.except_rooms().begin(), selector.except_rooms().end());
  selection.except_socket_ids.assign(selector.except_socket_ids().begin(),
                                     selector.except_socket_ids().end());
  return selection;
}

absl::StatusOr<core::SharedEmit> ToEmit(const std::string& nsp, const hub::v1::Payload& payload,
                                        std::optional<uint64_t> ack_id) {
  return core::MakeEmit(nsp, payload.event(), {payload.args().begin(), payload.args().end()},
                        {payload.attachments().begin(), payload.attachments().end()}, ack_id);
}

grpc::Status CheckBearerToken(const grpc::CallbackServerContext& context, const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const std::string expected = "Bearer " + token;
  for (auto it = metadata.lower_bound("authorization"); it != metadata.end() && it->first == "authorization"; ++it) {
    const auto& value = it->second;
    // Constant-time compare: a token check must not leak its prefix by timing.
    if (value.size() == expected.size() &&
        CRYPTO_memcmp(value.data(), expected.data(), expected.size()) == 0) {
      return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong bearer token");
}

}  // namespace hub::api
