#include "metrics/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <limits>
#include <map>

#include "prometheus/collectable.h"
#include "prometheus/text_serializer.h"

namespace hub::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void AddSample(MetricFamily& family, double value,
               std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

// Sums a per-shard field over every shard at scrape time.
class ShardCollector : public prometheus::Collectable {
 public:
  ShardCollector(const ShardStats* shards, int count) : shards_(shards), count_(count) {}

  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;

    auto by_transport = [&](std::string name, std::string help, MetricType type, auto field) {
      auto family = Family(std::move(name), std::move(help), type);
      for (size_t t = 0; t < kTransportKindCount; ++t) {
        double sum = 0;
        for (int s = 0; s < count_; ++s) sum += static_cast<double>((shards_[s].*field)[t].Get());
        AddSample(family, sum, {{"transport", TransportKindName(static_cast<TransportKind>(t))}});
      }
      out.push_back(std::move(family));
    };
    auto single = [&](std::string name, std::string help, MetricType type, auto field) {
      auto family = Family(std::move(name), std::move(help), type);
      double sum = 0;
      for (int s = 0; s < count_; ++s) sum += static_cast<double>((shards_[s].*field).Get());
      AddSample(family, sum);
      out.push_back(std::move(family));
    };
    auto by_label = [&](std::string name, std::string help, std::string label, size_t n,
                        auto field, auto label_of) {
      auto family = Family(std::move(name), std::move(help), MetricType::Counter);
      for (size_t i = 0; i < n; ++i) {
        double sum = 0;
        for (int s = 0; s < count_; ++s) sum += static_cast<double>((shards_[s].*field)[i].Get());
        AddSample(family, sum, {{label, std::string(label_of(i))}});
      }
      out.push_back(std::move(family));
    };

    by_transport("hub_connections", "Open Engine.IO connections by transport.",
                 MetricType::Gauge, &ShardStats::connections);
    by_transport("hub_handshakes_total", "Engine.IO handshakes accepted by transport.",
                 MetricType::Counter, &ShardStats::handshakes);
    by_label("hub_handshakes_rejected_total", "Engine.IO handshakes refused, by reason.", "reason",
             kHandshakeRejectionCount, &ShardStats::handshakes_rejected,
             [](size_t i) { return HandshakeRejectionName(static_cast<HandshakeRejection>(i)); });
    by_label("hub_disconnects_total", "Engine.IO connections closed, by reason.", "reason",
             kDisconnectReasonCount, &ShardStats::disconnects,
             [](size_t i) { return DisconnectReasonText(static_cast<DisconnectReason>(i)); });
    {
      // Per namespace, merged over shards; a label per namespace is bounded
      // by NamespaceGauge::kMaxNamespaceLabels per shard.
      std::map<std::string, double> by_namespace;
      for (int s = 0; s < count_; ++s) {
        for (const auto& [nsp, n] : shards_[s].sockets_by_namespace.Snapshot()) by_namespace[nsp] += n;
      }
      auto family = Family("hub_sockets", "Connected Socket.IO sockets by namespace.", MetricType::Gauge);
      for (const auto& [nsp, n] : by_namespace) AddSample(family, n, {{"namespace", nsp}});
      out.push_back(std::move(family));
    }
    by_label("hub_socket_disconnects_total", "Sockets that left their namespace, by reason.", "reason",
             kDisconnectReasonCount, &ShardStats::socket_disconnects,
             [](size_t i) { return DisconnectReasonText(static_cast<DisconnectReason>(i)); });
    by_transport("hub_packets_in_total", "Engine.IO packets received by transport.",
                 MetricType::Counter, &ShardStats::packets_in);
    by_transport("hub_packets_out_total", "Engine.IO packets sent by transport.",
                 MetricType::Counter, &ShardStats::packets_out);
    by_transport("hub_bytes_in_total", "Bytes received by transport.", MetricType::Counter,
                 &ShardStats::bytes_in);
    by_transport("hub_bytes_out_total", "Bytes sent by transport.", MetricType::Counter,
                 &ShardStats::bytes_out);
    by_label("hub_frames_dropped_total", "Outbound frames not delivered, by reason.", "reason",
             kDropReasonCount, &ShardStats::frames_dropped,
             [](size_t i) { return DropReasonName(static_cast<DropReason>(i)); });
    auto histogram = [&](std::string name, std::string help, ShardHistogram ShardStats::*field) {
      auto family = Family(std::move(name), std::move(help), MetricType::Histogram);
      const auto& bounds = (shards_[0].*field).bounds();
      ClientMetric metric;
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= bounds.size(); ++i) {
        for (int s = 0; s < count_; ++s) cumulative += (shards_[s].*field).bucket(i);
        ClientMetric::Bucket bucket;
        bucket.cumulative_count = cumulative;
        bucket.upper_bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
        metric.histogram.bucket.push_back(bucket);
      }
      for (int s = 0; s < count_; ++s) {
        metric.histogram.sample_count += (shards_[s].*field).count();
        metric.histogram.sample_sum += (shards_[s].*field).sum();
      }
      family.metric.push_back(std::move(metric));
      out.push_back(std::move(family));
    };
    histogram("hub_heartbeat_pong_latency_seconds", "Time from an Engine.IO PING to its PONG.",
              &ShardStats::pong_latency);
    histogram("hub_outbound_queue_depth", "Frames queued on a connection when its transport writes.",
              &ShardStats::queue_depth);
    single("hub_heartbeat_pings_total", "Engine.IO PINGs sent.", MetricType::Counter,
           &ShardStats::pings_sent);
    single("hub_heartbeat_pongs_total", "Engine.IO PONGs received.", MetricType::Counter,
           &ShardStats::pongs_received);
    single("hub_heartbeat_timeouts_total", "Connections closed for a missing PONG.",
           MetricType::Counter, &ShardStats::heartbeat_timeouts);
    single("hub_upgrades_total", "Engine.IO sessions upgraded from polling to WebSocket.",
           MetricType::Counter, &ShardStats::upgrades);
    single("hub_client_events_total", "Socket.IO events received from clients.",
           MetricType::Counter, &ShardStats::client_events);
    single("hub_io_uring_shards",
           "Shards whose write rounds go through io_uring; the others send() one connection at a time.",
           MetricType::Gauge, &ShardStats::io_uring_writes);
    return out;
  }

 private:
  const ShardStats* shards_;
  int count_;
};

