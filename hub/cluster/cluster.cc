#include "hub/cluster/cluster.h"

namespace hub::cluster {

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Create(const std::string& redis_url,
                                                         prometheus::Registry& registry,
                                                         ClusterEventSink::Deliver deliver,
                                                         ClusterEventSink::Describer describe) {
  auto address = ParseRedisUrl(redis_url);
  if (!address.ok()) return address.status();
  std::unique_ptr<Cluster> cluster(new Cluster());
  cluster->metrics_ = std::make_unique<metrics::ClusterMetrics>(registry);
  cluster->bus_ = std::make_unique<ClusterBus>(*std::move(address), *cluster->metrics_);
  cluster->sink_ = std::make_unique<ClusterEventSink>(*cluster->bus_, std::move(deliver), std::move(describe));
  return cluster;
}

Cluster::~Cluster() { Stop(); }

core::Adapter& Cluster::Start(core::HubCore& local) {
  adapter_ = std::make_unique<RedisAdapter>(local, *bus_);
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
