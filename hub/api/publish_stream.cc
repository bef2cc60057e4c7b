#include "hub/api/publish_stream.h"

#include "hub/api/request_checks.h"
#include "hub/api/status.h"
#include "hub/api/unary_call.h"
#include "hub/base/strings.h"

namespace hub::api {

PublishStream::PublishStream(grpc::CallbackServerContext* context, core::Adapter& core,
                             metrics::ApiMetrics& metrics, metrics::RpcMetrics& rpc_metrics,
                             ReplyQueue& replies, hub::v1::PublishResponse* response,
                             const std::string& token, size_t max_in_flight)
    : core_(core),
      metrics_(metrics),
      rpc_metrics_(rpc_metrics),
      replies_(replies),
      response_(response),
      max_in_flight_(max_in_flight),
      start_(std::chrono::steady_clock::now()) {
  // Not yet bound to the call: nothing can run concurrently, and a Finish
  // here is only sent once gRPC binds the reactor.
  if (auto auth = CheckBearerToken(*context, token); !auth.ok()) {
    finished_ = true;
    RecordCall(rpc_metrics_, auth.error_code(), 0);
    Finish(auth);
    return;
  }
  if (core_.draining()) {
    finished_ = true;
    RecordCall(rpc_metrics_, grpc::StatusCode::UNAVAILABLE, 0);
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "hub is draining"));
    return;
  }
  emits_ = core_.OpenEmitStream([this](const core::StreamReport& report) { OnDelivered(report); });
  reading_ = true;
  StartRead(&request_);
}

// Finish is always called after mu_ is released and nothing is touched
// afterwards: OnDone may delete this object on another thread at once.
void PublishStream::OnReadDone(bool ok) {
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    reading_ = false;
    if (!ok) {
      input_done_ = true;
      finish = MaybeFinishLocked();
    } else {
      Dispatch(request_);
      if (in_flight_ >= max_in_flight_) {
        paused_ = true;  // resumed by OnDelivered
      } else {
        reading_ = true;
        StartRead(&request_);
      }
    }
  }
  if (finish) Finish(grpc::Status::OK);
}

bool PublishStream::Dispatch(const hub::v1::PublishRequest& request) {
  if (core_.draining()) {
    Reject("hub is draining");
    return false;
  }
  core::StreamEmit item;
  if (request.has_emit_to()) {
    const auto& emit = request.emit_to();
    if (emit.socket_ids().empty()) {
      Reject("emit_to.socket_ids is empty");
      return false;
    }
    auto encoded = ToEmit(emit.namespace_(), emit.payload());
    if (!encoded.ok()) {
      Reject(ToStd(encoded.status().message()));
      return false;
    }
    item.emit = *std::move(encoded);
    item.socket_ids.assign(emit.socket_ids().begin(), emit.socket_ids().end());
  } else if (request.has_broadcast()) {
    const auto& broadcast = request.broadcast();
    auto selection = ToSelection(broadcast.selector());
    if (!selection.ok()) {
      Reject(ToStd(selection.status().message()));
      return false;
    }
    auto encoded = ToEmit(selection->nsp, broadcast.payload());
    if (!encoded.ok()) {
      Reject(ToStd(encoded.status().message()));
      return false;
    }
    item.emit = *std::move(encoded);
    item.selection = *std::move(selection);
    item.is_volatile = broadcast.volatile_();
  } else {
    Reject("PublishRequest holds neither emit_to nor broadcast");
    return false;
  }
  ++in_flight_;
  ++accepted_;
  emits_->Push(std::move(item));
  return true;
}

void PublishStream::Reject(std::string_view reason) {
  ++rejected_;
  if (first_error_.empty()) first_error_ = std::string(reason);
}

void PublishStream::OnDelivered(const core::StreamReport& report) {
  for (uint64_t fanout : report.broadcast_fanouts) metrics_.RecordFanout(fanout);
  bool resume = false;
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    in_flight_ -= report.emits;
    recipients_ += report.recipients;
    for (uint64_t i = 0; i < report.unreached; ++i) {
      // As unary EmitTo's NOT_FOUND: nobody to deliver to.
      --accepted_;
      Reject("none of emit_to.socket_ids is connected to the namespace");
    }
    if (paused_ && !input_done_ && in_flight_ < max_in_flight_ / 2 + 1) {
      paused_ = false;
      reading_ = true;  // from here on, the stream cannot finish before that read ends
      resume = true;
    } else {
      finish = MaybeFinishLocked();
    }
  }
  // This may be a shard thread: the read and the Finish go to a gRPC thread.
  // Once the task is queued it may end the stream: nothing is touched after.
  if (resume) {
    replies_.Run([this] { StartRead(&request_); });
  } else if (finish) {
    replies_.Run([this] { Finish(grpc::Status::OK); });
  }
}

bool PublishStream::MaybeFinishLocked() {
  if (finished_ || !input_done_ || in_flight_ > 0 || reading_) return false;
  finished_ = true;
  response_->set_accepted(accepted_);
  response_->set_rejected(rejected_);
  response_->set_recipients(recipients_);
  response_->set_first_error(first_error_);
  rpc_metrics_.AddRecipients(recipients_);
  RecordCall(rpc_metrics_, grpc::StatusCode::OK,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  return true;
}

void PublishStream::OnCancel() {
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    input_done_ = true;
    paused_ = false;
    finish = MaybeFinishLocked();
  }
  if (finish) Finish(grpc::Status::OK);
}

void PublishStream::OnDone() {
  // Every delivery report has returned (Finish waits for in_flight_ == 0).
  // Taking the lock once orders their writes before the delete in a way
  // ThreadSanitizer can see: gRPC's own ordering lives in uninstrumented code.
  { std::lock_guard lock(mu_); }
  delete this;
}

}  // namespace hub::api
