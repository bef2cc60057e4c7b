#include "hub/api/hub_service.h"

#include <chrono>
#include <memory>

#include "hub/api/status.h"

namespace hub::api {
namespace {

// Finishes a unary RPC exactly once and records its metrics.
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
  grpc::ServerUnaryReactor* reactor() const { return reactor_; }

 private:
  grpc::ServerUnaryReactor* reactor_;
  metrics::ApiMetrics& metrics_;
  const char* method_;
  std::chrono::steady_clock::time_point start_;
};

const grpc::Status kDraining(grpc::StatusCode::UNAVAILABLE, "hub is draining");

absl::StatusOr<std::shared_ptr<const core::OutboundPacket>> EncodePayload(
    const std::string& nsp, const hub::v1::Payload& payload) {
  std::vector<std::string> args(payload.args().begin(), payload.args().end());
  std::vector<std::string> attachments(payload.attachments().begin(), payload.attachments().end());
  auto packet = core::EncodeEvent(nsp, payload.event(), args, attachments);
  if (!packet.ok()) return packet.status();
  return std::make_shared<const core::OutboundPacket>(*std::move(packet));
}

}  // namespace

grpc::ServerUnaryReactor* HubService::EmitTo(grpc::CallbackServerContext* context,
                                             const hub::v1::EmitToRequest* request,
                                             hub::v1::EmitResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, metrics_, "EmitTo");
  if (core_.draining()) return call->Finish(kDraining);
  if (request->socket_ids().empty()) {
    return call->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "socket_ids is empty"));
  }
  auto nsp = core::NormalizeNamespace(request->namespace_());
  if (!nsp.ok()) return call->Finish(ToGrpcStatus(nsp.status()));
  auto packet = EncodePayload(*nsp, request->payload());
  if (!packet.ok()) return call->Finish(ToGrpcStatus(packet.status()));

  std::vector<std::string> ids(request->socket_ids().begin(), request->socket_ids().end());
  const size_t requested = ids.size();
  auto* reactor = call->reactor();
  core_.EmitTo(*nsp, std::move(ids), *std::move(packet),
               [this, call, response, requested](core::EmitToResult result) {
                 if (result.missing.size() == requested) {
                   call->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                             "none of socket_ids is connected to the namespace"));
                   return;
                 }
                 response->set_recipients(result.recipients);
                 for (auto& id : result.missing) response->add_missing_socket_ids(std::move(id));
                 metrics_.recipients.Add({{"rpc", "EmitTo"}}).Increment(static_cast<double>(result.recipients));
                 call->Finish(grpc::Status::OK);
               });
  return reactor;
}

grpc::ServerUnaryReactor* HubService::Broadcast(grpc::CallbackServerContext* context,
                                                const hub::v1::BroadcastRequest* request,
                                                hub::v1::EmitResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, metrics_, "Broadcast");
  if (core_.draining()) return call->Finish(kDraining);
  const auto& selector = request->selector();
  if (!selector.socket_ids().empty() || !selector.rooms().empty() ||
      !selector.except_rooms().empty() || !selector.except_socket_ids().empty()) {
    return call->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                     "room and socket selectors are not supported yet; "
                                     "Broadcast reaches a whole namespace"));
  }
  auto nsp = core::NormalizeNamespace(selector.namespace_());
  if (!nsp.ok()) return call->Finish(ToGrpcStatus(nsp.status()));
  auto packet = EncodePayload(*nsp, request->payload());
  if (!packet.ok()) return call->Finish(ToGrpcStatus(packet.status()));

  auto* reactor = call->reactor();
  core_.Broadcast(*nsp, *std::move(packet), request->volatile_(),
                  [this, call, response](uint64_t recipients) {
                    response->set_recipients(recipients);
                    metrics_.recipients.Add({{"rpc", "Broadcast"}}).Increment(static_cast<double>(recipients));
                    call->Finish(grpc::Status::OK);
                  });
  return reactor;
}

grpc::ServerWriteReactor<hub::v1::ClientEvent>* HubService::Subscribe(
    grpc::CallbackServerContext* context, const hub::v1::SubscribeRequest* request) {
  metrics_.RecordCall("Subscribe", "OK", 0);
  return subscriptions_.Subscribe(*request);
}

}  // namespace hub::api
