#include "hub/engineio/write_flusher.h"

#include <algorithm>
#include <utility>

#include "boost/asio/post.hpp"
#include "hub/base/log.h"

namespace hub::engineio {
namespace {

// "Most" of a round's connections, for starting and keeping a probe.
constexpr double kMostShare = 0.5;
// A probe lasts this long after its start or its last round that gathered.
constexpr std::chrono::milliseconds kProbeLength{100};
// The wait before the next probe after a probe that gathered nothing,
// doubled after each further one.
constexpr std::chrono::milliseconds kFirstProbeBackoff{100};
constexpr std::chrono::milliseconds kLongestProbeBackoff{5000};

}  // namespace

WriteFlusher::WriteFlusher(boost::asio::io_context& io, const WriteFlushOptions& options,
                           metrics::ShardGauge* batching_shards)
    : io_(io),
      options_(options),
      pacing_timer_(io),
      probe_backoff_(kFirstProbeBackoff),
      batching_shards_(batching_shards) {
  if (options_.batch_writes) {
    auto sender = BatchedSender::Create();
    if (sender.ok()) {
      sender_ = *std::move(sender);
      if (batching_shards_ != nullptr) batching_shards_->Inc();
    } else {
      batching_unavailable_ = std::string(sender.status().message());
    }
  }
}

WriteFlusher::~WriteFlusher() {
  if (sender_ && batching_shards_ != nullptr) batching_shards_->Dec();
}

void WriteFlusher::StopBatching() {
  batching_unavailable_ = std::string(sender_->failure().message());
  HUB_LOG_WARN("event=write_path mode=send reason={}", LogValue(batching_unavailable_));
  if (batching_shards_ != nullptr) batching_shards_->Dec();
  sender_.reset();
}

void WriteFlusher::Request(std::shared_ptr<FlushTarget> target) {
  pending_.push_back(std::move(target));
  if (!scheduled_) Schedule();
}

void WriteFlusher::Schedule() {
  scheduled_ = true;
  auto self = shared_from_this();
  if (std::chrono::steady_clock::now() >= next_round_at_) {
    boost::asio::post(io_, [self] { self->RunRound(); });
    return;
  }
  pacing_timer_.expires_at(next_round_at_);
  pacing_timer_.async_wait([self](const boost::system::error_code&) { self->RunRound(); });
}

void WriteFlusher::RunRound() {
  const auto started = std::chrono::steady_clock::now();
  // Targets requested while this round runs (more than one write's worth
  // queued, a reply to a packet read meanwhile) go into the next round.
  round_.swap(pending_);
  const size_t count = round_.size();
  const RoundCounts counts = sender_ ? FlushBatched(started) : FlushOneByOne(started);
  round_.clear();
  const auto finished = std::chrono::steady_clock::now();
  const auto share_of = [count](size_t n) {
    return count == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(count);
  };
  const double paced_share = PacedShare(finished, share_of(counts.gathered), share_of(counts.recent));
  const auto pause = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      (finished - started) * (options_.pacing_ratio * paced_share));
  last_pause_ = std::min<std::chrono::steady_clock::duration>(pause, options_.max_delay);
  next_round_at_ = finished + last_pause_;
  // Requests made during the round waited for this: now they know when.
  scheduled_ = false;
  if (!pending_.empty()) Schedule();
}

bool WriteFlusher::Stamp(FlushTarget& target, std::chrono::steady_clock::time_point started) const {
  // Written less than half of max_delay before: a pause of at most max_delay
  // can gather two frames for this target, not for slower ones.
  const bool recent = target.last_flushed_at_ > started - options_.max_delay / 2;
  target.last_flushed_at_ = started;
  return recent;
}

WriteFlusher::RoundCounts WriteFlusher::FlushOneByOne(std::chrono::steady_clock::time_point started) {
  const size_t count = round_.size();
  RoundCounts counts;
  for (size_t i = 0; i < count; ++i) {
    // Two steps ahead the object itself, one step ahead what it points to.
    if (i + 2 < count) {
      const char* object = reinterpret_cast<const char*>(round_[i + 2].get());
      __builtin_prefetch(object);
      __builtin_prefetch(object + 64);
    }
    if (i + 1 < count) round_[i + 1]->PrefetchForFlush();
    // Taken out of the round so that the reference drops here, while the
    // target is still in the cache, not in a second pass over them all.
    const std::shared_ptr<FlushTarget> target = std::move(round_[i]);
    if (Stamp(*target, started)) ++counts.recent;
    if (target->Flush() > 1) ++counts.gathered;
  }
  return counts;
}

WriteFlusher::RoundCounts WriteFlusher::FlushBatched(std::chrono::steady_clock::time_point started) {
  const size_t count = round_.size();
  RoundCounts counts;
  batch_.clear();
  batch_targets_.clear();
  batch_buffers_.clear();
  for (size_t i = 0; i < count; ++i) {
    if (i + 4 < count) {
      const char* object = reinterpret_cast<const char*>(round_[i + 4].get());
      __builtin_prefetch(object);
      __builtin_prefetch(object + 64);
      __builtin_prefetch(object + 128);
    }
    if (i + 2 < count) round_[i + 2]->PrefetchForFlush();
    if (Stamp(*round_[i], started)) ++counts.recent;
    BatchedWrite write;
    if (round_[i]->PrepareBatchedWrite(write, batch_buffers_)) {
      batch_.push_back(write);
      batch_targets_.push_back(i);
    }
  }
  if (!batch_.empty()) sender_->Send(batch_, batch_buffers_);
  batched_writes_ += batch_.size();
  // Its results are in either way; the rounds after write one by one.
  if (!sender_->failure().ok()) StopBatching();
  for (size_t b = 0; b < batch_.size(); ++b) {
    if (b + 2 < batch_.size()) round_[batch_targets_[b + 2]]->PrefetchForFlush();
    const std::shared_ptr<FlushTarget> target = std::move(round_[batch_targets_[b]]);
    if (target->CompleteBatchedWrite(batch_[b]) > 1) ++counts.gathered;
  }
  // The rest had nothing to write now: Flush does what their state needs.
  for (auto& target : round_) {
    if (target && std::exchange(target, nullptr)->Flush() > 1) ++counts.gathered;
  }
  return counts;
}

double WriteFlusher::PacedShare(std::chrono::steady_clock::time_point now, double gathered_share,
                                double recent_share) {
  if (probing_ && now >= probe_until_) {
    // The probe's pauses gathered nothing for long enough: not this load.
    probing_ = false;
    next_probe_at_ = now + probe_backoff_;
    probe_backoff_ = std::min<std::chrono::steady_clock::duration>(probe_backoff_ * 2, kLongestProbeBackoff);
  }
  if (!probing_ && gathered_share < kMostShare && recent_share >= kMostShare && now >= next_probe_at_) {
    probing_ = true;
    probe_until_ = now + kProbeLength;
  }
  if (!probing_) return gathered_share;
  if (gathered_share >= kMostShare) {
    probe_until_ = now + kProbeLength;
    probe_backoff_ = kFirstProbeBackoff;
  }
  return std::max(gathered_share, recent_share);
}

}  // namespace hub::engineio
