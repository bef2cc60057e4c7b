#include "hub/engineio/write_flusher.h"

#include <algorithm>

#include "boost/asio/post.hpp"

namespace hub::engineio {

WriteFlusher::WriteFlusher(boost::asio::io_context& io, const WriteFlushOptions& options)
    : io_(io), options_(options), pacing_timer_(io) {}

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
  for (size_t i = 0; i < count; ++i) {
    // Two steps ahead the object itself, one step ahead what it points to.
    if (i + 2 < count) {
      const char* object = reinterpret_cast<const char*>(round_[i + 2].get());
      __builtin_prefetch(object);
      __builtin_prefetch(object + 64);
    }
    if (i + 1 < count) round_[i + 1]->PrefetchForFlush();
    if (round_[i]->Flush() > 1) ++gathered;
  }
  round_.clear();
  const auto finished = std::chrono::steady_clock::now();
  const double gathered_share = count == 0 ? 0.0 : static_cast<double>(gathered) / static_cast<double>(count);
  const auto pause = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      (finished - started) * (options_.pacing_ratio * gathered_share));
  last_pause_ = std::min<std::chrono::steady_clock::duration>(pause, options_.max_delay);
  next_round_at_ = finished + last_pause_;
  // Requests made during the round waited for this: now they know when.
  scheduled_ = false;
  if (!pending_.empty()) Schedule();
}

}  // namespace hub::engineio
