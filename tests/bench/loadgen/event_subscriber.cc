#include "event_subscriber.h"

#include <charconv>

#include "grpcpp/grpcpp.h"
#include "hub/v1/hub.grpc.pb.h"
#include "proc_stats.h"

namespace bench {
namespace {

template <typename Int>
bool ParseInt(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

EventSubscriber::EventSubscriber(const std::string& target, size_t clients)
    : context_(std::make_unique<grpc::ClientContext>()), last_seq_(clients, -1) {
  reader_ = std::thread([this, target] { ReadLoop(target); });
}

EventSubscriber::~EventSubscriber() {
  context_->TryCancel();
  reader_.join();
}

std::string EventSubscriber::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

Histogram EventSubscriber::TakeLatency() {
  std::lock_guard<std::mutex> lock(mutex_);
  Histogram taken = latency_;
  latency_.Clear();
  return taken;
}

void EventSubscriber::ReadLoop(const std::string& target) {
  auto stub = hub::v1::Hub::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  hub::v1::SubscribeRequest request;
  request.add_events(std::string(kUpstreamEventName));
  auto reader = stub->Subscribe(context_.get(), request);
  hub::v1::ClientEvent event;
  while (reader->Read(&event)) {
    const auto& args = event.event().payload().args();
    if (!event.has_event() || args.size() < 3) {
      malformed_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    Record(args[0], args[1], args[2]);
  }
  const grpc::Status status = reader->Finish();
  if (status.error_code() != grpc::StatusCode::CANCELLED) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = status.ok() ? "stream ended" : status.error_message();
  }
}

void EventSubscriber::Record(std::string_view client, std::string_view seq_text, std::string_view t_text) {
  const int64_t now = MonotonicNs();
  size_t index = 0;
  int64_t seq = 0;
  int64_t t_ns = 0;
  if (!ParseInt(client, index) || !ParseInt(seq_text, seq) || !ParseInt(t_text, t_ns) ||
      index >= last_seq_.size()) {
    malformed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    latency_.Record(now - t_ns);
  }
  if (seq <= last_seq_[index]) {
    duplicates_.fetch_add(1, std::memory_order_release);
    return;
  }
  last_seq_[index] = seq;
  received_.fetch_add(1, std::memory_order_release);
}

}  // namespace bench
