#include "scenarios.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "client_pool.h"
#include "measure.h"
#include "proc_stats.h"
#include "ramp.h"
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

// Fewest broadcasts a ramp step sends, whatever --step_s says.
constexpr double kMinBroadcastsPerStep = 2;

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
  pattern.unary = o.unary;

  auto step = [&](double rate, const char* kind) {
    pattern.broadcasts_per_s = rate / fanout;
    // A rate needs two broadcasts at least: one alone is handed over in a
    // millisecond, and its "offered" rate would be its fan-out over that.
    pattern.seconds = std::max(o.step_s, kMinBroadcastsPerStep / pattern.broadcasts_per_s);
    const Window w = Measure(pool, *trigger, {o.pid, o.pid2}, o.grace_s, [&] { trigger->Run(pattern); });
    return FinishStep(o, static_cast<int>(ids.size()), kind, rate, w);
  };

  return RunRamp(o, static_cast<int>(ids.size()), step);
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
