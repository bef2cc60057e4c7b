#include "scenarios.h"

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "client_pool.h"
#include "measure.h"
#include "proc_stats.h"
#include "scenario_setup.h"

namespace bench {

int RunConnect(const Options& o) {
  ClientPool pool(PoolFor(o));
  const ProcSample before = ReadProc(o.pid);
  const double seconds = ConnectAll(pool, o.clients, 120);
  const ProcSample connected = ReadProc(o.pid);
  Pump(pool, o.idle_s);  // settle: lazily allocated buffers, first pings
  const ProcSample idle = ReadProc(o.pid);
  const int ready = pool.ready();
  PrintHeader("result", o, ready);
  std::printf(
      "failed=%d connect_s=%.3f connects_per_s=%.0f srv_cpu_us_per_connect=%.1f "
      "rss_base_mb=%.1f rss_mb=%.1f rss_kb_per_conn=%.2f\n",
      pool.failed(), seconds, seconds > 0 ? ready / seconds : 0,
      ready ? double(connected.cpu_ns - before.cpu_ns) / 1e3 / ready : 0, before.rss_kb / 1024.0,
      idle.rss_kb / 1024.0, ready ? double(idle.rss_kb - before.rss_kb) / ready : 0);
  std::fflush(stdout);
  return ready == o.clients ? 0 : 1;
}

int RunBroadcast(const Options& o) {
  const bool rooms = o.scenario == "rooms";
  ClientPool pool(PoolFor(o));
  auto trigger = TriggerFor(o);
  const auto ids = ConnectGrouped(o, pool, [&](size_t k) {
    return rooms ? static_cast<uint32_t>(k % static_cast<size_t>(o.rooms)) : 0u;
  });
  if (ids.empty()) return 1;
  if (rooms && !trigger->JoinRooms(ids, static_cast<uint32_t>(o.rooms))) return 1;
  const double fanout = rooms ? double(ids.size()) / o.rooms : double(ids.size());
  Pump(pool, 0.5);

  Pattern pattern;
  pattern.target = rooms ? Pattern::Target::kRooms : Pattern::Target::kAll;
  pattern.rooms = static_cast<uint32_t>(o.rooms);
  pattern.payload_bytes = o.payload;
  pattern.seconds = o.step_s;
  pattern.unary = o.unary;

  auto step = [&](double rate, const char* kind) {
    pattern.broadcasts_per_s = rate / fanout;
    const Window w = Measure(pool, *trigger, {o.pid, o.pid2}, o.grace_s, [&] { trigger->Run(pattern); });
    const double offered = w.trigger_seconds > 0 ? double(w.expected) / w.trigger_seconds : 0;
    // Kept up: every delivery made, the trigger (throttled by a busy server:
    // gRPC flow control, or Node's own event loop) emitted at 90% of the asked
    // rate, and deliveries followed at 90% of what was emitted.
    const bool sustained = w.lost == 0 && w.closed == 0 && offered >= 0.9 * rate &&
                           w.delivered_per_s() >= 0.9 * offered;
    PrintHeader(kind, o, static_cast<int>(ids.size()));
    std::printf("rate=%.0f offered_per_s=%.0f sustained=%d %s\n", rate, offered, sustained ? 1 : 0,
                Describe(w).c_str());
    std::fflush(stdout);
    return std::make_pair(sustained, w);
  };

  double max_sustained = 0;
  Window at_max, at_fail;
  bool failed = false;
  uint64_t lost = 0, dups = 0;
  for (double rate : o.rates) {
    auto [sustained, w] = step(rate, "step");
    lost += w.lost > 0 ? static_cast<uint64_t>(w.lost) : 0;
    dups += w.duplicates;
    if (sustained) {
      max_sustained = rate;
      at_max = w;
    } else if (!failed) {
      failed = true;
      at_fail = w;
      if (o.stop_on_fail) break;
    }
  }
  Window half;
  if (o.half_rate && max_sustained > 0) {
    half = step(max_sustained / 2, "half").second;
    lost += half.lost > 0 ? static_cast<uint64_t>(half.lost) : 0;
    dups += half.duplicates;
  }
  // Which side ran out of CPU at the first rate that was not sustained.
  const char* bottleneck = !failed                         ? "none_reached"
                           : at_fail.server_util() > 0.85  ? "server"
                           : at_fail.loadgen_util() > 0.85 ? "loadgen"
                                                           : "latency";
  PrintHeader("result", o, static_cast<int>(ids.size()));
  std::printf(
      "max_sustained_per_s=%.0f srv_cpu_ns_at_max=%.0f lg_cpu_ns_at_max=%.0f saturated_per_s=%.0f "
      "bottleneck=%s half_rate=%.0f half_p50_us=%.0f half_p99_us=%.0f half_p999_us=%.0f "
      "half_max_us=%.0f half_srv_cpu_ns=%.0f lost=%llu dup=%llu\n",
      max_sustained, at_max.server_ns_per_msg(), at_max.loadgen_ns_per_msg(),
      failed ? at_fail.delivered_per_s() : NAN, bottleneck, max_sustained / 2, half.p50_ns / 1e3,
      half.p99_ns / 1e3, half.p999_ns / 1e3, half.max_ns / 1e3, half.server_ns_per_msg(),
      (unsigned long long)lost, (unsigned long long)dups);
  std::fflush(stdout);
  return 0;
}

int RunEmitFlood(const Options& o) {
  const bool stream = o.scenario == "publish";
  ClientPool pool(PoolFor(o));
  auto trigger = TriggerFor(o);
  const auto ids = ConnectGrouped(o, pool, [](size_t k) { return static_cast<uint32_t>(k); });
  if (ids.empty()) return 1;
  Pump(pool, 0.5);
  FloodResult flood;
  const Window w = Measure(pool, *trigger, {o.pid, o.pid2}, o.grace_s, [&] {
    flood = stream ? trigger->FloodPublish(ids, o.seconds, o.payload)
                   : trigger->FloodEmitTo(ids, o.seconds, o.in_flight, o.payload);
  });
  PrintHeader("result", o, static_cast<int>(ids.size()));
  std::printf("calls_per_s=%.0f accepted=%llu failed=%llu error=\"%s\" %s\n",
              flood.seconds > 0 ? double(flood.ok) / flood.seconds : 0,
              (unsigned long long)flood.ok, (unsigned long long)flood.failed,
              flood.error.c_str(), Describe(w).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace bench
