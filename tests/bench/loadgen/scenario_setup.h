// What every scenario starts with: the client pool and the trigger built from
// the flags, every client connected, and the first words of an output line.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "client_pool.h"
#include "grpc_trigger.h"
#include "inproc_trigger.h"
#include "measure.h"
#include "options.h"

namespace bench {

inline PoolOptions PoolFor(const Options& o) {
  PoolOptions p;
  p.host = o.host;
  p.port = static_cast<uint16_t>(o.port);
  p.port2 = static_cast<uint16_t>(o.port2);
  p.polling = o.polling;
  p.upgrade = o.upgrade;
  p.source_addresses = o.sources;
  p.max_connecting = o.max_connecting;
  p.read_interval_us = o.read_interval_us;
  return p;
}

inline std::unique_ptr<Trigger> TriggerFor(const Options& o) {
  if (!o.control.empty()) return std::make_unique<InprocTrigger>(o.grpc, o.control);
  return std::make_unique<GrpcTrigger>(o.grpc);
}

inline const char* Transport(const Options& o) {
  return o.polling ? "polling" : o.upgrade ? "polling-upgrade" : "websocket";
}

// Connects every client; returns the socket ids of the ready ones and gives
// client k of that list group `group_of(k)`.
template <typename GroupOf>
std::vector<std::string> ConnectGrouped(const Options& o, ClientPool& pool, GroupOf group_of) {
  const double seconds = ConnectAll(pool, o.clients, 60);
  std::fprintf(stderr, "[%s %s] %d/%d clients ready in %.2fs (%d failed)\n", o.server.c_str(),
               o.tag.c_str(), pool.ready(), o.clients, seconds, pool.failed());
  std::vector<std::string> ids;
  for (Client& c : pool.clients()) {
    if (!c.ready) continue;
    c.group = group_of(ids.size());
    ids.emplace_back(c.socket_id());
  }
  return ids;
}

inline void PrintHeader(const char* kind, const Options& o, int ready) {
  std::printf("%s server=%s scenario=%s transport=%s clients=%d ", kind, o.server.c_str(),
              o.tag.c_str(), Transport(o), ready);
}

}  // namespace bench
