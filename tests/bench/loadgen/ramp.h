// A rate ramp: steps at each --rates value until one is not sustained, then
// (--half_rate) a step at half the highest sustained rate, then one "result"
// line saying how far it got and which side ran out of CPU.
#pragma once

#include <functional>
#include <utility>

#include "measure.h"
#include "options.h"

namespace bench {

// Runs one step at `rate` (events/s), prints its line headed `kind` ("step"
// or "half"), and returns whether the rate was sustained, with the window.
using RampStep = std::function<std::pair<bool, Window>(double rate, const char* kind)>;

// Judges and prints one step's line: sustained when every event arrived,
// the trigger emitted at 90 % of `rate` (a busy server throttles it: gRPC
// flow control, Node's own event loop, or the clients' socket buffers), and
// arrivals followed at 90 % of what was emitted.
std::pair<bool, Window> FinishStep(const Options& o, int clients, const char* kind, double rate,
                                   const Window& w);

// Returns 0 (a ramp that falls behind is a result, not a failure).
int RunRamp(const Options& o, int clients, const RampStep& step);

}  // namespace bench
