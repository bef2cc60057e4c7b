#include "hub/engineio/write_flusher.h"

#include <algorithm>

#include "boost/asio/post.hpp"

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

WriteFlusher::WriteFlusher(boost::asio::io_context& io, const WriteFlushOptions& options)
    : io_(io), options_(options), pacing_timer_(io), probe_backoff_(kFirstProbeBackoff) {}

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
  size_t gathered = 0;  // targets that wrote more than one frame
  // Targets also written less than half of max_delay before: a pause of at
  // most max_delay can gather two frames for them, not for slower ones.
  size_t recent = 0;
  const auto recent_since = started - options_.max_delay / 2;
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
    if (target->last_flushed_at_ > recent_since) ++recent;
    target->last_flushed_at_ = started;
    if (target->Flush() > 1) ++gathered;
  }
  round_.clear();
  const auto finished = std::chrono::steady_clock::now();
  const auto share_of = [count](size_t n) {
    return count == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(count);
  };
  const double paced_share = PacedShare(finished, share_of(gathered), share_of(recent));
  const auto pause = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      (finished - started) * (options_.pacing_ratio * paced_share));
  last_pause_ = std::min<std::chrono::steady_clock::duration>(pause, options_.max_delay);
  next_round_at_ = finished + last_pause_;
  // Requests made during the round waited for this: now they know when.
  scheduled_ = false;
  if (!pending_.empty()) Schedule();
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