// Resident memory, CPU time and open descriptors of this process, from /proc.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<MetricFamily> Collect() const override {
    std::vector<MetricFamily> out;
    const long page = sysconf(_SC_PAGESIZE);

    std::ifstream statm("/proc/self/statm");
    long size_pages = 0, resident_pages = 0;
    statm >> size_pages >> resident_pages;
    auto rss = Family("hub_process_resident_memory_bytes", "Resident memory in bytes.",
                      MetricType::Gauge);
    AddSample(rss, static_cast<double>(resident_pages) * page);
    out.push_back(std::move(rss));
    auto vms = Family("hub_process_virtual_memory_bytes", "Virtual memory in bytes.",
                      MetricType::Gauge);
    AddSample(vms, static_cast<double>(size_pages) * page);
    out.push_back(std::move(vms));

    // getrusage has microsecond resolution; /proc/self/stat counts 10 ms ticks.
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    const double cpu_seconds =
        static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
        static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    auto cpu = Family("hub_process_cpu_seconds_total", "User and system CPU time in seconds.",
                      MetricType::Counter);
    AddSample(cpu, cpu_seconds);
    out.push_back(std::move(cpu));

    double fds = 0;
    if (DIR* dir = opendir("/proc/self/fd")) {
      while (readdir(dir) != nullptr) ++fds;
      closedir(dir);
      fds -= 3;  // ".", ".." and the descriptor of this listing
    }
    auto fd_family = Family("hub_process_open_fds", "Open file descriptors.", MetricType::Gauge);
    AddSample(fd_family, fds);
    out.push_back(std::move(fd_family));
    return out;
  }
};

}  // namespace

Metrics::Metrics(int shard_count)
    : shards_(new ShardStats[shard_count]),
      shard_count_(shard_count),
      registry_(std::make_shared<prometheus::Registry>()) {
  collectables_.push_back(std::make_shared<ShardCollector>(shards_.get(), shard_count_));
  collectables_.push_back(std::make_shared<ProcessCollector>());
}

Metrics::~Metrics() = default;

namespace {
class CallbackCollector : public prometheus::Collectable {
 public:
  explicit CallbackCollector(std::function<std::vector<MetricFamily>()> collect)
      : collect_(std::move(collect)) {}
  std::vector<MetricFamily> Collect() const override { return collect_(); }

 private:
  std::function<std::vector<MetricFamily>()> collect_;
};
}  // namespace

void Metrics::AddCollector(std::function<std::vector<prometheus::MetricFamily>()> collect) {
  collectables_.push_back(std::make_shared<CallbackCollector>(std::move(collect)));
}

std::string Metrics::Serialize() const {
  std::vector<MetricFamily> families = registry_->Collect();
  for (const auto& collectable : collectables_) {
    auto more = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace hub::metrics
