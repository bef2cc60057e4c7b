#include "hub/core/batched_emit_stream.h"

#include <algorithm>

#include "hub/base/random_id.h"

namespace hub::core {

BatchedEmitStream::BatchedEmitStream(ShardDelivery& shards, OnReport on_report)
    : shards_(shards),
      on_report_(std::move(on_report)),
      queues_(shards.shards()),
      routed_(shards.shards()) {}

void BatchedEmitStream::Push(StreamEmit item) {
  const size_t count = queues_.size();
  if (item.selection) {
    Part part;
    part.emit = std::move(item.emit);
    part.selection = std::make_shared<const Selection>(*std::move(item.selection));
    part.is_volatile = item.is_volatile;
    if (count > 1) part.split = std::make_shared<Split>(static_cast<int>(count), 0);
    for (size_t shard = 0; shard + 1 < count; ++shard) Enqueue(shard, part);
    Enqueue(count - 1, std::move(part));
    return;
  }

  // EmitTo: each id goes to the shard that issued it.
  const uint64_t requested = item.socket_ids.size();
  uint64_t unroutable = 0;
  size_t involved = 0;
  for (auto& id : item.socket_ids) {
    const auto shard = ShardOfId(id);
    if (!shard || static_cast<size_t>(*shard) >= count) {
      ++unroutable;
      continue;
    }
    auto& ids = routed_[static_cast<size_t>(*shard)];
    if (ids.empty()) ++involved;
    ids.push_back(std::move(id));
  }
  if (involved == 0) {
    StreamReport report;
    report.emits = 1;
    report.unreached = requested > 0 ? 1 : 0;
    on_report_(report);
    return;
  }
  auto split = involved > 1 ? std::make_shared<Split>(static_cast<int>(involved), unroutable) : nullptr;
  for (size_t shard = 0; shard < count; ++shard) {
    if (routed_[shard].empty()) continue;
    Part part;
    part.emit = item.emit;
    part.ids = std::move(routed_[shard]);
    routed_[shard].clear();
    part.requested = requested;
    part.unroutable = unroutable;
    part.split = split;
    Enqueue(shard, std::move(part));
  }
}

void BatchedEmitStream::Enqueue(size_t shard, Part part) {
  ShardQueue& queue = queues_[shard];
  {
    std::lock_guard lock(queue.mu);
    queue.pending.push_back(std::move(part));
    if (queue.busy) return;  // the running batch's task picks this up next
    queue.busy = true;
  }
  shards_.PostToShard(shard, [self = shared_from_this(), shard] { self->RunBatch(shard); });
}

void BatchedEmitStream::RunBatch(size_t shard) {
  ShardQueue& queue = queues_[shard];
  if (queue.next == queue.taken.size()) {
    queue.taken.clear();  // keeps its capacity for the next swap
    queue.next = 0;
    std::lock_guard lock(queue.mu);
    queue.taken.swap(queue.pending);
  }
  StreamReport report;
  const size_t end = std::min(queue.taken.size(), queue.next + kMaxEmitsPerTask);
  for (; queue.next < end; ++queue.next) {
    Part part = std::move(queue.taken[queue.next]);  // freed as soon as delivered
    Deliver(shard, part, report);
  }
  // Only completed emits are reported: the caller ends the stream once every
  // emit is, and nothing below uses it (this task holds its own reference to
  // the queues).
  if (report.emits > 0) on_report_(report);

  bool more = queue.next < queue.taken.size();
  if (!more) {
    std::lock_guard lock(queue.mu);
    more = !queue.pending.empty();
    queue.busy = more;
  }
  // Posted rather than looped: the shard's sockets and other streams get
  // their turn between two batches.
  if (more) shards_.PostToShard(shard, [self = shared_from_this(), shard] { self->RunBatch(shard); });
}

void BatchedEmitStream::Deliver(size_t shard, Part& part, StreamReport& report) {
  uint64_t recipients = 0;
  uint64_t missing = 0;
  if (part.selection) {
    recipients = shards_.BroadcastOnShard(shard, *part.selection, *part.emit, part.is_volatile);
  } else {
    const EmitToResult result = shards_.EmitToOnShard(shard, *part.emit, part.ids);
    recipients = result.recipients;
    missing = result.missing.size();
  }
  if (part.split) {
    // Only the last part reports, with every part's counts: a report must
    // never follow the one that completes the stream's last emit.
    Split& split = *part.split;
    split.recipients.fetch_add(recipients, std::memory_order_relaxed);
    split.missing.fetch_add(missing, std::memory_order_relaxed);
    // acq_rel: the last part sees every other part's counts.
    if (split.parts_left.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    recipients = split.recipients.load(std::memory_order_relaxed);
    missing = split.missing.load(std::memory_order_relaxed);
  } else {
    missing += part.unroutable;
  }
  ++report.emits;
  report.recipients += recipients;
  if (part.selection) {
    report.broadcast_fanouts.push_back(recipients);
  } else if (missing == part.requested) {
    ++report.unreached;
  }
}

}  // namespace hub::core
