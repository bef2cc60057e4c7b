// The backend end of client→server traffic: one hub.v1 Subscribe stream for
// the bench's upstream event, read on its own thread, with the same
// accounting as the clients' receive path (latency from the timestamp in the
// arguments, per-client sequence gaps and duplicates).
//
// Events are 42["u",<client>,<seq>,<t_ns>,"pad"], emitted by the clients of
// the inbound scenario; the subscriber sees their arguments as JSON texts.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "histogram.h"

namespace grpc {
class ClientContext;
}

namespace bench {

inline constexpr std::string_view kUpstreamEventName = "u";

class EventSubscriber {
 public:
  // Subscribes to `kUpstreamEventName` on the server at `target` (host:port)
  // for `clients` clients (sequence numbers are tracked per client index).
  EventSubscriber(const std::string& target, size_t clients);
  ~EventSubscriber();  // cancels the stream and joins the thread
  EventSubscriber(const EventSubscriber&) = delete;
  EventSubscriber& operator=(const EventSubscriber&) = delete;

  // Unique events received so far (duplicates not counted).
  uint64_t received() const { return received_.load(std::memory_order_acquire); }
  uint64_t duplicates() const { return duplicates_.load(std::memory_order_acquire); }
  // Events whose arguments were not the bench's (counted, otherwise ignored).
  uint64_t malformed() const { return malformed_.load(std::memory_order_acquire); }
  // Why the stream ended early, once it has; empty while it runs.
  std::string error() const;
  // The latency histogram since the last call, and a fresh one from now on.
  Histogram TakeLatency();

 private:
  void ReadLoop(const std::string& target);
  void Record(std::string_view client, std::string_view seq, std::string_view t_ns);

  std::unique_ptr<grpc::ClientContext> context_;
  std::vector<int64_t> last_seq_;  // per client; read thread only
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> malformed_{0};
  mutable std::mutex mutex_;  // guards latency_ and error_
  Histogram latency_;
  std::string error_;
  std::thread reader_;
};

}  // namespace bench
