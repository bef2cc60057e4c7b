// The hub binary: parses the configuration, starts the shards (Socket.IO),
// the gRPC API and the admin server, then waits for SIGTERM/SIGINT and
// drains. Logs one line per lifecycle event.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "admin/admin_server.h"
#include "admin/health.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "hub/api/drain_controller.h"
#include "hub/api/hub_service.h"
#include "hub/api/subscription_hub.h"
#include "hub/admin_stats.h"
#include "hub/base/log.h"
#include "hub/base/scheduling.h"
#include "hub/cluster/cluster.h"
#include "hub/config/flags.h"
#include "hub/core/hub_core.h"
#include "metrics/api_metrics.h"
#include "metrics/metrics.h"

namespace hub {
namespace {

constexpr int kExitBadConfig = 2;
constexpr int kExitStartFailed = 1;

std::string HostPort(const std::string& address, uint16_t port) {
  if (address.find(':') != std::string::npos) return absl::StrCat("[", address, "]:", port);
  return absl::StrCat(address, ":", port);
}

// Blocks the stop signals in every thread (threads inherit the mask), so the
// main thread alone receives them through sigwait.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return set;
}

const char* SignalName(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

// Before any thread starts, so that every one inherits the policy.
void SetSchedulingPolicy(const Config& config) {
  if (!config.sched_batch) {
    HUB_LOG_INFO("event=scheduling policy=normal reason=disabled");
    return;
  }
  if (const absl::Status status = UseBatchScheduling(); !status.ok()) {
    HUB_LOG_WARN("event=scheduling policy=normal reason={}", LogValue(status.message()));
    return;
  }
  HUB_LOG_INFO("event=scheduling policy=batch");
}

int Run(const Config& config) {
  SetSchedulingPolicy(config);
  const sigset_t stop_signals = BlockStopSignals();

  metrics::Metrics metrics(config.shards);
  metrics::ApiMetrics api_metrics(metrics.registry());
  api::SubscriptionHub subscriptions(config.subscriber_queue_size, api_metrics);
  // --redis_url: client events and backend commands span every replica.
  std::unique_ptr<cluster::Cluster> cluster;
  if (!config.redis_url.empty()) {
    auto created = cluster::Cluster::Create(
        config, metrics.registry(),
        [&subscriptions](core::ClientEventRecord record, const cluster::ClusterEventSink::GroupChooser& take) {
          return subscriptions.PublishSelected(std::move(record), take, /*count_unrouted=*/false);
        },
        [&subscriptions] {
          cluster::Heartbeat heartbeat;
          for (const auto& group : subscriptions.Stats()) {
            if (group.group.empty()) heartbeat.ungrouped = group.subscribers;
            else if (group.subscribers > 0) heartbeat.groups[group.group] = group.subscribers;
          }
          return heartbeat;
        });
    if (!created.ok()) {
      std::cerr << "hub: --redis_url: " << created.status().message() << "\n";
      return kExitBadConfig;
    }
    cluster = *std::move(created);
    // Group membership reaches the other replicas at once, not at the next
    // periodic heartbeat, so they agree on who delivers to each group.
    subscriptions.SetMembershipListener([c = cluster.get()] { c->SubscriptionsChanged(); });
  }
  core::HubCore core(config, metrics, cluster ? cluster->sink() : static_cast<core::ClientEventSink&>(subscriptions));
  metrics.AddCollector([&subscriptions] { return api::SubscriberFamilies(subscriptions.Stats()); });
  admin::Health health;

  auto sio_port = core.Start();
  if (!sio_port.ok()) {
    HUB_LOG_ERROR("event=start_failed service=socketio error={}", LogValue(sio_port.status().message()));
    return kExitStartFailed;
  }
  HUB_LOG_INFO("event=listening service=socketio address={} port={} path={} shards={}", config.bind,
               *sio_port, config.path, config.shards);

  core::Adapter& adapter = cluster ? cluster->Start(core) : static_cast<core::Adapter&>(core);
  if (cluster) HUB_LOG_INFO("event=cluster_joined redis_url={} uid={}", LogValue(cluster->redis()), cluster->uid());

  api::DrainController drain(std::chrono::milliseconds(config.drain_grace_ms));
  api::ServiceOptions service_options;
  service_options.token = config.grpc_token;
  service_options.shutdown_token = config.shutdown_token;
  service_options.publish_max_in_flight = config.publish_max_in_flight;
  api::HubService service(adapter, subscriptions, drain, api_metrics, service_options);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default; without it, a second process on the
  // same port fails to start instead of quietly sharing its connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int grpc_port = 0;
  builder.AddListeningPort(HostPort(config.bind, config.grpc_port), grpc::InsecureServerCredentials(),
                           &grpc_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (!grpc_server || grpc_port == 0) {
    HUB_LOG_ERROR("event=start_failed service=grpc error={}",
                  LogValue(absl::StrCat("cannot listen on ", HostPort(config.bind, config.grpc_port))));
    core.Stop();
    return kExitStartFailed;
  }
  HUB_LOG_INFO("event=listening service=grpc address={} port={}", config.bind, grpc_port);

  const auto started = std::chrono::steady_clock::now();
  admin::AdminHooks hooks;
  hooks.render_metrics = [&metrics] { return metrics.Serialize(); };
  hooks.stats_json = [&] {
    return AdminStatsJson(metrics, subscriptions, health.ready(), core.draining(), started);
  };
  hooks.drain = [&drain] { drain.RequestFromRpc(std::chrono::milliseconds(0), "admin drain", [](uint64_t) {}); };
  hooks.token = config.admin_token;
  admin::AdminServer admin_server(health, std::move(hooks));
  auto admin_port = admin_server.Start(config.bind, config.admin_port);
  if (!admin_port.ok()) {
    HUB_LOG_ERROR("event=start_failed service=admin error={}", LogValue(admin_port.status().message()));
    grpc_server->Shutdown();
    core.Stop();
    return kExitStartFailed;
  }
  HUB_LOG_INFO("event=listening service=admin address={} port={}", config.bind, *admin_port);

  health.SetReady(true);
  // Probes may name the service (grpc_health_probe -service=hub.v1.Hub) or not.
  grpc_server->GetHealthCheckService()->SetServingStatus(hub::v1::Hub::service_full_name(), true);
  HUB_LOG_INFO("event=ready");

  // Stop signals become drain requests; a second one during a drain exits
  // at once.
  std::thread([stop_signals, &drain] {
    for (;;) {
      int signal = 0;
      if (sigwait(&stop_signals, &signal) != 0) continue;
      if (!drain.RequestFromSignal(SignalName(signal))) {
        HUB_LOG_WARN("event=forced_exit signal={}", SignalName(signal));
        std::_Exit(1);
      }
    }
  }).detach();

  const api::DrainController::Request request = drain.Wait();
  HUB_LOG_INFO("event=drain_started reason={} grace_ms={}", LogValue(request.reason),
               request.grace.count());
  // Everything below fits in the grace period, so the process is gone
  // before Kubernetes' terminationGracePeriodSeconds (set above it) expires.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + request.grace;
  auto left = [&deadline](std::chrono::milliseconds cap) {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::clamp(remaining, std::chrono::milliseconds(0), cap);
  };
  health.SetReady(false);
  grpc_server->GetHealthCheckService()->SetServingStatus(false);
  grpc_server->GetHealthCheckService()->SetServingStatus(hub::v1::Hub::service_full_name(), false);
  core.RefuseNewWork();
  std::this_thread::sleep_for(left(std::chrono::milliseconds(config.drain_delay_ms)));
  uint64_t sockets = 0;
  for (int i = 0; i < config.shards; ++i) sockets += std::max<int64_t>(0, metrics.shard(i).sockets.Get());
  // Keep a little of the grace for ending streams and answering Shutdown.
  const uint64_t connections = core.Drain(left(request.grace * 8 / 10));
  if (cluster) {
    subscriptions.SetMembershipListener(nullptr);
    cluster->Stop();
  }
  drain.Complete(sockets);
  subscriptions.EndAll();
  subscriptions.AwaitEmpty(left(std::chrono::seconds(2)));
  grpc_server->Shutdown(std::chrono::system_clock::now() + left(std::chrono::seconds(1)) +
                        std::chrono::milliseconds(50));
  // Streams the shutdown cancelled still run their last reactions (OnCancel,
  // Finish, OnDone) on gRPC threads: let them end before anything they use
  // is destroyed.
  grpc_server->Wait();
  service.AwaitReplies();
  subscriptions.AwaitEmpty(std::chrono::milliseconds(500));
  core.Stop();
  admin_server.Stop();
  HUB_LOG_INFO("event=stopped connections_closed={} sockets_disconnected={}", connections, sockets);
  return 0;
}

}  // namespace
}  // namespace hub

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = hub::ParseCommandLine(args, hub::ProcessEnv());
  if (!parsed.ok()) {
    std::cerr << "hub: " << parsed.status().message() << "\n";
    return hub::kExitBadConfig;
  }
  if (parsed->show_help) {
    std::cout << hub::HelpText();
    return 0;
  }
  if (auto status = hub::InitLogging(parsed->config.log_level); !status.ok()) {
    std::cerr << "hub: " << status.message() << "\n";
    return hub::kExitBadConfig;
  }
  return hub::Run(parsed->config);
}
