#include "hub/admin_stats.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "hub/socketio/json.h"

namespace hub {

std::string AdminStatsJson(const metrics::Metrics& metrics, api::SubscriptionHub& subscriptions,
                           bool ready, bool draining, std::chrono::steady_clock::time_point started) {
  int64_t connections[metrics::kTransportKindCount] = {0, 0};
  int64_t sockets = 0;
  std::map<std::string, int64_t> by_namespace;
  for (int i = 0; i < metrics.shard_count(); ++i) {
    const auto& shard = metrics.shard(i);
    for (size_t t = 0; t < metrics::kTransportKindCount; ++t) connections[t] += shard.connections[t].Get();
    sockets += shard.sockets.Get();
    for (const auto& [nsp, n] : shard.sockets_by_namespace.Snapshot()) by_namespace[nsp] += n;
  }
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started);

  std::string out = absl::StrCat("{\"ready\":", ready ? "true" : "false",
                                 ",\"draining\":", draining ? "true" : "false",
                                 ",\"uptime_seconds\":", uptime.count(),
                                 ",\"shards\":", metrics.shard_count(),
                                 ",\"connections\":{\"websocket\":", connections[0],
                                 ",\"polling\":", connections[1], "},\"sockets\":", sockets,
                                 ",\"namespaces\":{");
  bool first = true;
  for (const auto& [nsp, n] : by_namespace) {
    if (!first) out.push_back(',');
    first = false;
    socketio::AppendJsonString(out, nsp);
    absl::StrAppend(&out, ":", n);
  }
  out += "},\"subscribers\":[";
  first = true;
  for (const auto& group : subscriptions.Stats()) {
    if (group.subscribers == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    out += "{\"group\":";
    socketio::AppendJsonString(out, group.group);
    absl::StrAppend(&out, ",\"subscribers\":", group.subscribers, ",\"queued\":", group.queued, "}");
  }
  out += "]}";
  return out;
}

}  // namespace hub
