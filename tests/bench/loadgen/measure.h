// One measured window: run something on the trigger thread while this thread
// keeps every client reading, wait for stragglers, then compare counters,
// latency and /proc figures of the server and of the load generator.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client_pool.h"
#include "options.h"
#include "proc_stats.h"
#include "tcp_counters.h"
#include "trigger.h"

namespace bench {

struct Window {
  double seconds = 0;          // first → last message received (the delivery rate's span)
  double span_seconds = 0;     // trigger start → last message (the CPU utilisation's span)
  double trigger_seconds = 0;  // trigger start → trigger done
  uint64_t expected = 0;       // deliveries the servers should have made
  uint64_t received = 0;       // unique deliveries
  int64_t lost = 0;            // expected − received after the grace period
  uint64_t duplicates = 0;
  uint64_t closed = 0;         // clients the server dropped during the window
  int64_t p50_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
  double server_cpu_s = 0;     // summed over the server's processes
  double server2_cpu_s = 0;    // of which the second process (second replica)
  double server_user_s = 0;    // of which in user space (utime)
  double loadgen_cpu_s = 0;    // whole process (receive loop + trigger)
  double receive_cpu_s = 0;    // the receive loop alone
  uint64_t reads = 0;
  uint64_t tcp_segs = 0;     // TCP segments the machine sent (tcp_counters.h)
  uint64_t tcp_hp_hits = 0;  // data segments on a receiver's fast path
  int64_t server_rss_kb = 0;

  double delivered_per_s() const { return seconds > 0 ? double(received) / seconds : 0; }
  double server_util() const { return span_seconds > 0 ? server_cpu_s / span_seconds : 0; }
  double loadgen_util() const { return span_seconds > 0 ? loadgen_cpu_s / span_seconds : 0; }
  double server_ns_per_msg() const { return received ? server_cpu_s * 1e9 / double(received) : 0; }
  double loadgen_ns_per_msg() const { return received ? loadgen_cpu_s * 1e9 / double(received) : 0; }
};

// The counters a window starts from: the server's processes (by /proc),
// this process and thread (getrusage), and the machine's TCP counters.
struct CpuMark {
  std::vector<int> server_pids;
  std::vector<ProcSample> server;  // one per pid
  int64_t self_ns = 0;
  int64_t thread_ns = 0;
  TcpCounters tcp;
};
CpuMark MarkCpu(const std::vector<int>& server_pids);
// Fills the window's CPU, RSS and TCP fields with what was spent since `mark`.
void AddCpuSince(const CpuMark& mark, Window& w);
// Fills the window's latency fields from `h`.
void SetLatency(const Histogram& h, Window& w);

// Deliveries owed so far to the ready clients (each in one group).
uint64_t Expected(ClientPool& pool, const Trigger& trigger);

// Runs `work` on another thread while polling the clients; then waits up to
// `grace_s` for every expected delivery.
// `server_pids`: the server's processes (0 = none); their CPU and RSS are summed.
Window Measure(ClientPool& pool, const Trigger& trigger, const std::vector<int>& server_pids, double grace_s,
               const std::function<void()>& work);

// Polls the clients for `seconds`.
void Pump(ClientPool& pool, double seconds);

// Opens n clients and waits until each is ready or failed (or timeout).
// Returns seconds from the first connect to the last CONNECT reply.
double ConnectAll(ClientPool& pool, int n, double timeout_s);

// key=value fields of a window, for the output lines.
std::string Describe(const Window& w);

}  // namespace bench
