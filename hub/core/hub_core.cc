#include "hub/core/hub_core.h"

#include <algorithm>
#include <iterator>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/steady_timer.hpp"
#include "hub/base/random_id.h"
#include "hub/base/strings.h"
#include "hub/socketio/fan_out_prefetch.h"
#include "hub/core/gather.h"
#include "hub/engineio/port_probe.h"
#include "hub/socketio/client.h"

namespace hub::core {

absl::StatusOr<SharedEmit> MakeEmit(std::string_view nsp, std::string event,
                                    std::vector<std::string> args,
                                    std::vector<std::string> attachments,
                                    std::optional<uint64_t> ack_id) {
  auto normalized = socketio::NormalizeNamespace(nsp);
  if (!normalized.ok()) return normalized.status();
  auto packet = socketio::EncodeServerEvent(*normalized, event, args, attachments, ack_id);
  if (!packet.ok()) return packet.status();
  auto emit = std::make_shared<Emit>();
  emit->nsp = *std::move(normalized);
  emit->event = std::move(event);
  emit->args = std::move(args);
  emit->attachments = std::move(attachments);
  emit->ack_id = ack_id;
  emit->packet = std::make_shared<const OutboundPacket>(*std::move(packet));
  return SharedEmit(std::move(emit));
}

namespace {

// A ForEachShard `done` that adds up the shards' counts for `done`.
std::function<void(std::vector<uint64_t>&)> SumThen(std::function<void(uint64_t)> done) {
  return [done = std::move(done)](std::vector<uint64_t>& counts) {
    uint64_t total = 0;
    for (uint64_t count : counts) total += count;
    done(total);
  };
}

// The shards' lists as one, in shard order.
template <typename T>
std::vector<T> Concatenate(std::vector<std::vector<T>>& per_shard) {
  std::vector<T> all;
  for (auto& part : per_shard) std::move(part.begin(), part.end(), std::back_inserter(all));
  return all;
}

// On `shard`'s thread: the ids of its sockets that `selection` picks.
std::vector<std::string> SelectedIds(Shard& shard, const Selection& selection) {
  std::vector<std::string> ids;
  for (socketio::Socket* socket : shard.registry().Select(selection)) ids.push_back(socket->id());
  return ids;
}

}  // namespace

HubCore::HubCore(const Config& config, metrics::Metrics& metrics, ClientEventSink& sink)
    : config_(config) {
  server_options_.path = config.path;
  server_options_.handshake_timeout = std::chrono::milliseconds(config.handshake_timeout_ms);
  server_options_.max_connections = config.max_connections;
  server_options_.cors_origins = config.cors_origins;
  server_options_.cors_credentials = config.cors_credentials;
  server_options_.echo_path = config.echo_path;
  server_options_.compression_threshold = config.http_compression_threshold;
  server_options_.polling.max_packets_per_payload = config.max_packets_per_payload;
  server_options_.session.upgrade_timeout = std::chrono::milliseconds(config.upgrade_timeout_ms);
  auto& session = server_options_.session;
  session.ping_interval = std::chrono::milliseconds(config.ping_interval_ms);
  session.ping_timeout = std::chrono::milliseconds(config.ping_timeout_ms);
  session.max_payload = config.max_http_buffer_size;
  session.max_outbound_frames = config.max_outbound_frames;
  session.max_outbound_bytes = config.max_outbound_bytes;
  session.disconnect_on_overflow = config.outbound_overflow == OverflowPolicy::kDisconnect;
  server_options_.write_flush.pacing_ratio = config.write_pacing_percent / 100.0;
  server_options_.write_flush.max_delay = std::chrono::microseconds(config.max_write_delay_us);
  server_options_.write_flush.batch_writes = config.io_uring;
  client_options_.namespaces = config.namespaces;
  client_options_.limits.max_attachments = config.max_attachments;
  client_options_.connect_timeout = std::chrono::milliseconds(config.connect_timeout_ms);
  client_options_.max_auth_bytes = config.max_auth_bytes;
  client_options_.max_event_name_bytes = config.max_event_name_bytes;
  client_options_.max_event_args = config.max_event_args;
  client_options_.max_client_acks = config.max_client_acks;

  for (int i = 0; i < config.shards; ++i) {
    shards_.push_back(std::make_unique<Shard>(i, server_options_, client_options_, server_state_,
                                              sink, metrics.shard(i)));
  }
}

HubCore::~HubCore() { Stop(); }

absl::StatusOr<uint16_t> HubCore::Start() {
  uint16_t port = config_.sio_port;
  if (absl::Status free = engineio::CheckPortFree(config_.bind, port); !free.ok()) return free;
  for (auto& shard : shards_) {
    // The first shard resolves port 0; the others share its port.
    auto bound = shard->Listen(config_.bind, port);
    if (!bound.ok()) return bound.status();
    port = *bound;
  }
  for (auto& shard : shards_) shard->Start();
  return port;
}

template <typename Result>
void HubCore::ForEachShard(std::function<Result(Shard&)> task,
                           std::function<void(std::vector<Result>&)> done) {
  auto gather = Gather<Result>::Create(shards_.size(), std::move(done));
  auto shared_task = std::make_shared<std::function<Result(Shard&)>>(std::move(task));
  for (size_t slot = 0; slot < shards_.size(); ++slot) {
    Shard* shard = shards_[slot].get();
    shard->Post([shard, slot, gather, shared_task] { gather->Complete(slot, (*shared_task)(*shard)); });
  }
}

std::shared_ptr<EmitStream> HubCore::OpenEmitStream(EmitStream::OnReport on_report) {
  return std::make_shared<BatchedEmitStream>(static_cast<ShardDelivery&>(*this), std::move(on_report));
}

void HubCore::PostToShard(size_t shard, std::function<void()> task) {
  shards_[shard]->Post(std::move(task));
}

EmitToResult HubCore::EmitToOnShard(size_t shard, const Emit& emit, std::vector<std::string>& ids) {
  LocalRegistry& registry = shards_[shard]->registry();
  EmitToResult result;
  for (auto& id : ids) {
    socketio::Socket* socket = registry.Find(id);
    if (socket == nullptr || socket->nsp() != emit.nsp) {
      result.missing.push_back(std::move(id));
      continue;
    }
    if (socket->Send(*emit.packet)) ++result.recipients;
  }
  return result;
}

uint64_t HubCore::BroadcastOnShard(size_t shard_index, const Selection& selection, const Emit& emit,
                                   bool is_volatile) {
  Shard& shard = *shards_[shard_index];
  uint64_t recipients = 0;
  // Select returns a copy: a send may close a slow client, which edits the index.
  const std::vector<socketio::Socket*> sockets = shard.registry().Select(selection);
  for (size_t i = 0; i < sockets.size(); ++i) {
    socketio::PrefetchFanOut(sockets, i);
    socketio::Socket* socket = sockets[i];
    if (is_volatile && !socket->CanSendNow()) {
      shard.stats().frames_dropped[static_cast<size_t>(metrics::DropReason::kVolatile)].Add();
      continue;
    }
    if (socket->Send(*emit.packet)) ++recipients;
  }
  return recipients;
}

void HubCore::EmitTo(std::vector<std::string> socket_ids, SharedEmit emit,
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
  if (involved.size() == 1) {
    // The usual case (one socket id): no gathering.
    const size_t shard = involved[0];
    PostToShard(shard, [this, shard, emit = std::move(emit), ids = std::move(per_shard[shard]),
                        unroutable = std::move(unroutable), done = std::move(done)]() mutable {
      EmitToResult result = EmitToOnShard(shard, *emit, ids);
      for (auto& id : unroutable.missing) result.missing.push_back(std::move(id));
      done(std::move(result));
    });
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
    const size_t shard = involved[slot];
    PostToShard(shard, [this, shard, slot, gather, emit, ids = std::move(per_shard[shard])]() mutable {
      gather->Complete(slot, EmitToOnShard(shard, *emit, ids));
    });
  }
}

void HubCore::Broadcast(Selection selection, SharedEmit emit, bool is_volatile,
                        std::function<void(uint64_t)> done) {
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  ForEachShard<uint64_t>(
      [this, shared_selection, emit, is_volatile](Shard& shard) {
        return BroadcastOnShard(static_cast<size_t>(shard.index()), *shared_selection, *emit, is_volatile);
      },
      SumThen(std::move(done)));
}

namespace {

SocketSummary Summarize(const LocalRegistry& registry, const socketio::Socket& socket) {
  SocketSummary summary;
  summary.id = socket.id();
  summary.nsp = socket.nsp();
  summary.rooms = registry.rooms().RoomsOf(&socket);
  summary.transport = metrics::TransportKindName(socket.client().transport_kind());
  summary.remote_address = std::string(socket.client().handshake().remote_address());
  summary.connected_at_ms = socket.connected_at_ms();
  summary.auth = socket.auth();
  return summary;
}

using AckGather = Gather<std::vector<AckReply>>;

std::shared_ptr<AckGather> GatherAcks(size_t shards, std::function<void(std::vector<AckReply>)> done) {
  return AckGather::Create(shards, [done = std::move(done)](std::vector<std::vector<AckReply>>& per_shard) {
    done(Concatenate(per_shard));
  });
}

// On `shard`'s thread: sends `packet` to `sockets` and completes `slot` of
// `gather` once each has acked, timed out or disconnected; `undeliverable`
// holds replies settled already.
void SendAndAwaitAcks(Shard& shard, size_t slot, const std::shared_ptr<AckGather>& gather,
                      const std::vector<socketio::Socket*>& sockets, const SharedPacket& packet, uint64_t ack_id,
                      std::chrono::milliseconds timeout, std::vector<AckReply> undeliverable = {}) {
  std::vector<std::string> awaited;
  for (socketio::Socket* socket : sockets) {
    // Copied first: a send that overflows a slow client's queue closes the
    // client, and that deletes its sockets before Send returns.
    std::string id = socket->id();
    if (socket->Send(*packet)) {
      awaited.push_back(std::move(id));
    } else {
      // Closed (or dropped by a full queue): it can never answer.
      undeliverable.push_back(
          AckReply{std::move(id), AckOutcome::kDisconnected, std::chrono::steady_clock::now(), {}, {}});
    }
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(shard.executor(), timeout);
  shard.registry().acks().Expect(
      ack_id, awaited,
      [gather, slot, timer, undeliverable = std::move(undeliverable)](std::vector<AckReply> replies) mutable {
        timer->cancel();
        for (auto& reply : undeliverable) replies.push_back(std::move(reply));
        gather->Complete(slot, std::move(replies));
      });
  timer->async_wait([shard = &shard, ack_id, timer](const boost::system::error_code& ec) {
    if (!ec) shard->registry().acks().Expire(ack_id);
  });
}

}  // namespace

void HubCore::EmitWithAck(Selection selection, SharedEmit emit, std::chrono::milliseconds timeout,
                          std::function<void(std::vector<AckReply>)> done) {
  const SharedPacket packet = emit->packet;
  const uint64_t ack_id = emit->ack_id.value_or(0);
  auto gather = GatherAcks(shards_.size(), std::move(done));
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  for (size_t slot = 0; slot < shards_.size(); ++slot) {
    Shard* shard = shards_[slot].get();
    shard->Post([shard, slot, gather, packet, ack_id, timeout, shared_selection] {
      SendAndAwaitAcks(*shard, slot, gather, shard->registry().Select(*shared_selection), packet, ack_id, timeout);
    });
  }
}

void HubCore::EmitWithAck(Selection selection, SharedEmit emit, std::chrono::milliseconds timeout,
                          OnSelected on_selected, std::function<void(std::vector<AckReply>)> done) {
  using Ids = std::vector<std::string>;
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  ForEachShard<Ids>(
      [shared_selection](Shard& shard) { return SelectedIds(shard, *shared_selection); },
      [this, emit, timeout, on_selected = std::move(on_selected),
       done = std::move(done)](std::vector<Ids>& per_shard) mutable {
        Ids all;
        for (const auto& ids : per_shard) all.insert(all.end(), ids.begin(), ids.end());
        auto shard_ids = std::make_shared<std::vector<Ids>>(std::move(per_shard));
        auto send = [this, emit, timeout, shard_ids, done = std::move(done)]() mutable {
          auto gather = GatherAcks(shards_.size(), std::move(done));
          for (size_t slot = 0; slot < shards_.size(); ++slot) {
            Shard* shard = shards_[slot].get();
            shard->Post([shard, slot, gather, emit, timeout, shard_ids] {
              // Still connected to the namespace: asked. Gone meanwhile:
              // answered as disconnected, like a send that fails.
              std::vector<socketio::Socket*> sockets;
              std::vector<AckReply> gone;
              for (const auto& id : (*shard_ids)[slot]) {
                socketio::Socket* socket = shard->registry().Find(id);
                if (socket != nullptr && socket->nsp() == emit->nsp) {
                  sockets.push_back(socket);
                } else {
                  gone.push_back(AckReply{id, AckOutcome::kDisconnected, std::chrono::steady_clock::now(), {}, {}});
                }
              }
              SendAndAwaitAcks(*shard, slot, gather, sockets, emit->packet, emit->ack_id.value_or(0), timeout,
                               std::move(gone));
            });
          }
        };
        on_selected(std::move(all), std::move(send));
      });
}

void HubCore::AnswerClientAck(std::string nsp, std::string socket_id, uint64_t ack_id,
                              std::vector<std::string> args, std::vector<std::string> attachments,
                              std::function<void(absl::Status)> done) {
  auto shard_index = ShardOfId(socket_id);
  if (!shard_index || *shard_index >= static_cast<int>(shards_.size())) {
    done(absl::NotFoundError(absl::StrCat("socket ", socket_id, " is not connected")));
    return;
  }
  Shard* shard = shards_[*shard_index].get();
  shard->Post([shard, nsp = std::move(nsp), socket_id = std::move(socket_id), ack_id,
               args = std::move(args), attachments = std::move(attachments),
               done = std::move(done)] {
    socketio::Socket* socket = shard->registry().Find(socket_id);
    if (socket == nullptr || socket->nsp() != nsp) {
      done(absl::NotFoundError(absl::StrCat("socket ", socket_id, " is not connected to ", nsp)));
      return;
    }
    if (!socket->TakeClientAck(ack_id)) {
      done(absl::FailedPreconditionError(
          absl::StrCat("ack ", ack_id, " was already answered or never requested")));
      return;
    }
    auto packet = socketio::EncodeServerAck(nsp, ack_id, args, attachments);
    if (!packet.ok()) {
      done(packet.status());
      return;
    }
    socket->Send(*packet);
    done(absl::OkStatus());
  });
}

void HubCore::UpdateRooms(Selection selection, std::vector<std::string> rooms, bool join,
                          std::function<void(uint64_t)> done) {
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  auto shared_rooms = std::make_shared<const std::vector<std::string>>(std::move(rooms));
  ForEachShard<uint64_t>(
      [shared_selection, shared_rooms, join](Shard& shard) {
        auto& index = shard.registry().rooms();
        const auto selected = index.Select(*shared_selection);
        for (socketio::Socket* socket : selected) {
          for (const auto& room : *shared_rooms) {
            if (join) {
              index.Join(socket, room);
            } else {
              index.Leave(socket, room);
            }
          }
        }
        return static_cast<uint64_t>(selected.size());
      },
      SumThen(std::move(done)));
}

void HubCore::Disconnect(Selection selection, bool close_connection,
                         std::function<void(uint64_t)> done) {
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  ForEachShard<uint64_t>(
      [shared_selection, close_connection](Shard& shard) {
        const auto selected = shard.registry().Select(*shared_selection);
        // Collect ids first: disconnecting destroys sockets.
        std::vector<std::string> ids;
        for (socketio::Socket* socket : selected) ids.push_back(socket->id());
        for (const auto& id : ids) {
          socketio::Socket* socket = shard.registry().Find(id);
          if (socket == nullptr) continue;
          if (close_connection) {
            socket->client().CloseFromServer();
          } else {
            const std::string nsp = socket->nsp();
            socket->client().DisconnectFromServer(nsp);
          }
        }
        return static_cast<uint64_t>(ids.size());
      },
      SumThen(std::move(done)));
}

struct HubCore::ListState {
  Selection selection;
  size_t page_size = 100;
  SocketPage page;
  std::function<void(absl::StatusOr<SocketPage>)> done;
};

void HubCore::ListSockets(Selection selection, size_t page_size, std::string page_token,
                          std::function<void(absl::StatusOr<SocketPage>)> done) {
  // The token is "<shard>.<last id>": opaque to backends, stable across calls.
  size_t shard = 0;
  std::string after_id;
  if (!page_token.empty()) {
    const size_t dot = page_token.find('.');
    uint32_t parsed = 0;
    if (dot == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(page_token.data(), dot), &parsed) ||
        parsed >= shards_.size()) {
      done(absl::InvalidArgumentError("page_token is not one this hub issued"));
      return;
    }
    shard = parsed;
    after_id = page_token.substr(dot + 1);
  }
  auto state = std::make_shared<ListState>();
  state->selection = std::move(selection);
  state->page_size = page_size;
  state->done = std::move(done);
  ListFrom(state, shard, std::move(after_id));
}

void HubCore::ListFrom(std::shared_ptr<ListState> state, size_t shard_index, std::string after_id) {
  if (shard_index >= shards_.size()) {
    state->done(std::move(state->page));
    return;
  }
  Shard* shard = shards_[shard_index].get();
  shard->Post([this, state, shard, shard_index, after_id = std::move(after_id)] {
    auto& registry = shard->registry();
    std::vector<socketio::Socket*> selected = registry.Select(state->selection);
    std::vector<socketio::Socket*> candidates;
    candidates.reserve(selected.size());
    for (socketio::Socket* socket : selected) {
      if (after_id.empty() || socket->id() > after_id) candidates.push_back(socket);
    }
    const size_t room_left = state->page_size - state->page.sockets.size();
    const size_t take = std::min(room_left, candidates.size());
    auto by_id = [](socketio::Socket* a, socketio::Socket* b) { return a->id() < b->id(); };
    std::partial_sort(candidates.begin(), candidates.begin() + take, candidates.end(), by_id);
    for (size_t i = 0; i < take; ++i) {
      state->page.sockets.push_back(Summarize(registry, *candidates[i]));
    }
    if (state->page.sockets.size() == state->page_size) {
      if (candidates.size() > take) {
        state->page.next_page_token = absl::StrCat(shard_index, ".", candidates[take - 1]->id());
      } else if (shard_index + 1 < shards_.size()) {
        state->page.next_page_token = absl::StrCat(shard_index + 1, ".");
      }
      state->done(std::move(state->page));
      return;
    }
    ListFrom(state, shard_index + 1, "");
  });
}

void HubCore::FetchSockets(Selection selection, std::function<void(std::vector<SocketDetails>)> done) {
  using Details = std::vector<SocketDetails>;
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  ForEachShard<Details>(
      [shared_selection](Shard& shard) {
        Details out;
        const auto& registry = shard.registry();
        for (socketio::Socket* socket : registry.Select(*shared_selection)) {
          const auto& handshake = socket->client().handshake();
          SocketDetails details;
          details.summary = Summarize(registry, *socket);
          details.query = handshake.query();
          details.headers = handshake.headers();
          out.push_back(std::move(details));
        }
        return out;
      },
      [done = std::move(done)](std::vector<Details>& per_shard) { done(Concatenate(per_shard)); });
}

void HubCore::SocketIds(Selection selection, std::function<void(std::vector<std::string>)> done) {
  using Ids = std::vector<std::string>;
  auto shared_selection = std::make_shared<const Selection>(std::move(selection));
  ForEachShard<Ids>([shared_selection](Shard& shard) { return SelectedIds(shard, *shared_selection); },
                    [done = std::move(done)](std::vector<Ids>& per_shard) { done(Concatenate(per_shard)); });
}

void HubCore::ListRooms(std::string nsp, std::function<void(std::vector<std::string>)> done) {
  using Rooms = std::vector<std::string>;
  ForEachShard<Rooms>([nsp = std::move(nsp)](Shard& shard) { return shard.registry().rooms().RoomNames(nsp); },
                      [done = std::move(done)](std::vector<Rooms>& per_shard) {
                        Rooms all = Concatenate(per_shard);
                        std::sort(all.begin(), all.end());
                        all.erase(std::unique(all.begin(), all.end()), all.end());
                        done(std::move(all));
                      });
}

uint64_t HubCore::Drain(std::chrono::milliseconds grace) {
  server_state_.draining.store(true);
  const uint64_t open = static_cast<uint64_t>(server_state_.connections.load());
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    // Listeners stay open: new handshakes get 503, and polling clients can
    // still fetch the close packet of their session.
    s->Post([s] {
      s->server().CloseAll(DisconnectReason::kServerShuttingDown);
      s->registry().acks().SettleAll(AckOutcome::kDisconnected);
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
