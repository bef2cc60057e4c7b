#include "hold.h"

#include <cstdio>
#include <thread>

#include "proc_stats.h"
#include "scenario_setup.h"

namespace bench {

int RunHold(const Options& o) {
  ClientPool pool(PoolFor(o));
  auto trigger = o.broadcast_after_s >= 0 ? TriggerFor(o) : nullptr;
  const ProcSample before = ReadProc(o.pid);
  const int64_t connect_start = MonotonicNs();
  const auto ids = ConnectGrouped(o, pool, [](size_t) { return 0u; });
  const double connect_s = double(MonotonicNs() - connect_start) / 1e9;
  if (ids.empty()) return 1;

  PoolCounters& counters = pool.counters();
  const uint64_t pings0 = counters.pings, messages0 = counters.messages, closed0 = counters.closed;
  pool.latency().Clear();
  const ProcSample held0 = ReadProc(o.pid);
  const int64_t start = MonotonicNs();
  const int64_t end = start + static_cast<int64_t>(o.idle_s * 1e9);
  const int64_t broadcast_at = start + static_cast<int64_t>(o.broadcast_after_s * 1e9);
  ProcSample before_broadcast = held0;
  // The broadcast leaves from another thread, so this one keeps reading.
  std::thread sender;
  while (MonotonicNs() < end) {
    if (trigger && !sender.joinable() && MonotonicNs() >= broadcast_at) {
      before_broadcast = ReadProc(o.pid);
      sender = std::thread([&] {
        Pattern one;
        one.broadcasts_per_s = 1;
        one.seconds = 1;
        one.payload_bytes = o.payload;
        one.unary = true;
        trigger->Run(one);
      });
    }
    pool.Poll(10);
  }
  if (sender.joinable()) sender.join();
  const ProcSample held1 = ReadProc(o.pid);
  if (!trigger) before_broadcast = held1;

  const int open = pool.ready();  // a client the server closed is no longer ready
  const Histogram& latency = pool.latency();
  PrintHeader("result", o, static_cast<int>(ids.size()));
  std::printf(
      "failed=%d connect_s=%.2f hold_s=%.1f open_at_end=%d closed=%llu pings_per_client=%.2f "
      "broadcast_received=%llu broadcast_p50_us=%.0f broadcast_max_us=%.0f srv_cpu_s_hold=%.2f "
      "rss_base_mb=%.1f rss_mb=%.1f rss_kb_per_conn=%.2f\n",
      pool.failed(), connect_s, o.idle_s, open, (unsigned long long)(counters.closed - closed0),
      double(counters.pings - pings0) / double(ids.size()),
      (unsigned long long)(counters.messages - messages0), latency.Quantile(0.5) / 1e3,
      latency.max() / 1e3, double(held1.cpu_ns - held0.cpu_ns) / 1e9, before.rss_kb / 1024.0,
      before_broadcast.rss_kb / 1024.0,
      double(before_broadcast.rss_kb - before.rss_kb) / double(ids.size()));
  std::fflush(stdout);
  return open == o.clients ? 0 : 1;
}

}  // namespace bench
