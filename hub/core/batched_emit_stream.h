// The local hub's EmitStream: emits are queued per shard and each shard
// takes what is queued for it as one batch, in one posted task, with at
// most one batch of a stream in flight per shard. While a shard works
// through a batch the next one builds up, so a busy hub pays one hand-off
// (and one thread wake-up) per batch instead of per emit, and one report.
//
// Order: a shard's queue is FIFO and its batches run one after the other,
// so every socket (which lives on one shard) sees the push order. An emit
// that spans several shards (a broadcast with --shards > 1, an EmitTo whose
// ids live on several shards) is reported once its last part is delivered.
// The queues hold at most what the caller lets be in flight (the Publish
// RPC's --publish_max_in_flight); one task delivers at most
// kMaxEmitsPerTask of them, then posts itself again, so the shard's sockets
// and other streams get their turn however large that setting is.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/core/emit_stream.h"

namespace hub::core {

// Where batches are delivered: the shards of HubCore (a fake in tests).
class ShardDelivery {
 public:
  virtual ~ShardDelivery() = default;
  virtual size_t shards() const = 0;
  // Runs `task` on the thread of shard `shard`.
  virtual void PostToShard(size_t shard, std::function<void()> task) = 0;
  // --- On the thread of shard `shard`. ---
  // Queues `emit` to the sockets `ids` of this shard that are connected to
  // its namespace; the others go to `missing`.
  virtual EmitToResult EmitToOnShard(size_t shard, const Emit& emit, std::vector<std::string>& ids) = 0;
  // Queues `emit` to the selected sockets of this shard; returns how many.
  virtual uint64_t BroadcastOnShard(size_t shard, const Selection& selection, const Emit& emit,
                                    bool is_volatile) = 0;
};

class BatchedEmitStream : public EmitStream, public std::enable_shared_from_this<BatchedEmitStream> {
 public:
  // Emit parts one shard task delivers before it yields (about 1 ms of sends).
  static constexpr size_t kMaxEmitsPerTask = 256;

  BatchedEmitStream(ShardDelivery& shards, OnReport on_report);

  void Push(StreamEmit emit) override;

 private:
  // An emit whose parts run on several shards; the last part reports it.
  struct Split {
    explicit Split(int parts, uint64_t missing) : parts_left(parts), missing(missing) {}
    std::atomic<int> parts_left;
    std::atomic<uint64_t> recipients{0};
    std::atomic<uint64_t> missing;  // EmitTo: ids not found so far
  };
  // One emit's part for one shard.
  struct Part {
    SharedEmit emit;
    std::vector<std::string> ids;                 // EmitTo: this shard's ids
    std::shared_ptr<const Selection> selection;   // Broadcast
    bool is_volatile = false;
    uint64_t requested = 0;     // EmitTo: ids in the whole emit
    uint64_t unroutable = 0;    // EmitTo: of those, ids no shard issued
    std::shared_ptr<Split> split;  // null: this part is the whole emit
  };
  struct ShardQueue {
    std::mutex mu;
    std::vector<Part> pending;  // pushed, not yet taken by the shard
    bool busy = false;          // a batch task is posted or running
    // Shard thread only: the batch taken from `pending`, delivered from
    // `next` on, kMaxEmitsPerTask per task.
    std::vector<Part> taken;
    size_t next = 0;
  };

  void Enqueue(size_t shard, Part part);
  // Shard thread: delivers what is queued for `shard` and reports it.
  void RunBatch(size_t shard);
  void Deliver(size_t shard, Part& part, StreamReport& report);

  ShardDelivery& shards_;
  const OnReport on_report_;
  std::vector<ShardQueue> queues_;
  std::vector<std::vector<std::string>> routed_;  // Push scratch, per shard
};

}  // namespace hub::core
