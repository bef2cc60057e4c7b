// Load generator for issue 8: Socket.IO clients on one epoll thread plus a
// trigger thread (gRPC for the hub, in-process for the reference server).
// Flags: options.h; scenarios: scenarios.h; figures: tests/bench/RESULTS.md.
#include <cstdio>

#include "hold.h"
#include "inbound.h"
#include "options.h"
#include "overload.h"
#include "scenarios.h"

int main(int argc, char** argv) {
  const bench::Options o = bench::ParseOptions(argc, argv);
  if (o.port == 0) {
    std::fprintf(stderr, "--port is required\n");
    return 2;
  }
  if (o.scenario == "connect") return bench::RunConnect(o);
  if (o.scenario == "broadcast" || o.scenario == "rooms") return bench::RunBroadcast(o);
  if (o.scenario == "emitto" || o.scenario == "publish") return bench::RunEmitFlood(o);
  if (o.scenario == "overload") return bench::RunOverload(o);
  if (o.scenario == "hold") return bench::RunHold(o);
  if (o.scenario == "inbound") return bench::RunInbound(o);
  std::fprintf(stderr, "unknown --scenario %s\n", o.scenario.c_str());
  return 2;
}
