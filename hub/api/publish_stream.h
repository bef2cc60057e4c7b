// The Publish RPC: a client stream of emits, validated as they are read and
// pushed to an ordered core::EmitStream, which hands them to the shards in
// batches. Reading pauses while `max_in_flight` emits are still being
// delivered, so gRPC flow control pushes back on a backend the hub cannot
// keep up with. Reads resumed and the Finish of the stream run on a gRPC
// thread (ReplyQueue), never on a shard.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "grpcpp/grpcpp.h"
#include "hub/api/reply_queue.h"
#include "hub/core/adapter.h"
#include "hub/core/emit_stream.h"
#include "hub/v1/hub.grpc.pb.h"
#include "metrics/api_metrics.h"

namespace hub::api {

class PublishStream : public grpc::ServerReadReactor<hub::v1::PublishRequest> {
 public:
  PublishStream(grpc::CallbackServerContext* context, core::Adapter& core,
                metrics::ApiMetrics& metrics, metrics::RpcMetrics& rpc_metrics, ReplyQueue& replies,
                hub::v1::PublishResponse* response, const std::string& token, size_t max_in_flight);

  void OnReadDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Validates and pushes one emit; false when it was rejected.
  bool Dispatch(const hub::v1::PublishRequest& request);
  // Counts a refused emit; caller holds mu_.
  void Reject(std::string_view reason);
  // Some emits were delivered (any thread).
  void OnDelivered(const core::StreamReport& report);
  // True when the stream must Finish now (call it after releasing mu_).
  bool MaybeFinishLocked();

  core::Adapter& core_;
  metrics::ApiMetrics& metrics_;
  metrics::RpcMetrics& rpc_metrics_;
  ReplyQueue& replies_;
  hub::v1::PublishResponse* response_;
  hub::v1::PublishRequest request_;
  const size_t max_in_flight_;
  const std::chrono::steady_clock::time_point start_;
  std::shared_ptr<core::EmitStream> emits_;

  // Recursive: a push may report at once (an EmitTo to ids no shard issued).
  std::recursive_mutex mu_;
  size_t in_flight_ = 0;
  bool reading_ = false;     // a StartRead is outstanding (or queued to run)
  bool paused_ = false;      // waiting for deliveries before reading again
  bool input_done_ = false;  // the client half-closed (or the call broke)
  bool finished_ = false;
  uint64_t accepted_ = 0;
  uint64_t rejected_ = 0;
  uint64_t recipients_ = 0;
  std::string first_error_;
};

}  // namespace hub::api
