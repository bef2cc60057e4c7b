// The benchmark event, identical for the hub and the reference server:
//   42["m",<group>,<seq>,<t_ns>,"xxx…"]
// group = broadcast target (0, a room, or a socket), seq = per-group sequence
// (loss and duplicates), t_ns = CLOCK_MONOTONIC when the trigger built it
// (end-to-end latency). The pad makes the Socket.IO packet `payload_bytes` long.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

inline constexpr std::string_view kEventName = "m";

// The pad length so that 2["m",g,seq,t,"pad"] (the Socket.IO packet) is `payload_bytes` long.
inline size_t PadFor(size_t payload_bytes, uint64_t group, uint64_t seq, int64_t t_ns) {
  const size_t fixed = 12 + std::to_string(group).size() +
                       std::to_string(seq).size() + std::to_string(t_ns).size();
  return payload_bytes > fixed ? payload_bytes - fixed : 0;
}

// The four args as JSON text, as a backend passes them over gRPC.
inline void BuildArgs(size_t payload_bytes, uint64_t group, uint64_t seq, int64_t t_ns,
                      std::vector<std::string>& args) {
  args.resize(4);
  args[0] = std::to_string(group);
  args[1] = std::to_string(seq);
  args[2] = std::to_string(t_ns);
  args[3].assign(1, '"');
  args[3].append(PadFor(payload_bytes, group, seq, t_ns), 'x');
  args[3].push_back('"');
}

// The Socket.IO packet a client of the inbound scenario emits, with the same
// fields and length: 2["u",<client>,<seq>,<t_ns>,"xxx…"].
inline void BuildUpstreamPacket(size_t payload_bytes, uint64_t client, uint64_t seq, int64_t t_ns,
                                std::string& out) {
  out.assign("2[\"u\",");
  out.append(std::to_string(client)).push_back(',');
  out.append(std::to_string(seq)).push_back(',');
  out.append(std::to_string(t_ns)).append(",\"");
  out.append(PadFor(payload_bytes, client, seq, t_ns), 'x');
  out.append("\"]");
}

struct Parsed {
  uint64_t group = 0;
  uint64_t seq = 0;
  int64_t t_ns = 0;
};

// Parses the Socket.IO packet text after the Engine.IO "4":
// 2["m",g,seq,t,...]. False for anything else.
inline bool ParseEvent(std::string_view text, Parsed& out) {
  constexpr std::string_view kPrefix = "2[\"m\",";
  if (text.substr(0, kPrefix.size()) != kPrefix) return false;
  const char* p = text.data() + kPrefix.size();
  const char* end = text.data() + text.size();
  auto number = [&](auto& value) {
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || next >= end || *next != ',') return false;
    p = next + 1;
    return true;
  };
  return number(out.group) && number(out.seq) && number(out.t_ns);
}

}  // namespace bench
