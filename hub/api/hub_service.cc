#include "hub/api/hub_service.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "hub/api/publish_stream.h"
#include "hub/api/request_checks.h"
#include "hub/api/status.h"
#include "hub/api/unary_call.h"
#include "hub/socketio/outbound.h"

namespace hub::api {
namespace {

const grpc::Status kDraining(grpc::StatusCode::UNAVAILABLE, "hub is draining");
constexpr uint32_t kDefaultAckTimeoutMs = 30000;
constexpr uint32_t kDefaultPageSize = 100;
constexpr uint32_t kMaxPageSize = 1000;

hub::v1::AckStatus ToProto(core::AckOutcome outcome) {
  switch (outcome) {
    case core::AckOutcome::kOk: return hub::v1::ACK_STATUS_OK;
    case core::AckOutcome::kTimeout: return hub::v1::ACK_STATUS_TIMEOUT;
    case core::AckOutcome::kDisconnected: return hub::v1::ACK_STATUS_DISCONNECTED;
  }
  return hub::v1::ACK_STATUS_UNSPECIFIED;
}

metrics::AckResult ToMetric(core::AckOutcome outcome) {
  switch (outcome) {
    case core::AckOutcome::kOk: return metrics::AckResult::kOk;
    case core::AckOutcome::kTimeout: return metrics::AckResult::kTimeout;
    case core::AckOutcome::kDisconnected: return metrics::AckResult::kDisconnected;
  }
  return metrics::AckResult::kDisconnected;
}

// How long to wait for acks: `timeout_ms`, or less when the RPC's own
// deadline comes first. In that case the RPC ends at its deadline with
// DEADLINE_EXCEEDED (API.md), and `cut_by_deadline` says so.
struct AckWait {
  std::chrono::milliseconds timeout;
  bool cut_by_deadline = false;
};

AckWait AckTimeout(const grpc::CallbackServerContext& context, uint32_t timeout_ms) {
  AckWait wait{std::chrono::milliseconds(timeout_ms == 0 ? kDefaultAckTimeoutMs : timeout_ms)};
  const auto deadline = context.deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::system_clock::now());
    if (left < wait.timeout) {
      wait.timeout = std::max(std::chrono::milliseconds(0), left);
      wait.cut_by_deadline = true;
    }
  }
  return wait;
}

}  // namespace

HubService::HubService(core::Adapter& core, SubscriptionHub& subscriptions, DrainController& drain,
                       metrics::ApiMetrics& metrics, ServiceOptions options)
    : core_(core),
      subscriptions_(subscriptions),
      drain_(drain),
      metrics_(metrics),
      options_(std::move(options)),
      emit_to_metrics_(metrics.ForMethod("EmitTo")),
      broadcast_metrics_(metrics.ForMethod("Broadcast")),
      emit_with_ack_metrics_(metrics.ForMethod("EmitWithAck")),
      ack_metrics_(metrics.ForMethod("Ack")),
      subscribe_metrics_(metrics.ForMethod("Subscribe")),
      join_rooms_metrics_(metrics.ForMethod("JoinRooms")),
      leave_rooms_metrics_(metrics.ForMethod("LeaveRooms")),
      disconnect_metrics_(metrics.ForMethod("DisconnectSockets")),
      list_metrics_(metrics.ForMethod("ListSockets")),
      publish_metrics_(metrics.ForMethod("Publish")),
      shutdown_metrics_(metrics.ForMethod("Shutdown")) {}

std::optional<grpc::Status> HubService::Admit(const grpc::CallbackServerContext& context,
                                              bool refuse_while_draining) const {
  if (auto auth = CheckBearerToken(context, options_.token); !auth.ok()) return auth;
  if (refuse_while_draining && core_.draining()) return kDraining;
  return std::nullopt;
}

grpc::ServerUnaryReactor* HubService::EmitTo(grpc::CallbackServerContext* context,
                                             const hub::v1::EmitToRequest* request,
                                             hub::v1::EmitResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, emit_to_metrics_);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/true)) return call->Finish(*refused);
  if (request->socket_ids().empty()) {
    return call->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "socket_ids is empty"));
  }
  auto emit = ToEmit(request->namespace_(), request->payload());
  if (!emit.ok()) return call->Finish(emit.status());

  std::vector<std::string> ids(request->socket_ids().begin(), request->socket_ids().end());
  const size_t requested = ids.size();
  auto* reactor = call->reactor();
  core_.EmitTo(std::move(ids), *std::move(emit),
               replies_.OnGrpcThread<core::EmitToResult>([call, response, requested](core::EmitToResult result) {
                 if (result.missing.size() == requested) {
                   call->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                             "none of socket_ids is connected to the namespace"));
                   return;
                 }
                 response->set_recipients(result.recipients);
                 for (auto& id : result.missing) response->add_missing_socket_ids(std::move(id));
                 call->metrics().AddRecipients(result.recipients);
                 call->Finish(grpc::Status::OK);
               }));
  return reactor;
}

