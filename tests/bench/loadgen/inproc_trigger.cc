#include "inproc_trigger.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "http_get.h"

namespace bench {

InprocTrigger::InprocTrigger(const std::string& grpc_target, std::string control)
    : GrpcTrigger(grpc_target), control_(std::move(control)) {}

uint64_t InprocTrigger::Run(const Pattern& pattern) {
  char path[256];
  std::snprintf(path, sizeof(path), "/bench/run?target=%s&rate=%.3f&seconds=%.3f&payload=%zu&rooms=%u&cursor=%llu",
                pattern.target == Pattern::Target::kAll ? "all" : "rooms", pattern.broadcasts_per_s,
                pattern.seconds, pattern.payload_bytes, pattern.rooms,
                static_cast<unsigned long long>(broadcast_cursor_));
  const std::string reply = HttpGet(control_, path);
  const size_t at = reply.find("sent=");
  if (at == std::string::npos) {
    std::fprintf(stderr, "reference /bench/run failed: %s\n", reply.c_str());
    return 0;
  }
  // The server numbered its events exactly as GrpcTrigger would have: replay
  // that numbering so the expected counts per group match.
  const uint64_t sent = std::strtoull(reply.c_str() + at + 5, nullptr, 10);
  for (uint64_t k = 0; k < sent; ++k) NextSeq(GroupOf(pattern, broadcast_cursor_++));
  return sent;
}

}  // namespace bench
