// hub.v1.Hub over the gRPC callback API: validates each request, turns it
// into a core command (posted to the shards) and completes the RPC when the
// shards have answered. No RPC thread ever waits on a shard, and no shard
// runs gRPC: answers go back to a gRPC thread through the ReplyQueue.
#pragma once

#include <optional>
#include <string>

#include "hub/api/drain_controller.h"
#include "hub/api/reply_queue.h"
#include "hub/api/subscription_hub.h"
#include "hub/core/adapter.h"
#include "hub/v1/hub.grpc.pb.h"
#include "metrics/api_metrics.h"

namespace hub::api {

struct ServiceOptions {
  std::string token;           // required bearer token for every RPC; empty: none
  std::string shutdown_token;  // Shutdown's own token; empty: `token` applies
  size_t publish_max_in_flight = 1024;
};

class HubService final : public hub::v1::Hub::CallbackService {
 public:
  HubService(core::Adapter& core, SubscriptionHub& subscriptions, DrainController& drain,
             metrics::ApiMetrics& metrics, ServiceOptions options);

  grpc::ServerUnaryReactor* EmitTo(grpc::CallbackServerContext* context,
                                   const hub::v1::EmitToRequest* request,
                                   hub::v1::EmitResponse* response) override;
  grpc::ServerUnaryReactor* Broadcast(grpc::CallbackServerContext* context,
                                      const hub::v1::BroadcastRequest* request,
                                      hub::v1::EmitResponse* response) override;
  grpc::ServerUnaryReactor* EmitWithAck(grpc::CallbackServerContext* context,
                                        const hub::v1::EmitWithAckRequest* request,
                                        hub::v1::EmitWithAckResponse* response) override;
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* context,
                                const hub::v1::AckRequest* request,
                                hub::v1::AckResponse* response) override;
  grpc::ServerWriteReactor<hub::v1::ClientEvent>* Subscribe(
      grpc::CallbackServerContext* context, const hub::v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* JoinRooms(grpc::CallbackServerContext* context,
                                      const hub::v1::RoomsRequest* request,
                                      hub::v1::RoomsResponse* response) override;
  grpc::ServerUnaryReactor* LeaveRooms(grpc::CallbackServerContext* context,
                                       const hub::v1::RoomsRequest* request,
                                       hub::v1::RoomsResponse* response) override;
  grpc::ServerUnaryReactor* DisconnectSockets(grpc::CallbackServerContext* context,
                                              const hub::v1::DisconnectRequest* request,
                                              hub::v1::DisconnectResponse* response) override;
  grpc::ServerUnaryReactor* ListSockets(grpc::CallbackServerContext* context,
                                        const hub::v1::ListSocketsRequest* request,
                                        hub::v1::ListSocketsResponse* response) override;
  grpc::ServerReadReactor<hub::v1::PublishRequest>* Publish(
      grpc::CallbackServerContext* context, hub::v1::PublishResponse* response) override;
  grpc::ServerUnaryReactor* Shutdown(grpc::CallbackServerContext* context,
                                     const hub::v1::ShutdownRequest* request,
                                     hub::v1::ShutdownResponse* response) override;

  // Call after grpc::Server::Wait, before the server is freed: returns once
  // the gRPC threads that finished calls for this service are done with them.
  void AwaitReplies() { replies_.AwaitIdle(); }

 private:
  // The checks every call starts with: the bearer token, and (for calls
  // that emit or change state) the drain. An error status refuses the call.
  std::optional<grpc::Status> Admit(const grpc::CallbackServerContext& context,
                                    bool refuse_while_draining) const;
  grpc::ServerUnaryReactor* UpdateRooms(grpc::CallbackServerContext* context, metrics::RpcMetrics& rpc,
                                        const hub::v1::RoomsRequest* request,
                                        hub::v1::RoomsResponse* response, bool join);

  core::Adapter& core_;
  SubscriptionHub& subscriptions_;
  DrainController& drain_;
  metrics::ApiMetrics& metrics_;
  const ServiceOptions options_;
  ReplyQueue replies_;
  // Each method's metrics, looked up once.
  metrics::RpcMetrics& emit_to_metrics_;
  metrics::RpcMetrics& broadcast_metrics_;
  metrics::RpcMetrics& emit_with_ack_metrics_;
  metrics::RpcMetrics& ack_metrics_;
  metrics::RpcMetrics& subscribe_metrics_;
  metrics::RpcMetrics& join_rooms_metrics_;
  metrics::RpcMetrics& leave_rooms_metrics_;
  metrics::RpcMetrics& disconnect_metrics_;
  metrics::RpcMetrics& list_metrics_;
  metrics::RpcMetrics& publish_metrics_;
  metrics::RpcMetrics& shutdown_metrics_;
};

}  // namespace hub::api