grpc::ServerUnaryReactor* HubService::Broadcast(grpc::CallbackServerContext* context,
                                                const hub::v1::BroadcastRequest* request,
                                                hub::v1::EmitResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, broadcast_metrics_);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/true)) return call->Finish(*refused);
  auto selection = ToSelection(request->selector());
  if (!selection.ok()) return call->Finish(selection.status());
  auto emit = ToEmit(selection->nsp, request->payload());
  if (!emit.ok()) return call->Finish(emit.status());

  auto* reactor = call->reactor();
  core_.Broadcast(*std::move(selection), *std::move(emit), request->volatile_(),
                  replies_.OnGrpcThread<uint64_t>([this, call, response](uint64_t recipients) {
                    response->set_recipients(recipients);
                    call->metrics().AddRecipients(recipients);
                    metrics_.RecordFanout(recipients);
                    call->Finish(grpc::Status::OK);
                  }));
  return reactor;
}

grpc::ServerUnaryReactor* HubService::EmitWithAck(grpc::CallbackServerContext* context,
                                                  const hub::v1::EmitWithAckRequest* request,
                                                  hub::v1::EmitWithAckResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, emit_with_ack_metrics_);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/true)) return call->Finish(*refused);
  auto selection = ToSelection(request->selector());
  if (!selection.ok()) return call->Finish(selection.status());
  auto emit = ToEmit(selection->nsp, request->payload(), core_.NextAckId());
  if (!emit.ok()) return call->Finish(emit.status());

  const AckWait wait = AckTimeout(*context, request->timeout_ms());
  const auto start = std::chrono::steady_clock::now();
  auto* reactor = call->reactor();
  core_.EmitWithAck(*std::move(selection), *std::move(emit), wait.timeout,
                    replies_.OnGrpcThread<std::vector<core::AckReply>>([this, call, response, start, wait](
                                                                          std::vector<core::AckReply> replies) {
                      bool timed_out = false;
                      for (auto& reply : replies) {
                        timed_out |= reply.outcome == core::AckOutcome::kTimeout;
                        const double seconds =
                            std::chrono::duration<double>(reply.settled_at - start).count();
                        metrics_.RecordAck(ToMetric(reply.outcome), seconds);
                        auto* result = response->add_results();
                        result->set_socket_id(std::move(reply.socket_id));
                        result->set_status(ToProto(reply.outcome));
                        for (auto& arg : reply.args) result->add_args(std::move(arg));
                        for (auto& attachment : reply.attachments) {
                          result->add_attachments(std::move(attachment));
                        }
                      }
                      if (timed_out && wait.cut_by_deadline) {
                        response->Clear();
                        call->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                                  "the RPC deadline passed before every socket acked"));
                        return;
                      }
                      call->Finish(grpc::Status::OK);
                    }));
  return reactor;
}

grpc::ServerUnaryReactor* HubService::Ack(grpc::CallbackServerContext* context,
                                          const hub::v1::AckRequest* request,
                                          hub::v1::AckResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, ack_metrics_);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/true)) return call->Finish(*refused);
  auto nsp = socketio::NormalizeNamespace(request->namespace_());
  if (!nsp.ok()) return call->Finish(nsp.status());
  std::vector<std::string> args(request->args().begin(), request->args().end());
  std::vector<std::string> attachments(request->attachments().begin(), request->attachments().end());
  if (auto valid = socketio::ValidateArgs(args, attachments); !valid.ok()) return call->Finish(valid);

  auto* reactor = call->reactor();
  core_.AnswerClientAck(*std::move(nsp), request->socket_id(), request->ack_id(), std::move(args),
                        std::move(attachments),
                        replies_.OnGrpcThread<absl::Status>([call](absl::Status status) { call->Finish(status); }));
  return reactor;
}

grpc::ServerWriteReactor<hub::v1::ClientEvent>* HubService::Subscribe(
    grpc::CallbackServerContext* context, const hub::v1::SubscribeRequest* request) {
  auto refuse = [](const grpc::Status& status) {
    class Refused : public grpc::ServerWriteReactor<hub::v1::ClientEvent> {
     public:
      explicit Refused(const grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Refused(status);
  };
  if (auto auth = CheckBearerToken(*context, options_.token); !auth.ok()) {
    RecordCall(subscribe_metrics_, auth.error_code(), 0);
    return refuse(auth);
  }
  if (core_.draining()) {
    RecordCall(subscribe_metrics_, grpc::StatusCode::UNAVAILABLE, 0);
    return refuse(kDraining);
  }
  for (const auto& nsp : request->namespaces()) {
    if (auto valid = socketio::NormalizeNamespace(nsp); !valid.ok()) {
      RecordCall(subscribe_metrics_, grpc::StatusCode::INVALID_ARGUMENT, 0);
      return refuse(ToGrpcStatus(valid.status()));
    }
  }
  RecordCall(subscribe_metrics_, grpc::StatusCode::OK, 0);
  return subscriptions_.Subscribe(*request);
}

grpc::ServerUnaryReactor* HubService::UpdateRooms(grpc::CallbackServerContext* context,
                                                  metrics::RpcMetrics& rpc,
                                                  const hub::v1::RoomsRequest* request,
                                                  hub::v1::RoomsResponse* response, bool join) {
  auto call = std::make_shared<UnaryCall>(context, rpc);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/true)) return call->Finish(*refused);
  auto selection = ToSelection(request->selector());
  if (!selection.ok()) return call->Finish(selection.status());
  if (request->rooms().empty()) {
    return call->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "rooms is empty"));
  }
  std::vector<std::string> rooms(request->rooms().begin(), request->rooms().end());
  auto* reactor = call->reactor();
  core_.UpdateRooms(*std::move(selection), std::move(rooms), join,
                    replies_.OnGrpcThread<uint64_t>([call, response](uint64_t sockets) {
                      response->set_sockets(sockets);
                      call->Finish(grpc::Status::OK);
                    }));
  return reactor;
}

