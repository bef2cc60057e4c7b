// The hold scenario: idle clients kept connected for a while, answering the
// server's heartbeats, as several load generators beside each other do
// against several hub replicas in hold.sh (more connections than one
// process's descriptor limit allows). The one given --broadcast_after_s sends
// a single broadcast to every socket of the cluster that far into the hold;
// every load generator reports what its own clients got.
#pragma once

#include "options.h"

namespace bench {

int RunHold(const Options& o);

}  // namespace bench
