#include "measure.h"

#include <atomic>
#include <cstdio>
#include <thread>

#include "proc_stats.h"

namespace bench {

uint64_t Expected(ClientPool& pool, const Trigger& trigger) {
  uint64_t total = 0;
  for (const Client& c : pool.clients()) {
    if (c.ready) total += trigger.sent_to(c.group);
  }
  return total;
}

void Pump(ClientPool& pool, double seconds) {
  const int64_t end = MonotonicNs() + static_cast<int64_t>(seconds * 1e9);
  while (MonotonicNs() < end) pool.Poll(1);
}

double ConnectAll(ClientPool& pool, int n, double timeout_s) {
  const int64_t start = MonotonicNs();
  const int64_t deadline = start + static_cast<int64_t>(timeout_s * 1e9);
  const int target = pool.opened() + n;
  pool.Open(n);
  int64_t last_ready = start;
  while (pool.ready() + pool.failed() < target && MonotonicNs() < deadline) {
    const int before = pool.ready();
    pool.Poll(1);
    if (pool.ready() != before) last_ready = MonotonicNs();
  }
  return double(last_ready - start) / 1e9;
}

CpuMark MarkCpu(const std::vector<int>& server_pids) {
  CpuMark mark;
  mark.server_pids = server_pids;
  for (int pid : server_pids) mark.server.push_back(ReadProc(pid));
  mark.self_ns = SelfCpuNs(RUSAGE_SELF);
  mark.thread_ns = SelfCpuNs(RUSAGE_THREAD);
  mark.tcp = ReadTcpCounters();
  return mark;
}

void AddCpuSince(const CpuMark& mark, Window& w) {
  for (size_t i = 0; i < mark.server_pids.size(); ++i) {
    const ProcSample now = ReadProc(mark.server_pids[i]);
    const double cpu_s = double(now.cpu_ns - mark.server[i].cpu_ns) / 1e9;
    w.server_cpu_s += cpu_s;
    w.server_user_s += double(now.user_ns - mark.server[i].user_ns) / 1e9;
    if (i == 1) w.server2_cpu_s = cpu_s;
    w.server_rss_kb += now.rss_kb;
  }
  w.loadgen_cpu_s = double(SelfCpuNs(RUSAGE_SELF) - mark.self_ns) / 1e9;
  w.receive_cpu_s = double(SelfCpuNs(RUSAGE_THREAD) - mark.thread_ns) / 1e9;
  const TcpCounters tcp = ReadTcpCounters();
  w.tcp_segs = tcp.out_segs - mark.tcp.out_segs;
  w.tcp_hp_hits = tcp.hp_hits - mark.tcp.hp_hits;
}

void SetLatency(const Histogram& h, Window& w) {
  w.p50_ns = h.Quantile(0.5);
  w.p99_ns = h.Quantile(0.99);
  w.p999_ns = h.Quantile(0.999);
  w.max_ns = h.max();
}

Window Measure(ClientPool& pool, const Trigger& trigger, const std::vector<int>& server_pids, double grace_s,
               const std::function<void()>& work) {
  PoolCounters& counters = pool.counters();
  pool.latency().Clear();
  const uint64_t expected0 = Expected(pool, trigger);
  const uint64_t unique0 = counters.messages - counters.duplicates;
  const uint64_t dups0 = counters.duplicates;
  const uint64_t closed0 = counters.closed;
  const uint64_t reads0 = counters.reads;
  const CpuMark cpu0 = MarkCpu(server_pids);
  const int64_t t0 = MonotonicNs();
  int64_t first_message = 0;
  int64_t last_message = t0;

  std::atomic<bool> done{false};
  std::thread worker([&] {
    work();
    done.store(true);
  });
  auto poll = [&] {
    const uint64_t before = counters.messages;
    pool.Poll(1);
    if (counters.messages != before) {
      last_message = MonotonicNs();
      if (first_message == 0) first_message = last_message;
    }
  };
  while (!done.load()) poll();
  worker.join();
  const int64_t trigger_end = MonotonicNs();
  const uint64_t expected = Expected(pool, trigger) - expected0;
  const int64_t deadline = trigger_end + static_cast<int64_t>(grace_s * 1e9);
  while (counters.messages - counters.duplicates - unique0 < expected && MonotonicNs() < deadline) poll();

  Window w;
  // Measured between the first and the last delivery, so that the latency of
  // the first broadcast does not count against the rate; a server that falls
  // behind stretches the span by its backlog.
  w.seconds = first_message ? double(last_message - first_message) / 1e9 : 0;
  w.span_seconds = double(last_message - t0) / 1e9;
  w.trigger_seconds = double(trigger_end - t0) / 1e9;
  w.expected = expected;
  w.received = counters.messages - counters.duplicates - unique0;
  w.lost = static_cast<int64_t>(expected) - static_cast<int64_t>(w.received);
  w.duplicates = counters.duplicates - dups0;
  w.closed = counters.closed - closed0;
  SetLatency(pool.latency(), w);
  // CPU of the process over the window, stragglers included (the server is
  // idle once they are out, so waiting adds nothing).
  AddCpuSince(cpu0, w);
  w.reads = counters.reads - reads0;
  return w;
}

std::string Describe(const Window& w) {
  char line[1024];
  std::snprintf(
      line, sizeof(line),
      "delivered_per_s=%.0f expected=%llu received=%llu lost=%lld dup=%llu closed=%llu "
      "p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f window_s=%.2f "
      "srv_cpu_ns_per_msg=%.0f srv_util=%.2f lg_cpu_ns_per_msg=%.0f lg_util=%.2f "
      "lg_recv_ns_per_msg=%.0f msgs_per_read=%.2f srv_rss_mb=%.1f srv2_cpu_ns_per_msg=%.0f "
      "srv_user_ns_per_msg=%.0f segs_per_msg=%.2f fastpath_per_msg=%.2f",
      w.delivered_per_s(), (unsigned long long)w.expected, (unsigned long long)w.received,
      (long long)w.lost, (unsigned long long)w.duplicates, (unsigned long long)w.closed,
      w.p50_ns / 1e3, w.p99_ns / 1e3, w.p999_ns / 1e3, w.max_ns / 1e3, w.seconds,
      w.server_ns_per_msg(), w.server_util(), w.loadgen_ns_per_msg(), w.loadgen_util(),
      w.received ? w.receive_cpu_s * 1e9 / double(w.received) : 0.0,
      w.reads ? double(w.received) / double(w.reads) : 0.0, w.server_rss_kb / 1024.0,
      w.received ? w.server2_cpu_s * 1e9 / double(w.received) : 0.0,
      w.received ? w.server_user_s * 1e9 / double(w.received) : 0.0,
      w.received ? double(w.tcp_segs) / double(w.received) : 0.0,
      w.received ? double(w.tcp_hp_hits) / double(w.received) : 0.0);
  return line;
}

}  // namespace bench