grpc::ServerUnaryReactor* HubService::JoinRooms(grpc::CallbackServerContext* context,
                                                const hub::v1::RoomsRequest* request,
                                                hub::v1::RoomsResponse* response) {
  return UpdateRooms(context, join_rooms_metrics_, request, response, /*join=*/true);
}

grpc::ServerUnaryReactor* HubService::LeaveRooms(grpc::CallbackServerContext* context,
                                                 const hub::v1::RoomsRequest* request,
                                                 hub::v1::RoomsResponse* response) {
  return UpdateRooms(context, leave_rooms_metrics_, request, response, /*join=*/false);
}

grpc::ServerUnaryReactor* HubService::DisconnectSockets(grpc::CallbackServerContext* context,
                                                        const hub::v1::DisconnectRequest* request,
                                                        hub::v1::DisconnectResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, disconnect_metrics_);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/true)) return call->Finish(*refused);
  auto selection = ToSelection(request->selector());
  if (!selection.ok()) return call->Finish(selection.status());
  auto* reactor = call->reactor();
  core_.Disconnect(*std::move(selection), request->close_connection(),
                   replies_.OnGrpcThread<uint64_t>([call, response](uint64_t sockets) {
                     response->set_sockets(sockets);
                     call->Finish(grpc::Status::OK);
                   }));
  return reactor;
}

grpc::ServerUnaryReactor* HubService::ListSockets(grpc::CallbackServerContext* context,
                                                  const hub::v1::ListSocketsRequest* request,
                                                  hub::v1::ListSocketsResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, list_metrics_);
  if (auto refused = Admit(*context, /*refuse_while_draining=*/false)) return call->Finish(*refused);
  auto selection = ToSelection(request->selector());
  if (!selection.ok()) return call->Finish(selection.status());
  const uint32_t page_size =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  auto* reactor = call->reactor();
  core_.ListSockets(*std::move(selection), page_size, request->page_token(),
                    replies_.OnGrpcThread<absl::StatusOr<core::SocketPage>>([call, response](
                                                                            absl::StatusOr<core::SocketPage> page) {
                      if (!page.ok()) {
                        call->Finish(page.status());
                        return;
                      }
                      for (auto& socket : page->sockets) {
                        auto* info = response->add_sockets();
                        info->set_id(std::move(socket.id));
                        info->set_namespace_(std::move(socket.nsp));
                        for (auto& room : socket.rooms) info->add_rooms(std::move(room));
                        info->set_transport(std::move(socket.transport));
                        info->set_remote_address(std::move(socket.remote_address));
                        info->set_connected_at_ms(socket.connected_at_ms);
                        info->set_auth(std::move(socket.auth));
                      }
                      response->set_next_page_token(std::move(page->next_page_token));
                      call->Finish(grpc::Status::OK);
                    }));
  return reactor;
}

grpc::ServerReadReactor<hub::v1::PublishRequest>* HubService::Publish(
    grpc::CallbackServerContext* context, hub::v1::PublishResponse* response) {
  return new PublishStream(context, core_, metrics_, publish_metrics_, replies_, response, options_.token,
                           options_.publish_max_in_flight);
}

grpc::ServerUnaryReactor* HubService::Shutdown(grpc::CallbackServerContext* context,
                                               const hub::v1::ShutdownRequest* request,
                                               hub::v1::ShutdownResponse* response) {
  auto call = std::make_shared<UnaryCall>(context, shutdown_metrics_);
  const std::string& token = options_.shutdown_token.empty() ? options_.token : options_.shutdown_token;
  if (auto auth = CheckBearerToken(*context, token); !auth.ok()) return call->Finish(auth);
  auto* reactor = call->reactor();
  drain_.RequestFromRpc(std::chrono::milliseconds(request->grace_period_ms()),
                        request->reason().empty() ? "Shutdown RPC" : request->reason(),
                        // On the main thread, once the drain is done (not a shard):
                        // finished there, before the server is shut down and freed.
                        [call, response](uint64_t sockets) {
                          response->set_sockets_disconnected(sockets);
                          call->Finish(grpc::Status::OK);
                        });
  return reactor;
}

}  // namespace hub::api
