// The JSON document GET /admin/stats returns: readiness, connections by
// transport, sockets by namespace and Subscribe streams by group, read from
// the same per-shard figures /metrics uses.
#pragma once

#include <chrono>
#include <string>

#include "hub/api/subscription_hub.h"
#include "metrics/metrics.h"

namespace hub {

std::string AdminStatsJson(const metrics::Metrics& metrics, api::SubscriptionHub& subscriptions,
                           bool ready, bool draining, std::chrono::steady_clock::time_point started);

}  // namespace hub
