// The server's resident memory and CPU time read from /proc/<pid>, so every
// figure is the kernel's own accounting of the process under test.
#pragma once

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace bench {

struct ProcSample {
  int64_t rss_kb = 0;
  int64_t hwm_kb = 0;  // peak RSS over the process's life (VmHWM)
  int64_t cpu_ns = 0;   // utime + stime
  int64_t user_ns = 0;  // utime alone: the server's own code, not the kernel's
};

inline ProcSample ReadProc(int pid) {
  ProcSample sample;
  if (pid <= 0) return sample;
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  if (FILE* f = std::fopen(path, "r")) {
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // Fields after the command name (which may hold spaces): state is field 3,
    // utime and stime are fields 14 and 15.
    const char* p = std::strrchr(buf, ')');
    unsigned long long utime = 0, stime = 0;
    if (p && std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                         &stime) == 2) {
      const auto tick_ns = 1000000000ull / sysconf(_SC_CLK_TCK);
      sample.cpu_ns = static_cast<int64_t>((utime + stime) * tick_ns);
      sample.user_ns = static_cast<int64_t>(utime * tick_ns);
    }
  }
  std::snprintf(path, sizeof(path), "/proc/%d/status", pid);
  if (FILE* f = std::fopen(path, "r")) {
    char line[256];
    while (std::fgets(line, sizeof(line), f)) {
      if (std::strncmp(line, "VmHWM:", 6) == 0) sample.hwm_kb = std::atoll(line + 6);
      if (std::strncmp(line, "VmRSS:", 6) == 0) {
        sample.rss_kb = std::atoll(line + 6);
        break;  // VmHWM comes before it
      }
    }
    std::fclose(f);
  }
  return sample;
}

// This process (load generator and trigger threads) or one thread.
inline int64_t SelfCpuNs(int who = RUSAGE_SELF) {
  rusage usage{};
  getrusage(who, &usage);
  auto ns = [](const timeval& tv) { return int64_t(tv.tv_sec) * 1000000000 + int64_t(tv.tv_usec) * 1000; };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

inline int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace bench
