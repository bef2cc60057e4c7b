// The overload scenario: broadcasts to every client while some of them have
// stopped reading. What the server does with the stalled clients' backlog
// (disconnect them, drop their frames, or hold it all), what its memory does
// meanwhile, and whether the clients that keep reading still get everything.
#pragma once

#include "options.h"

namespace bench {

int RunOverload(const Options& o);

}  // namespace bench
