// Hot-path counters, one set per shard. Only the owning shard thread writes
// them (a relaxed load+store, no locked instruction); the scrape reads them
// from another thread and sums the shards. prometheus-cpp's own Counter and
// Histogram would put a shared atomic or a mutex on every delivery.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "hub/base/disconnect_reason.h"

namespace hub::metrics {

// Building with HUB_NO_HOT_PATH_METRICS turns every per-shard recording into
// nothing. Only the metrics-overhead benchmark does that, to compare a
// broadcast with and without recording (tests/bench/RESULTS.md).
#ifdef HUB_NO_HOT_PATH_METRICS
inline constexpr bool kRecordHotPathMetrics = false;
#else
inline constexpr bool kRecordHotPathMetrics = true;
#endif

class ShardCounter {
 public:
  void Add(uint64_t n = 1) {
    if constexpr (kRecordHotPathMetrics) {
      value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  }
  uint64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class ShardGauge {
 public:
  void Add(int64_t n) {
    if constexpr (kRecordHotPathMetrics) {
      value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  }
  void Inc() { Add(1); }
  void Dec() { Add(-1); }
  int64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

enum class TransportKind : uint8_t { kWebSocket = 0, kPolling = 1 };
inline constexpr size_t kTransportKindCount = 2;
const char* TransportKindName(TransportKind kind);

// Why an outbound frame was not delivered.
// kQueueFull: a full queue under the drop policy (the frame is lost, the
// client stays); kSlowClient: a full queue under the disconnect policy (the
// frame and everything queued are lost with the client); kVolatile: skipped
// by a volatile broadcast; kClosed: sent to or queued on a closing session.
enum class DropReason : uint8_t { kQueueFull = 0, kVolatile = 1, kClosed = 2, kSlowClient = 3 };
inline constexpr size_t kDropReasonCount = 4;
const char* DropReasonName(DropReason reason);

// Why a handshake was refused.
enum class HandshakeRejection : uint8_t {
  kBadRequest = 0, kUnsupportedVersion, kUnknownTransport, kUnknownSession, kForbidden,
  kTooManyConnections, kDraining, kTimeout
};
inline constexpr size_t kHandshakeRejectionCount = 8;
const char* HandshakeRejectionName(HandshakeRejection reason);

// Sockets per namespace on one shard. Namespaces are client-chosen when
// --namespaces is empty, so only the first kMaxNamespaceLabels distinct names
// get their own label; the rest are summed under "other". Changed on socket
// connect/disconnect only, so a mutex (never contended by a scrape for long)
// is fine here.
class NamespaceGauge {
 public:
  static constexpr size_t kMaxNamespaceLabels = 64;
  void Add(const std::string& nsp, int64_t delta);
  // (namespace, count) pairs, "other" last when used.
  std::vector<std::pair<std::string, int64_t>> Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, int64_t>> counts_;
  int64_t other_ = 0;
};

// A histogram one shard writes and the scrape merges: a counter per bucket
// (upper bounds fixed at construction), a count and a sum.
class ShardHistogram {
 public:
  explicit ShardHistogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

  void Observe(double value) {
    if constexpr (!kRecordHotPathMetrics) return;
    size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    buckets_[i].Add();
    count_.Add();
    // Single writer: a plain read-modify-write of the bits is race-free.
    const double sum = std::bit_cast<double>(sum_bits_.load(std::memory_order_relaxed)) + value;
    sum_bits_.store(std::bit_cast<uint64_t>(sum), std::memory_order_relaxed);
  }

  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative count of bucket i (the last one is +Inf).
  uint64_t bucket(size_t i) const { return buckets_[i].Get(); }
  uint64_t count() const { return count_.Get(); }
  double sum() const { return std::bit_cast<double>(sum_bits_.load(std::memory_order_relaxed)); }

 private:
  const std::vector<double> bounds_;
  std::vector<ShardCounter> buckets_;
  ShardCounter count_;
  std::atomic<uint64_t> sum_bits_{0};
};

// alignas keeps two shards' counters off one cache line.
struct alignas(64) ShardStats {
  std::array<ShardGauge, kTransportKindCount> connections;
  std::array<ShardCounter, kTransportKindCount> handshakes;
  std::array<ShardCounter, kHandshakeRejectionCount> handshakes_rejected;
  std::array<ShardCounter, kDisconnectReasonCount> disconnects;
  ShardGauge sockets;
  NamespaceGauge sockets_by_namespace;
  std::array<ShardCounter, kDisconnectReasonCount> socket_disconnects;
  std::array<ShardCounter, kTransportKindCount> packets_in;
  std::array<ShardCounter, kTransportKindCount> packets_out;
  std::array<ShardCounter, kTransportKindCount> bytes_in;
  std::array<ShardCounter, kTransportKindCount> bytes_out;
  std::array<ShardCounter, kDropReasonCount> frames_dropped;
  // Time from PING to PONG, seconds.
  ShardHistogram pong_latency{{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
  // Frames queued on a connection each time its transport writes.
  ShardHistogram queue_depth{{0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384}};
  ShardCounter pings_sent;
  ShardCounter pongs_received;
  ShardCounter heartbeat_timeouts;
  ShardCounter client_events;
  ShardCounter upgrades;  // polling sessions moved to WebSocket
  ShardGauge io_uring_writes;  // 1 while this shard's write rounds use io_uring
};

}  // namespace hub::metrics
