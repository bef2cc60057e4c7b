#include "hub/cluster/cluster.h"

namespace hub::cluster {

namespace {

// Socket.IO servers get answers for "/" and every namespace --namespaces
// names exactly; glob patterns name no channel to subscribe to.
std::vector<std::string> AnsweredNamespaces(const std::vector<std::string>& allowed) {
  std::vector<std::string> out = {"/"};
  for (const auto& nsp : allowed) {
    if (nsp != "/" && nsp.find_first_of("*?[") == std::string::npos) out.push_back(nsp);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Create(const Config& config,
                                                         prometheus::Registry& registry,
                                                         ClusterEventSink::Deliver deliver,
                                                         ClusterEventSink::Describer describe) {
  auto address = ParseRedisUrl(config.redis_url);
  if (!address.ok()) return address.status();
  std::unique_ptr<Cluster> cluster(new Cluster());
  cluster->path_ = config.path;
  cluster->redis_ = address->Redacted();
  cluster->metrics_ = std::make_unique<metrics::ClusterMetrics>(registry);
  BusOptions options;
  options.answered_namespaces = AnsweredNamespaces(config.namespaces);
  cluster->bus_ = std::make_unique<ClusterBus>(*std::move(address), *cluster->metrics_, options);
  cluster->sink_ = std::make_unique<ClusterEventSink>(*cluster->bus_, std::move(deliver), std::move(describe));
  return cluster;
}

Cluster::~Cluster() { Stop(); }

core::Adapter& Cluster::Start(core::HubCore& local) {
  adapter_ = std::make_unique<RedisAdapter>(local, *bus_, path_);
  const std::string events = HubEventsChannel();
  bus_->Start(
      [this, events](const std::string& channel, std::string_view payload) {
        if (channel == events) {
          sink_->OnRemote(payload);
        } else {
          adapter_->OnMessage(channel, payload);
        }
      },
      [this] { return sink_->Describe(); });
  return *adapter_;
}

void Cluster::Stop() {
  if (bus_) bus_->Stop();
}

}  // namespace hub::cluster
