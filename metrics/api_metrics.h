// Metrics of the backend API: gRPC calls and Subscribe streams. Every
// labelled child is looked up in its family once, at first use, and kept:
// prometheus-cpp's Family::Add hashes the labels under a mutex, too much to
// pay per RPC or per Publish emit. The counters themselves are atomic.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hub::metrics {

class ApiMetrics;

// The metrics of one RPC method: hub_grpc_calls_total{method,code},
// hub_grpc_call_duration_seconds{method} and hub_emit_recipients_total{rpc}.
// Get it once from ApiMetrics::ForMethod and keep the reference.
class RpcMetrics {
 public:
  // The gRPC status codes 0 (OK) to 16 (UNAUTHENTICATED).
  static constexpr int kCodes = 17;

  // One finished call. `code` is the gRPC status code, `code_name` its
  // label ("OK", "NOT_FOUND", ...); a code outside 0-16 is counted
  // correctly too, only without the cached child.
  void RecordCall(int code, const char* code_name, double seconds);
  // Sockets one emit of this method was queued to.
  void AddRecipients(uint64_t recipients);

 private:
  friend class ApiMetrics;
  RpcMetrics(ApiMetrics& owner, std::string method) : owner_(owner), method_(std::move(method)) {}

  ApiMetrics& owner_;
  const std::string method_;
  std::array<std::atomic<prometheus::Counter*>, kCodes> calls_{};
  std::atomic<prometheus::Histogram*> latency_{nullptr};
  std::atomic<prometheus::Counter*> recipients_{nullptr};
};

// One socket's answer to an EmitWithAck, the `result` label of hub_acks_total.
enum class AckResult { kOk, kTimeout, kDisconnected };
inline constexpr int kAckResults = 3;

class ApiMetrics {
 public:
  explicit ApiMetrics(prometheus::Registry& registry);

  // The metrics of `method` ("EmitTo", "Publish", ...). Takes a lock: call
  // it at start-up (or once per stream), not per call.
  RpcMetrics& ForMethod(std::string_view method);

  // One socket's answer to an EmitWithAck, timed from the emit.
  void RecordAck(AckResult result, double seconds);
  // Recipients of one broadcast (Broadcast RPC or a Publish broadcast).
  void RecordFanout(uint64_t recipients) { fanout_.Observe(static_cast<double>(recipients)); }

  prometheus::Counter& events_delivered;
  prometheus::Counter& events_dropped_queue_full;
  prometheus::Counter& events_dropped_no_subscriber;

 private:
  friend class RpcMetrics;

  prometheus::Family<prometheus::Counter>& recipients_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& acks_;
  prometheus::Family<prometheus::Histogram>& ack_latency_;
  prometheus::Histogram& fanout_;
  std::array<std::atomic<prometheus::Counter*>, kAckResults> ack_counts_{};
  std::array<std::atomic<prometheus::Histogram*>, kAckResults> ack_times_{};

  std::mutex methods_mu_;
  std::map<std::string, std::unique_ptr<RpcMetrics>, std::less<>> methods_;
};

}  // namespace hub::metrics
