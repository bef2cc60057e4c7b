#include "hub/core/hub_core.h"

#include <thread>

#include "hub/base/random_id.h"
#include "hub/core/gather.h"
#include "hub/socketio/client.h"

namespace hub::core {

absl::StatusOr<OutboundPacket> EncodeEvent(std::string_view nsp, std::string_view event,
                                           const std::vector<std::string>& args,
                                           const std::vector<std::string>& attachments) {
  return socketio::EncodeServerEvent(nsp, event, args, attachments);
}

absl::StatusOr<std::string> NormalizeNamespace(std::string_view nsp) {
  return socketio::NormalizeNamespace(nsp);
}

HubCore::HubCore(const Config& config, metrics::Metrics& metrics, ClientEventSink& sink)
    : config_(config) {
  server_options_.path = config.path;
  server_options_.handshake_timeout = std::chrono::milliseconds(config.handshake_timeout_ms);
  server_options_.max_connections = config.max_connections;
  server_options_.cors_origins = config.cors_origins;
  auto& session = server_options_.session;
  session.ping_interval = std::chrono::milliseconds(config.ping_interval_ms);
  session.ping_timeout = std::chrono::milliseconds(config.ping_timeout_ms);
  session.max_payload = config.max_http_buffer_size;
  session.max_outbound_frames = config.max_outbound_frames;
  session.max_outbound_bytes = config.max_outbound_bytes;
  session.disconnect_on_overflow = config.outbound_overflow == OverflowPolicy::kDisconnect;
  client_options_.namespaces = config.namespaces;
  client_options_.limits.max_attachments = config.max_attachments;

  for (int i = 0; i < config.shards; ++i) {
    shards_.push_back(std::make_unique<Shard>(i, server_options_, client_options_, server_state_,
                                              sink, metrics.shard(i)));
  }
}

HubCore::~HubCore() { Stop(); }

absl::StatusOr<uint16_t> HubCore::Start() {
  uint16_t port = config_.sio_port;
  for (auto& shard : shards_) {
    // The first shard resolves port 0; the others share its port.
    auto bound = shard->Listen(config_.bind, port);
    if (!bound.ok()) return bound.status();
    port = *bound;
  }
  for (auto& shard : shards_) shard->Start();
  return port;
}

void HubCore::EmitTo(std::string nsp, std::vector<std::string> socket_ids,
                     std::shared_ptr<const OutboundPacket> packet,
                     std::function<void(EmitToResult)> done) {
  // Route each id to the shard that issued it; ids no shard issued are missing.
  std::vector<std::vector<std::string>> per_shard(shards_.size());
  EmitToResult unroutable;
  for (auto& id : socket_ids) {
    auto shard = ShardOfId(id);
    if (shard && *shard < static_cast<int>(shards_.size())) {
      per_shard[*shard].push_back(std::move(id));
    } else {
      unroutable.missing.push_back(std::move(id));
    }
  }
  std::vector<size_t> involved;
  for (size_t i = 0; i < per_shard.size(); ++i) {
    if (!per_shard[i].empty()) involved.push_back(i);
  }
  if (involved.empty()) {
    done(std::move(unroutable));
    return;
  }
  auto gather = Gather<EmitToResult>::Create(
      involved.size(), [unroutable = std::move(unroutable), done = std::move(done)](
                           std::vector<EmitToResult>& results) mutable {
        EmitToResult total = std::move(unroutable);
        for (auto& result : results) {
          total.recipients += result.recipients;
          for (auto& id : result.missing) total.missing.push_back(std::move(id));
        }
        done(std::move(total));
      });
  for (size_t slot = 0; slot < involved.size(); ++slot) {
    Shard* shard = shards_[involved[slot]].get();
    shard->Post([shard, slot, gather, packet, nsp,
                 ids = std::move(per_shard[involved[slot]])]() mutable {
      EmitToResult result;
      for (auto& id : ids) {
        socketio::Socket* socket = shard->registry().Find(id);
        if (socket == nullptr || socket->nsp() != nsp) {
          result.missing.push_back(std::move(id));
          continue;
        }
        if (socket->Send(*packet)) ++result.recipients;
      }
      gather->Complete(slot, std::move(result));
    });
  }
}

void HubCore::Broadcast(std::string nsp, std::shared_ptr<const OutboundPacket> packet,
                        bool is_volatile, std::function<void(uint64_t)> done) {
  auto gather = Gather<uint64_t>::Create(shards_.size(), [done = std::move(done)](
                                                             std::vector<uint64_t>& counts) {
    uint64_t total = 0;
    for (uint64_t count : counts) total += count;
    done(total);
  });
  for (size_t slot = 0; slot < shards_.size(); ++slot) {
    Shard* shard = shards_[slot].get();
    shard->Post([shard, slot, gather, packet, nsp, is_volatile] {
      uint64_t recipients = 0;
      if (const auto* members = shard->registry().Namespace(nsp)) {
        // Copy: a send may close a slow client, which edits the member set.
        std::vector<socketio::Socket*> targets(members->begin(), members->end());
        for (socketio::Socket* socket : targets) {
          if (is_volatile && !socket->CanSendNow()) {
            shard->stats().frames_dropped[static_cast<size_t>(metrics::DropReason::kVolatile)].Add();
            continue;
          }
          if (socket->Send(*packet)) ++recipients;
        }
      }
      gather->Complete(slot, recipients);
    });
  }
}

uint64_t HubCore::Drain(std::chrono::milliseconds grace) {
  server_state_.draining.store(true);
  const uint64_t open = static_cast<uint64_t>(server_state_.connections.load());
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    s->Post([s] {
      s->server().StopAccepting();
      s->server().CloseAll(DisconnectReason::kServerShuttingDown);
    });
  }
  // Connections end once their queued packets and close frames are out and
  // the peers have hung up; wait for that, bounded by the grace period.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while ((server_state_.connections.load() > 0 || server_state_.open_sockets.load() > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return open;
}

void HubCore::Stop() {
  for (auto& shard : shards_) shard->Stop();
}

}  // namespace hub::core
