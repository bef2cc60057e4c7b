#include "overload.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "hub_counters.h"
#include "proc_stats.h"
#include "scenario_setup.h"

namespace bench {
namespace {

constexpr int64_t kRssSampleNs = 20'000'000;  // server RSS read every 20 ms
constexpr double kSettleS = 1;                // before the final RSS figure
constexpr int64_t kQuietNs = 500'000'000;     // a drain with no message for this long is over

uint64_t Unique(const Client& c) { return c.received - c.duplicates; }

// Client `index` is one of those that stall: `fraction` of them, spread evenly.
bool Stalls(uint32_t index, double fraction) {
  return std::floor(double(index + 1) * fraction) > std::floor(double(index) * fraction);
}

// What the clients that kept reading saw while the others were stalled.
struct ReaderFigures {
  uint64_t expected = 0, received = 0, duplicates = 0, closed = 0;
  int64_t p50_ns = 0, p99_ns = 0, max_ns = 0;
  double span_s = 0;     // trigger start → last delivery (or trigger end)
  double trigger_s = 0;  // trigger start → trigger done
};

// What became of the stalled clients once they read again.
struct StalledFigures {
  uint64_t closed = 0;    // the server had closed them
  uint64_t complete = 0;  // open, with every broadcast
  uint64_t received = 0, duplicates = 0;
  uint64_t missing = 0;   // broadcasts never received: dropped, or after the close
  double drain_s = 0;
};

class Overload {
 public:
  explicit Overload(const Options& o) : o_(o), pool_(PoolOptionsFor(o)), trigger_(TriggerFor(o)) {}

  int Run() {
    const auto ids = ConnectGrouped(o_, pool_, [](size_t) { return 0u; });
    if (ids.empty()) return 1;
    Pump(pool_, 0.5);
    for (Client& c : pool_.clients()) {
      if (c.ready) (Stalls(c.index, o_.stall_fraction) ? stalled_ : readers_).push_back(&c);
    }
    for (Client* c : stalled_) pool_.Stall(*c);

    const HubCounters counters0 = ScrapeHubCounters(o_.admin);
    const ProcSample before = ReadProc(o_.pid);
    peak_rss_kb_ = before.rss_kb;
    const ReaderFigures readers = Broadcast();
    const ProcSample after_readers = ReadProc(o_.pid);
    const StalledFigures stalled = Drain();
    const int64_t settle_end = MonotonicNs() + static_cast<int64_t>(kSettleS * 1e9);
    while (MonotonicNs() < settle_end) Poll();
    const ProcSample final_sample = ReadProc(o_.pid);
    const HubCounters counters1 = ScrapeHubCounters(o_.admin);

    const double server_cpu_s = double(after_readers.cpu_ns - before.cpu_ns) / 1e9;
    PrintHeader("result", o_, static_cast<int>(ids.size()));
    std::printf(
        "readers=%zu stalled=%zu broadcasts_per_s=%.0f seconds=%.1f broadcasts=%llu "
        "offered_per_s=%.0f reader_delivered_per_s=%.0f expected=%llu received=%llu lost=%lld "
        "dup=%llu readers_closed=%llu p50_us=%.0f p99_us=%.0f max_us=%.0f srv_cpu_ns_per_msg=%.0f "
        "srv_util=%.2f srv_rss_before_mb=%.1f srv_rss_peak_mb=%.1f srv_rss_end_mb=%.1f "
        "srv_rss_final_mb=%.1f srv_hwm_mb=%.1f stalled_closed=%llu stalled_complete=%llu "
        "stalled_open_short=%llu stalled_missing=%llu stalled_received=%llu stalled_dup=%llu "
        "drain_s=%.2f scraped=%d%s\n",
        readers_.size(), stalled_.size(), o_.broadcasts_per_s, o_.seconds,
        (unsigned long long)sent_, readers.trigger_s > 0 ? double(sent_ * ids.size()) / readers.trigger_s : 0,
        readers.span_s > 0 ? double(readers.received) / readers.span_s : 0,
        (unsigned long long)readers.expected, (unsigned long long)readers.received,
        (long long)readers.expected - (long long)readers.received,
        (unsigned long long)readers.duplicates, (unsigned long long)readers.closed,
        readers.p50_ns / 1e3, readers.p99_ns / 1e3, readers.max_ns / 1e3,
        readers.received ? server_cpu_s * 1e9 / double(readers.received) : 0.0,
        readers.span_s > 0 ? server_cpu_s / readers.span_s : 0.0, before.rss_kb / 1024.0,
        peak_rss_kb_ / 1024.0, rss_at_trigger_end_kb_ / 1024.0, final_sample.rss_kb / 1024.0,
        final_sample.hwm_kb / 1024.0, (unsigned long long)stalled.closed,
        (unsigned long long)stalled.complete,
        (unsigned long long)(stalled_.size() - stalled.closed - stalled.complete),
        (unsigned long long)stalled.missing, (unsigned long long)stalled.received,
        (unsigned long long)stalled.duplicates, stalled.drain_s, counters1.empty() ? 0 : 1,
        DescribeCounterDeltas(counters0, counters1).c_str());
    std::fflush(stdout);
    return 0;
  }

