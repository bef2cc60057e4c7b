#include "ramp.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "scenario_setup.h"

namespace bench {

std::pair<bool, Window> FinishStep(const Options& o, int clients, const char* kind, double rate,
                                   const Window& w) {
  const double offered = w.trigger_seconds > 0 ? double(w.expected) / w.trigger_seconds : 0;
  const bool sustained =
      w.lost == 0 && w.closed == 0 && offered >= 0.9 * rate && w.delivered_per_s() >= 0.9 * offered;
  PrintHeader(kind, o, clients);
  std::printf("rate=%.0f offered_per_s=%.0f sustained=%d %s\n", rate, offered, sustained ? 1 : 0,
              Describe(w).c_str());
  std::fflush(stdout);
  return {sustained, w};
}

namespace {

// Runs --floor_cmd before a step at --floor_rate. The servers are idle then
// (the last step's stragglers are in) and the clients wait unread.
void MeasureFloorBefore(const Options& o, double rate) {
  if (o.floor_cmd.empty() || rate != o.floor_rate) return;
  std::fflush(stdout);  // keep the results file in order
  if (const int status = std::system(o.floor_cmd.c_str()); status != 0) {
    std::fprintf(stderr, "--floor_cmd exited with status %d\n", status);
  }
}

}  // namespace

int RunRamp(const Options& o, int clients, const RampStep& step) {
  double max_sustained = 0;
  Window at_max, at_fail;
  bool failed = false;
  uint64_t lost = 0, dups = 0;
  for (double rate : o.rates) {
    MeasureFloorBefore(o, rate);
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
  PrintHeader("result", o, clients);
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

}  // namespace bench
