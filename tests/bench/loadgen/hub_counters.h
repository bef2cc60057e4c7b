// The hub's own account of an overload, read from its Prometheus /metrics on
// the admin port: frames it did not deliver (hub_frames_dropped_total, by
// reason) and connections it closed (hub_disconnects_total, by reason).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace bench {

// key → value, keys like "dropped_slow_client" or "disconnects_forced_close".
using HubCounters = std::vector<std::pair<std::string, double>>;

// Scrapes http://<admin>/metrics. Empty when it could not be read.
HubCounters ScrapeHubCounters(const std::string& admin);

// " key=after-before ..." for every key of `after`.
std::string DescribeCounterDeltas(const HubCounters& before, const HubCounters& after);

}  // namespace bench
