// The scenarios of issue 8, each printing "step ..." and "result ..." lines
// of key=value pairs that run.sh turns into the comparison table.
#pragma once

#include "options.h"

namespace bench {

int RunConnect(const Options& o);    // connect storm + idle RSS per connection
int RunBroadcast(const Options& o);  // rate ramp to every client, or to rooms
int RunEmitFlood(const Options& o);  // EmitTo unary calls or the Publish stream

}  // namespace bench
