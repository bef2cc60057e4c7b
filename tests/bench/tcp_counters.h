// The machine's TCP counters from /proc/net/snmp and /proc/net/netstat, read
// around a measured window by sendfloor and the load generator.
//
// Over loopback the sending core runs the receiver's side of every frame,
// and how much that costs depends on the traffic's shape: how often the
// receiving kernel answers (ACKs, window updates) and whether it takes its
// fast path ("header prediction") or the slow one. Both differ between a
// tight send loop and bursts after idle spells, so every floor and every
// ramp step reports them next to its CPU figure.
// The counters are the whole network namespace's: they assume nothing else
// talks TCP on the machine during a run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace bench {

struct TcpCounters {
  uint64_t out_segs = 0;  // Tcp OutSegs: every segment sent (data, ACKs, window updates)
  uint64_t hp_hits = 0;   // TcpExt TCPHPHits: data segments taken on the receiver's fast path
};

namespace tcp_counters_internal {

// The value of `name` in a /proc/net file's "Prefix: names..." line followed
// by its "Prefix: values..." line; 0 when absent.
inline uint64_t Field(const char* path, const char* prefix, const char* name) {
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return 0;
  std::string names, values;
  char line[8192];
  while (std::fgets(line, sizeof(line), f)) {
    if (std::strncmp(line, prefix, std::strlen(prefix)) != 0) continue;
    if (names.empty()) {
      names = line;
    } else {
      values = line;
      break;
    }
  }
  std::fclose(f);
  // Walk both lines word by word; the prefix is word 0 of each.
  size_t n = 0, v = 0;
  while (n < names.size() && v < values.size()) {
    const size_t n_end = names.find_first_of(" \n", n);
    const size_t v_end = values.find_first_of(" \n", v);
    if (names.compare(n, n_end - n, name) == 0) return std::strtoull(values.c_str() + v, nullptr, 10);
    if (n_end == std::string::npos || v_end == std::string::npos) break;
    n = n_end + 1;
    v = v_end + 1;
  }
  return 0;
}

}  // namespace tcp_counters_internal

inline TcpCounters ReadTcpCounters() {
  TcpCounters c;
  c.out_segs = tcp_counters_internal::Field("/proc/net/snmp", "Tcp:", "OutSegs");
  c.hp_hits = tcp_counters_internal::Field("/proc/net/netstat", "TcpExt:", "TCPHPHits");
  return c;
}

}  // namespace bench
