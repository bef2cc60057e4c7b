// The hub's CPU scheduling policy (--sched_batch).
//
// A shard and the gRPC threads that carry its work to and from backends
// often share a core. Under Linux's default policy, every hand-over between
// them (a client event queued for a Subscribe stream, a write completion, an
// emit for a shard) wakes the other thread, and the woken thread preempts the
// one that woke it: one context switch per event each way, at several µs
// each on a loaded core. SCHED_BATCH turns that wake-up preemption off for
// the hub's threads: a woken thread runs when the running one blocks or its
// time slice ends, and then takes everything queued for it at once.
#pragma once

#include "absl/status/status.h"

namespace hub {

// Puts the calling thread under SCHED_BATCH; threads it starts afterwards
// inherit the policy, so call it before the hub starts any.
absl::Status UseBatchScheduling();

}  // namespace hub
