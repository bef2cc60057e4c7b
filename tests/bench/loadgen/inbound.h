// Client→server traffic: every client emits 2["u",...] events, spread evenly,
// at increasing total rates, and one Subscribe stream carries them to the
// load generator, as to a backend. The server's CPU per event, the events'
// latency from the client's send to the subscriber, and losses, per step.
#pragma once

#include "options.h"

namespace bench {

int RunInbound(const Options& o);

}  // namespace bench
