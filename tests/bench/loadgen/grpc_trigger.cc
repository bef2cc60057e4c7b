#include "grpc_trigger.h"

#include <time.h>

#include <cstdio>

#include "bench_payload.h"
#include "grpcpp/grpcpp.h"
#include "proc_stats.h"

namespace bench {

GrpcTrigger::GrpcTrigger(const std::string& target)
    : stub_(hub::v1::Hub::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))) {}

void GrpcTrigger::FillPayload(hub::v1::Payload& payload, uint32_t group, size_t payload_bytes) {
  const uint64_t seq = NextSeq(group);
  BuildArgs(payload_bytes, group, seq, MonotonicNs(), args_);
  payload.set_event(std::string(kEventName));
  payload.mutable_args()->Clear();
  for (const auto& arg : args_) payload.add_args(arg);
}

bool GrpcTrigger::JoinRooms(const std::vector<std::string>& ids, uint32_t rooms) {
  for (uint32_t r = 0; r < rooms; ++r) {
    hub::v1::RoomsRequest request;
    for (size_t i = r; i < ids.size(); i += rooms) request.mutable_selector()->add_socket_ids(ids[i]);
    request.add_rooms("r" + std::to_string(r));
    hub::v1::RoomsResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->JoinRooms(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "JoinRooms: %s\n", status.error_message().c_str());
      return false;
    }
  }
  return true;
}

uint64_t GrpcTrigger::Run(const Pattern& pattern) {
  grpc::ClientContext context;
  hub::v1::PublishResponse response;
  auto writer = stub_->Publish(&context, &response);
  hub::v1::PublishRequest request;
  auto* broadcast = request.mutable_broadcast();
  const uint64_t total = static_cast<uint64_t>(pattern.broadcasts_per_s * pattern.seconds + 0.5);
  const int64_t start = MonotonicNs();
  uint64_t sent = 0;
  while (sent < total) {
    // Everything due by now leaves now; the first broadcast at t=0.
    const double elapsed = double(MonotonicNs() - start) / 1e9;
    // A hub that cannot keep up slows the stream (flow control); give up
    // once half a step late, so a saturated step stays bounded in time.
    if (elapsed > pattern.seconds * 1.5) break;
    uint64_t due = static_cast<uint64_t>(elapsed * pattern.broadcasts_per_s) + 1;
    if (due > total) due = total;
    if (due <= sent) {
      const int64_t next_ns = start + static_cast<int64_t>(double(sent) / pattern.broadcasts_per_s * 1e9);
      const int64_t wait = next_ns - MonotonicNs();
      if (wait > 0) {
        timespec ts{wait / 1000000000, wait % 1000000000};
        nanosleep(&ts, nullptr);
      }
      continue;
    }
    for (; sent < due; ++sent) {
      if ((sent & 63) == 63 && MonotonicNs() - start > static_cast<int64_t>(pattern.seconds * 1.5e9)) {
        break;
      }
      const uint32_t group = GroupOf(pattern, broadcast_cursor_++);
      broadcast->mutable_selector()->clear_rooms();
      if (pattern.target == Pattern::Target::kRooms) {
        broadcast->mutable_selector()->add_rooms("r" + std::to_string(group));
      }
      FillPayload(*broadcast->mutable_payload(), group, pattern.payload_bytes);
      if (pattern.unary) {
        grpc::ClientContext call;
        hub::v1::EmitResponse reply;
        if (const grpc::Status s = stub_->Broadcast(&call, *broadcast, &reply); !s.ok()) {
          std::fprintf(stderr, "Broadcast: %s\n", s.error_message().c_str());
        }
        continue;
      }
      if (!writer->Write(request)) {
        std::fprintf(stderr, "Publish: stream broken\n");
        break;
      }
    }
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok() || response.rejected() > 0) {
    std::fprintf(stderr, "Publish: %s rejected=%llu %s\n", status.error_message().c_str(),
                 static_cast<unsigned long long>(response.rejected()), response.first_error().c_str());
  }
  return sent;
}

FloodResult GrpcTrigger::FloodEmitTo(const std::vector<std::string>& ids, double seconds,
                                     int in_flight, size_t payload_bytes) {
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    hub::v1::EmitToRequest request;
    hub::v1::EmitResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<hub::v1::EmitResponse>> reader;
  };
  FloodResult result;
  grpc::CompletionQueue queue;
  std::vector<Call> calls(static_cast<size_t>(in_flight));
  size_t next_client = 0;
  const int64_t start = MonotonicNs();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e9);
  auto launch = [&](size_t slot) {
    Call& call = calls[slot];
    const uint32_t client = static_cast<uint32_t>(next_client++ % ids.size());
    call.context = std::make_unique<grpc::ClientContext>();
    call.request.clear_socket_ids();
    call.request.add_socket_ids(ids[client]);
    FillPayload(*call.request.mutable_payload(), client, payload_bytes);
    call.reader = stub_->AsyncEmitTo(call.context.get(), call.request, &queue);
    call.reader->Finish(&call.response, &call.status, reinterpret_cast<void*>(slot));
  };
  for (size_t slot = 0; slot < calls.size(); ++slot) launch(slot);
  size_t outstanding = calls.size();
  void* tag;
  bool ok;
  while (outstanding > 0 && queue.Next(&tag, &ok)) {
    const size_t slot = reinterpret_cast<size_t>(tag);
    --outstanding;
    if (calls[slot].status.ok()) {
      ++result.ok;
    } else {
      if (result.failed++ == 0) result.error = calls[slot].status.error_message();
    }
    if (MonotonicNs() < end) {
      launch(slot);
      ++outstanding;
    }
  }
  result.seconds = double(MonotonicNs() - start) / 1e9;
  return result;
}

FloodResult GrpcTrigger::FloodPublish(const std::vector<std::string>& ids, double seconds,
                                      size_t payload_bytes) {
  FloodResult result;
  grpc::ClientContext context;
  hub::v1::PublishResponse response;
  auto writer = stub_->Publish(&context, &response);
  hub::v1::PublishRequest request;
  auto* emit = request.mutable_emit_to();
  const int64_t start = MonotonicNs();
  const int64_t end = start + static_cast<int64_t>(seconds * 1e9);
  uint64_t written = 0;
  size_t next_client = 0;
  while ((written & 63) != 0 || MonotonicNs() < end) {
    const uint32_t client = static_cast<uint32_t>(next_client++ % ids.size());
    emit->clear_socket_ids();
    emit->add_socket_ids(ids[client]);
    FillPayload(*emit->mutable_payload(), client, payload_bytes);
    if (!writer->Write(request)) break;
    ++written;
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  result.seconds = double(MonotonicNs() - start) / 1e9;
  result.ok = response.accepted();
  result.failed = response.rejected() + (written - response.accepted() - response.rejected());
  if (!status.ok()) result.error = status.error_message();
  else if (!response.first_error().empty()) result.error = response.first_error();
  return result;
}

}  // namespace bench
