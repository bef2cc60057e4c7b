// hub.v1.Hub over the gRPC callback API: validates each request, turns it
// into a core command (posted to the shards) and completes the RPC when the
// shards have answered. No RPC thread ever waits on a shard.
#pragma once

#include "hub/api/subscription_hub.h"
#include "hub/core/hub_core.h"
#include "hub/v1/hub.grpc.pb.h"
#include "metrics/api_metrics.h"

namespace hub::api {

class HubService final : public hub::v1::Hub::CallbackService {
 public:
  HubService(core::HubCore& core, SubscriptionHub& subscriptions, metrics::ApiMetrics& metrics)
      : core_(core), subscriptions_(subscriptions), metrics_(metrics) {}

  grpc::ServerUnaryReactor* EmitTo(grpc::CallbackServerContext* context,
                                   const hub::v1::EmitToRequest* request,
                                   hub::v1::EmitResponse* response) override;
  grpc::ServerUnaryReactor* Broadcast(grpc::CallbackServerContext* context,
                                      const hub::v1::BroadcastRequest* request,
                                      hub::v1::EmitResponse* response) override;
  grpc::ServerWriteReactor<hub::v1::ClientEvent>* Subscribe(
      grpc::CallbackServerContext* context, const hub::v1::SubscribeRequest* request) override;

 private:
  core::HubCore& core_;
  SubscriptionHub& subscriptions_;
  metrics::ApiMetrics& metrics_;
};

}  // namespace hub::api
