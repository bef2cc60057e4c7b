// Once per shard turn, writes out every connection that has frames queued.
//
// A connection that gets a frame does not write at once: it asks the shard's
// flusher, which runs after the work already queued on the shard (a whole
// broadcast, a batch of backend emits, a burst of client packets). So every
// frame queued for a connection in that turn leaves in one writev, and no
// connection pays for an asynchronous write operation per frame.
//
// Under sustained load the flusher also paces itself: after a round that
// took D, the next one waits `pacing_ratio` × D × (the share of the round's
// connections that wrote more than one frame), at most `max_delay`.
// Connections that had several frames waiting are the ones a wait gathers
// frames for: when a shard falls behind a broadcast to everyone, or a stream
// of emits round-robin over its sockets, the wait lets their frames leave in
// fewer, larger writes and the shard spends at most 1/(1 + ratio) of its
// time writing. When rounds write one frame per connection (many small
// rooms, or a shard that keeps up), a wait would gather nothing and only
// add latency, and the share keeps it at zero.
//
// That share cannot start pacing where every write is one frame because
// rounds come too often to gather more (a stream of emits round-robin over
// many sockets). So when most of a round's connections were also written
// less than `max_delay` / 2 before (often enough that a pause of at most
// `max_delay` can gather two frames for them), the flusher probes: for a
// while it paces by the share of those recently written connections
// instead. If the pauses gather frames (most connections write more than
// one), the probe goes on; if not (many small rooms, each socket getting a
// frame now and then), it ends and the next probe waits twice as long as
// the last, so a pattern that pausing cannot help pays for a probe only
// rarely.
//
// Where io_uring is available (see BatchedSender) a round makes one system
// call for all its writes: it asks every target for its write, submits them
// together, then hands each target its result.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hub/engineio/batched_sender.h"
#include "metrics/shard_stats.h"

namespace hub::engineio {

struct WriteFlushOptions {
  // The next flush waits this many times the previous flush's duration.
  // 0 writes at every turn.
  double pacing_ratio = 4.0;
  // Upper bound of that wait.
  std::chrono::microseconds max_delay{20000};
  // Submit each round's writes together through io_uring where the build
  // and the kernel allow it; otherwise one send() per connection.
  bool batch_writes = true;
};

class FlushTarget {
 public:
  virtual ~FlushTarget() = default;
  // Writes what is queued, without blocking; returns how many frames left.
  virtual size_t Flush() = 0;
  // Starts loading what Flush will read. The round calls it on the next
  // target while the current one is in the kernel: between two rounds the
  // kernel's send path evicts every connection's state from the caches.
  virtual void PrefetchForFlush() const {}

  // The batched round, instead of Flush: appends this target's next write
  // to the batch (its buffers to `iov`) and returns true, or returns false
  // when it has nothing to write now (the round then calls Flush, which
  // does what that case needs). One write per round: a backlog larger than
  // one write asks for the next round.
  virtual bool PrepareBatchedWrite(BatchedWrite& /*write*/, std::vector<iovec>& /*iov*/) { return false; }
  // The prepared write went out with `write.result`; returns how many
  // frames left.
  virtual size_t CompleteBatchedWrite(const BatchedWrite& /*write*/) { return 0; }

 private:
  friend class WriteFlusher;
  // When the flusher last wrote this target (its round's start).
  std::chrono::steady_clock::time_point last_flushed_at_{};
};

class WriteFlusher : public std::enable_shared_from_this<WriteFlusher> {
 public:
  // `batching_shards`, when given, counts this flusher while its rounds are
  // batched (the hub_io_uring_shards gauge).
  WriteFlusher(boost::asio::io_context& io, const WriteFlushOptions& options,
               metrics::ShardGauge* batching_shards = nullptr);
  ~WriteFlusher();
  WriteFlusher(const WriteFlusher&) = delete;
  WriteFlusher& operator=(const WriteFlusher&) = delete;

  // Flushes `target` in the next round. The caller makes sure a target is
  // requested at most once per round (it keeps a flag); the flusher holds it
  // alive until then.
  void Request(std::shared_ptr<FlushTarget> target);
  // The wait the last round chose before the next one (tests, diagnostics).
  std::chrono::steady_clock::duration last_pause() const { return last_pause_; }
  // Whether pauses follow the recently written share now (tests).
  bool probing() const { return probing_; }
  // Whether rounds submit their writes together (io_uring) or one by one.
  bool batching() const { return sender_ != nullptr; }
  // Why batching was asked for but is off (the kernel or build refused
  // io_uring, or a submission failed and the rounds went back to send());
  // empty otherwise.
  const std::string& batching_unavailable() const { return batching_unavailable_; }
  // Tests: makes the sender's submissions fail (BatchedSender's hook).
  void FailBatchingForTest(int after, int error) {
    if (sender_) sender_->FailSubmissionsForTest(after, error);
  }
  // Writes that went out through a batch so far (tests, diagnostics).
  uint64_t batched_writes() const { return batched_writes_; }

 private:
  void Schedule();
  void RunRound();
  struct RoundCounts {
    size_t gathered = 0;  // targets that wrote more than one frame
    size_t recent = 0;    // targets also written shortly before (see Stamp)
  };
  // Each of the round's targets gets one turn to write, one send() at a
  // time or as one batch.
  RoundCounts FlushOneByOne(std::chrono::steady_clock::time_point started);
  RoundCounts FlushBatched(std::chrono::steady_clock::time_point started);
  // Records that `target` is written in the round that started at
  // `started`; true when it was also written less than half of max_delay
  // before.
  bool Stamp(FlushTarget& target, std::chrono::steady_clock::time_point started) const;
  // After the sender's ring failed: every later round writes one by one.
  void StopBatching();
  // The share of the round's connections the next pause is for.
  double PacedShare(std::chrono::steady_clock::time_point now, double gathered_share, double recent_share);

  boost::asio::io_context& io_;
  const WriteFlushOptions options_;
  boost::asio::steady_timer pacing_timer_;
  std::vector<std::shared_ptr<FlushTarget>> pending_;
  std::vector<std::shared_ptr<FlushTarget>> round_;
  bool scheduled_ = false;
  std::chrono::steady_clock::time_point next_round_at_{};
  std::chrono::steady_clock::duration last_pause_{};
  // Probing (see the top of this file): pauses follow the recently written
  // share until `probe_until_`; no new probe starts before
  // `next_probe_at_`.
  bool probing_ = false;
  std::chrono::steady_clock::time_point probe_until_{};
  std::chrono::steady_clock::time_point next_probe_at_{};
  std::chrono::steady_clock::duration probe_backoff_;
  // Batched rounds: the sender, and the round's writes and their buffers,
  // kept between rounds for their capacity.
  std::unique_ptr<BatchedSender> sender_;
  std::string batching_unavailable_;
  metrics::ShardGauge* batching_shards_;
  std::vector<BatchedWrite> batch_;
  std::vector<size_t> batch_targets_;  // each write's index in round_
  std::vector<iovec> batch_buffers_;
  uint64_t batched_writes_ = 0;
};

}  // namespace hub::engineio
