#include "inproc_trigger.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace bench {

InprocTrigger::InprocTrigger(const std::string& grpc_target, std::string control)
    : GrpcTrigger(grpc_target) {
  const size_t colon = control.rfind(':');
  control_host_ = control.substr(0, colon);
  control_port_ = static_cast<uint16_t>(std::atoi(control.c_str() + colon + 1));
}

uint64_t InprocTrigger::Run(const Pattern& pattern) {
  char request[512];
  const int len = std::snprintf(
      request, sizeof(request),
      "GET /bench/run?target=%s&rate=%.3f&seconds=%.3f&payload=%zu&rooms=%u&cursor=%llu HTTP/1.1\r\n"
      "Host: %s\r\nConnection: close\r\n\r\n",
      pattern.target == Pattern::Target::kAll ? "all" : "rooms", pattern.broadcasts_per_s,
      pattern.seconds, pattern.payload_bytes, pattern.rooms,
      static_cast<unsigned long long>(broadcast_cursor_), control_host_.c_str());
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(control_port_);
  inet_pton(AF_INET, control_host_.c_str(), &addr.sin_addr);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      send(fd, request, static_cast<size_t>(len), MSG_NOSIGNAL) == len) {
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
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