 private:
  static PoolOptions PoolOptionsFor(const Options& o) {
    PoolOptions p = PoolFor(o);
    p.max_segment = [fraction = o.stall_fraction, mss = o.stall_mss](uint32_t index) {
      return Stalls(index, fraction) ? mss : 0;
    };
    return p;
  }

  // One round of reading (readers only while the others are stalled), with
  // the server's RSS sampled on the way.
  void Poll() {
    const uint64_t messages = pool_.counters().messages;
    pool_.Poll(1);
    const int64_t now = MonotonicNs();
    if (pool_.counters().messages != messages) last_message_ = now;
    if (now >= next_sample_) {
      peak_rss_kb_ = std::max(peak_rss_kb_, ReadProc(o_.pid).rss_kb);
      next_sample_ = now + kRssSampleNs;
    }
  }

  uint64_t ReadersUnique() const {
    uint64_t total = 0;
    for (const Client* c : readers_) total += Unique(*c);
    return total;
  }

  // Broadcasts to everyone while only the readers read, then gives the
  // readers grace_s for stragglers.
  ReaderFigures Broadcast() {
    Pattern pattern;
    pattern.target = Pattern::Target::kAll;
    pattern.broadcasts_per_s = o_.broadcasts_per_s;
    pattern.seconds = o_.seconds;
    pattern.payload_bytes = o_.payload;
    pool_.latency().Clear();
    const int64_t t0 = MonotonicNs();
    std::atomic<bool> done{false};
    std::thread worker([&] {
      trigger_->Run(pattern);
      done.store(true);
    });
    while (!done.load()) Poll();
    worker.join();
    const int64_t trigger_end = MonotonicNs();
    rss_at_trigger_end_kb_ = ReadProc(o_.pid).rss_kb;
    sent_ = trigger_->sent_to(0);

    ReaderFigures f;
    f.expected = sent_ * readers_.size();
    const int64_t deadline = trigger_end + static_cast<int64_t>(o_.grace_s * 1e9);
    while (ReadersUnique() < f.expected && MonotonicNs() < deadline) Poll();
    f.received = ReadersUnique();
    for (const Client* c : readers_) {
      f.duplicates += c->duplicates;
      if (c->fd < 0) ++f.closed;
    }
    // Nobody else has read yet: these are the readers' latencies alone.
    f.p50_ns = pool_.latency().Quantile(0.5);
    f.p99_ns = pool_.latency().Quantile(0.99);
    f.max_ns = pool_.latency().max();
    f.span_s = double(std::max(last_message_, trigger_end) - t0) / 1e9;
    f.trigger_s = double(trigger_end - t0) / 1e9;
    return f;
  }

  // The stalled clients read again: each finds the end of its connection
  // (the server closed it) after what was sent before, or gets its backlog,
  // all of it or with gaps (frames the server dropped).
  StalledFigures Drain() {
    const int64_t start = MonotonicNs();
    for (Client* c : stalled_) pool_.Resume(*c);
    auto settled = [&] {
      for (const Client* c : stalled_) {
        if (c->fd >= 0 && Unique(*c) < sent_) return false;
      }
      return true;
    };
    // Done when each is closed or complete, when nothing more came for a
    // while (frames the server dropped never come), or at drain_s.
    const int64_t deadline = start + static_cast<int64_t>(o_.drain_s * 1e9);
    while (!settled() && MonotonicNs() < deadline &&
           MonotonicNs() - std::max(last_message_, start) < kQuietNs) {
      Poll();
    }
    StalledFigures f;
    f.drain_s = double(MonotonicNs() - start) / 1e9;
    for (const Client* c : stalled_) {
      f.received += Unique(*c);
      f.duplicates += c->duplicates;
      f.missing += sent_ - std::min(sent_, Unique(*c));
      if (c->fd < 0) {
        ++f.closed;
      } else if (Unique(*c) >= sent_) {
        ++f.complete;
      }
    }
    return f;
  }

  const Options& o_;
  ClientPool pool_;
  std::unique_ptr<Trigger> trigger_;
  std::vector<Client*> readers_, stalled_;
  uint64_t sent_ = 0;
  int64_t peak_rss_kb_ = 0;
  int64_t rss_at_trigger_end_kb_ = 0;
  int64_t next_sample_ = 0;
  int64_t last_message_ = 0;
};

}  // namespace

int RunOverload(const Options& o) { return Overload(o).Run(); }

}  // namespace bench
