#include "hub/cluster/redis_adapter.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "hub/base/log.h"
#include "hub/core/gather.h"

namespace hub::cluster {
namespace {

// socket.io has no separate socket-id list: a socket is the room of its id.
std::vector<std::string> Concat(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

BroadcastMessage ToMessage(const std::string& uid, const core::Selection& selection, const core::Emit& emit) {
  BroadcastMessage m;
  m.uid = uid;
  m.nsp = emit.nsp;
  m.event = emit.event;
  m.args = emit.args;
  m.attachments = emit.attachments;
  m.rooms = Concat(selection.rooms, selection.socket_ids);
  m.except = Concat(selection.except_rooms, selection.except_socket_ids);
  return m;
}

}  // namespace

struct RedisAdapter::ListState {
  core::Selection selection;
  size_t page_size = 100;
  std::vector<std::string> replicas;
  core::SocketPage page;
  std::function<void(absl::StatusOr<core::SocketPage>)> done;
};

RedisAdapter::RedisAdapter(core::HubCore& local, ClusterBus& bus, std::string path)
    : local_(local), bus_(bus), responder_(local, bus, std::move(path)) {}

uint64_t RedisAdapter::NextAckId() { return local_.NextAckId(); }

void RedisAdapter::Reply(const std::string& to, const std::string& id, MsgWriter& fields,
                         uint32_t field_count) {
  bus_.Publish(HubDirectChannel(to), EncodeAnswer(id, bus_.uid(), fields, field_count), "response");
}

void RedisAdapter::ReplyConfirmed(const std::string& to, const std::string& id, MsgWriter& fields,
                                  uint32_t field_count, std::function<void(bool)> done) {
  bus_.PublishConfirmed(HubDirectChannel(to), EncodeAnswer(id, bus_.uid(), fields, field_count), "response",
                        std::move(done));
}

void RedisAdapter::PublishBroadcast(BroadcastMessage message, ClusterBus::OnAnswer on_answer,
                                    std::function<void()> on_done) {
  std::vector<std::string> peers = bus_.membership().Peers();
  if (!peers.empty()) message.request_id = bus_.NextRequestId();
  const std::string id = message.request_id;
  auto encoded = EncodeBroadcast(message);
  if (!encoded.ok()) {
    // Args were validated as JSON already; this cannot happen in practice.
    bus_.metrics().Lost("encode");
    on_done();
    return;
  }
  const bool sent = bus_.Publish(BroadcastChannel(message.nsp, message.rooms), *encoded, "broadcast");
  if (!sent || peers.empty()) {
    on_done();
    return;
  }
  bus_.Await(id, "broadcast", std::move(peers), bus_.options().request_timeout, std::move(on_answer),
             std::move(on_done));
}

void RedisAdapter::EmitTo(std::vector<std::string> socket_ids, core::SharedEmit emit,
                          std::function<void(core::EmitToResult)> done) {
  local_.EmitTo(std::move(socket_ids), emit, [this, emit, done = std::move(done)](core::EmitToResult local) mutable {
    if (local.missing.empty()) {
      done(std::move(local));
      return;
    }
    bus_.Post([this, emit, local = std::move(local), done = std::move(done)]() mutable {
      core::Selection targets;
      targets.socket_ids = local.missing;
      BroadcastMessage message = ToMessage(bus_.uid(), targets, *emit);
      message.to_ids = true;
      auto result = std::make_shared<core::EmitToResult>(std::move(local));
      PublishBroadcast(
          std::move(message),
          [result](const std::string&, const MsgValue* answer) {
            if (answer == nullptr) return true;
            result->recipients += static_cast<uint64_t>(answer->IntOr("n"));
            // Missing everywhere = missing here and on every replica.
            const std::vector<std::string> there = answer->Strings("missing");
            const std::set<std::string> missing_there(there.begin(), there.end());
            auto& missing = result->missing;
            missing.erase(std::remove_if(missing.begin(), missing.end(),
                                         [&](const std::string& id) { return missing_there.count(id) == 0; }),
                          missing.end());
            return true;
          },
          [result, done = std::move(done)]() mutable { done(std::move(*result)); });
    });
  });
}

void RedisAdapter::Broadcast(core::Selection selection, core::SharedEmit emit, bool is_volatile,
                             std::function<void(uint64_t)> done) {
  auto gather = core::Gather<uint64_t>::Create(2, [done = std::move(done)](std::vector<uint64_t>& counts) {
    done(counts[0] + counts[1]);
  });
  BroadcastMessage message = ToMessage(bus_.uid(), selection, *emit);
  message.is_volatile = is_volatile;
  local_.Broadcast(std::move(selection), emit, is_volatile, [gather](uint64_t n) { gather->Complete(0, n); });
  bus_.Post([this, gather, message = std::move(message)]() mutable {
    auto total = std::make_shared<uint64_t>(0);
    PublishBroadcast(
        std::move(message),
        [total](const std::string&, const MsgValue* answer) {
          if (answer != nullptr) *total += static_cast<uint64_t>(answer->IntOr("n"));
          return true;
        },
        [gather, total] { gather->Complete(1, *total); });
  });
}

void RedisAdapter::EmitWithAck(core::Selection selection, core::SharedEmit emit,
                               std::chrono::milliseconds timeout,
                               std::function<void(std::vector<core::AckReply>)> done) {
  using Replies = std::vector<core::AckReply>;
  auto gather = core::Gather<Replies>::Create(2, [done = std::move(done)](std::vector<Replies>& parts) {
    Replies all = std::move(parts[0]);
    for (auto& reply : parts[1]) all.push_back(std::move(reply));
    done(std::move(all));
  });
  core::Selection remote_selection = selection;
  local_.EmitWithAck(std::move(selection), emit, timeout,
                     [gather](Replies replies) { gather->Complete(0, std::move(replies)); });
  bus_.Post([this, gather, emit, timeout, selection = std::move(remote_selection)] {
    std::vector<std::string> peers = bus_.membership().Peers();
    if (peers.empty()) {
      gather->Complete(1, {});
      return;
    }
    const std::string id = bus_.NextRequestId();
    MsgWriter w;
    BeginMessage(w, 6, "ack_emit", id, bus_.uid());
    w.Str("sel");
    WriteSelection(w, selection);
    w.Str("event").Str(emit->event);
    w.Str("args").StrArray(emit->args);
    w.Str("att").BinArray(emit->attachments);
    // Peers ask their sockets with ack ids of their own; this one is for
    // replicas of older versions, which used the requester's.
    w.Str("ack").Uint(emit->ack_id.value_or(0));
    w.Str("timeout").Uint(static_cast<uint64_t>(timeout.count()));
    if (!bus_.Publish(HubRequestChannel(), w.out(), "request")) {
      gather->Complete(1, {});
      return;
    }
    struct State {
      std::map<std::string, std::vector<std::string>> announced;  // replica -> awaited socket ids
      Replies replies;
    };
    auto state = std::make_shared<State>();
    bus_.Await(
        id, "ack_emit", std::move(peers), timeout + bus_.options().request_timeout,
        [this, state](const std::string& from, const MsgValue* answer) {
          if (answer == nullptr) {
            // Gone (or silent past the grace): what it owed settles here.
            const auto outcome = bus_.membership().IsAlive(from) ? core::AckOutcome::kTimeout
                                                                 : core::AckOutcome::kDisconnected;
            for (const auto& sid : state->announced[from]) {
              state->replies.push_back(core::AckReply{sid, outcome, std::chrono::steady_clock::now(), {}, {}});
            }
            return true;
          }
          if (answer->StrOr("phase") == "ids") {
            state->announced[from] = answer->Strings("ids");
            return false;
          }
          for (auto& reply : ReadAckReplies(answer->Find("replies"))) state->replies.push_back(std::move(reply));
          return true;
        },
        [gather, state] { gather->Complete(1, std::move(state->replies)); });
  });
}

void RedisAdapter::AnswerClientAck(std::string nsp, std::string socket_id, uint64_t ack_id,
                                   std::vector<std::string> args, std::vector<std::string> attachments,
                                   std::function<void(absl::Status)> done) {
  // The socket is most often here (the subscriber that answers usually sits
  // on the replica whose client asked); ask the others only when it is not.
  auto retry = [this, nsp, socket_id, ack_id, args, attachments, done](absl::Status local) mutable {
    if (!absl::IsNotFound(local)) {
      done(local);
      return;
    }
    bus_.Post([this, nsp = std::move(nsp), socket_id = std::move(socket_id), ack_id, args = std::move(args),
               attachments = std::move(attachments), local, done = std::move(done)]() mutable {
      std::vector<std::string> peers = bus_.membership().Peers();
      const std::string id = bus_.NextRequestId();
      MsgWriter w;
      BeginMessage(w, 5, "answer_ack", id, bus_.uid());
      w.Str("nsp").Str(nsp).Str("sid").Str(socket_id).Str("ack").Uint(ack_id);
      w.Str("args").StrArray(args).Str("att").BinArray(attachments);
      if (peers.empty() || !bus_.Publish(HubRequestChannel(), w.out(), "request")) {
        done(local);
        return;
      }
      auto best = std::make_shared<absl::Status>(local);
      bus_.Await(
          id, "answer_ack", std::move(peers), bus_.options().request_timeout,
          [best](const std::string&, const MsgValue* answer) {
            if (answer == nullptr) return true;
            const auto code = static_cast<absl::StatusCode>(answer->IntOr("code"));
            // Any success wins; then a precondition failure; else not found.
            if (code == absl::StatusCode::kOk) {
              *best = absl::OkStatus();
            } else if (!best->ok() && code != absl::StatusCode::kNotFound) {
              *best = absl::Status(code, answer->StrOr("msg"));
            }
            return true;
          },
          [best, done = std::move(done)] { done(*best); });
    });
  };
  local_.AnswerClientAck(nsp, socket_id, ack_id, args, attachments, std::move(retry));
}

void RedisAdapter::UpdateRooms(core::Selection selection, std::vector<std::string> rooms, bool join,
                               std::function<void(uint64_t)> done) {
  auto gather = core::Gather<uint64_t>::Create(2, [done = std::move(done)](std::vector<uint64_t>& counts) {
    done(counts[0] + counts[1]);
  });
  AdapterRequest request;
  request.type = join ? RequestType::kRemoteJoin : RequestType::kRemoteLeave;
  request.uid = bus_.uid();
  request.from_hub = true;
  request.rooms = Concat(selection.rooms, selection.socket_ids);
  request.except = Concat(selection.except_rooms, selection.except_socket_ids);
  request.names = rooms;
  const std::string nsp = selection.nsp;
  local_.UpdateRooms(std::move(selection), std::move(rooms), join, [gather](uint64_t n) { gather->Complete(0, n); });
  RequestCountFromPeers(nsp, std::move(request), "rooms", gather);
}

void RedisAdapter::RequestCountFromPeers(const std::string& nsp, AdapterRequest request, const char* kind,
                                         std::shared_ptr<core::Gather<uint64_t>> gather) {
  bus_.Post([this, gather, nsp, kind, request = std::move(request)]() mutable {
    std::vector<std::string> peers = bus_.membership().Peers();
    if (!peers.empty()) request.request_id = bus_.NextRequestId();
    const std::string id = request.request_id;
    const bool sent = bus_.Publish(RequestChannel(nsp), EncodeRoomsRequest(request), "request");
    if (!sent || peers.empty()) {
      gather->Complete(1, 0);
      return;
    }
    auto total = std::make_shared<uint64_t>(0);
    bus_.Await(
        id, kind, std::move(peers), bus_.options().request_timeout,
        [total](const std::string&, const MsgValue* answer) {
          if (answer != nullptr) *total += static_cast<uint64_t>(answer->IntOr("n"));
          return true;
        },
        [gather, total] { gather->Complete(1, *total); });
  });
}

void RedisAdapter::Disconnect(core::Selection selection, bool close_connection,
                              std::function<void(uint64_t)> done) {
  auto gather = core::Gather<uint64_t>::Create(2, [done = std::move(done)](std::vector<uint64_t>& counts) {
    done(counts[0] + counts[1]);
  });
  AdapterRequest request;
  request.type = RequestType::kRemoteDisconnect;
  request.uid = bus_.uid();
  request.from_hub = true;
  request.rooms = Concat(selection.rooms, selection.socket_ids);
  request.except = Concat(selection.except_rooms, selection.except_socket_ids);
  request.close = close_connection;
  const std::string nsp = selection.nsp;
  local_.Disconnect(std::move(selection), close_connection, [gather](uint64_t n) { gather->Complete(0, n); });
  RequestCountFromPeers(nsp, std::move(request), "disconnect", gather);
}

void RedisAdapter::ListSockets(core::Selection selection, size_t page_size, std::string page_token,
                               std::function<void(absl::StatusOr<core::SocketPage>)> done) {
  bus_.Post([this, selection = std::move(selection), page_size, page_token = std::move(page_token),
             done = std::move(done)]() mutable {
    auto state = std::make_shared<ListState>();
    state->selection = std::move(selection);
    state->page_size = page_size;
    state->replicas = bus_.membership().Replicas();
    state->done = std::move(done);
    size_t index = 0;
    std::string local_token;
    if (!page_token.empty()) {
      const size_t tilde = page_token.find('~');
      if (tilde == std::string::npos) {
        state->done(absl::InvalidArgumentError("page_token is not one this hub issued"));
        return;
      }
      const std::string uid = page_token.substr(0, tilde);
      auto at = std::lower_bound(state->replicas.begin(), state->replicas.end(), uid);
      index = static_cast<size_t>(at - state->replicas.begin());
      // A replica that died since the last page is skipped, not an error.
      if (at != state->replicas.end() && *at == uid) local_token = page_token.substr(tilde + 1);
    }
    ListNext(state, index, std::move(local_token));
  });
}

void RedisAdapter::ListNext(std::shared_ptr<ListState> state, size_t index, std::string local_token) {
  if (index >= state->replicas.size()) {
    state->done(std::move(state->page));
    return;
  }
  const std::string& uid = state->replicas[index];
  const size_t want = state->page_size - state->page.sockets.size();
  if (uid == bus_.uid()) {
    local_.ListSockets(state->selection, want, std::move(local_token),
                       [this, state, index](absl::StatusOr<core::SocketPage> page) {
                         bus_.Post([this, state, index, page = std::move(page)]() mutable {
                           if (!page.ok()) {
                             state->done(page.status());
                             return;
                           }
                           ListAppend(state, index, std::move(page->sockets), page->next_page_token);
                         });
                       });
    return;
  }
  const std::string id = bus_.NextRequestId();
  MsgWriter w;
  BeginMessage(w, 3, "list", id, bus_.uid());
  w.Str("sel");
  WriteSelection(w, state->selection);
  w.Str("size").Uint(want).Str("token").Str(local_token);
  if (!bus_.Publish(HubDirectChannel(uid), w.out(), "request")) {
    ListNext(state, index + 1, "");
    return;
  }
  struct Answer {
    std::vector<core::SocketSummary> sockets;
    std::string next;
  };
  auto answer_box = std::make_shared<Answer>();
  bus_.Await(
      id, "list", {uid}, bus_.options().request_timeout,
      [answer_box](const std::string&, const MsgValue* answer) {
        if (answer != nullptr) {
          answer_box->sockets = ReadSockets(answer->Find("sockets"));
          answer_box->next = answer->StrOr("next");
        }
        return true;
      },
      [this, state, index, answer_box] { ListAppend(state, index, std::move(answer_box->sockets), answer_box->next); });
}

void RedisAdapter::ListAppend(std::shared_ptr<ListState> state, size_t index,
                              std::vector<core::SocketSummary> sockets, const std::string& next_local_token) {
  for (auto& socket : sockets) {
    if (state->page.sockets.size() == state->page_size) break;
    state->page.sockets.push_back(std::move(socket));
  }
  if (state->page.sockets.size() < state->page_size) {
    ListNext(state, index + 1, "");
    return;
  }
  if (!next_local_token.empty()) {
    state->page.next_page_token = absl::StrCat(state->replicas[index], "~", next_local_token);
  } else if (index + 1 < state->replicas.size()) {
    state->page.next_page_token = absl::StrCat(state->replicas[index + 1], "~");
  }
  state->done(std::move(state->page));
}

void RedisAdapter::OnMessage(const std::string& channel, std::string_view payload) {
  if (channel.rfind(std::string(kKeyPrefix) + "#", 0) == 0) {
    OnBroadcast(payload);
  } else if (channel.rfind(std::string(kKeyPrefix) + "-request#", 0) == 0) {
    responder_.OnRequest(channel, payload);
  } else if (channel == HubRequestChannel() || channel == HubDirectChannel(bus_.uid())) {
    OnHubRequest(payload);
  }
}

void RedisAdapter::OnBroadcast(std::string_view payload) {
  auto message = DecodeBroadcast(payload);
  if (!message.ok()) {
    bus_.metrics().Lost("malformed");
    HUB_LOG_DEBUG("event=cluster_bad_broadcast error={}", LogValue(message.status().message()));
    return;
  }
  if (message->uid == bus_.uid()) return;
  bus_.metrics().MessageIn("broadcast");
  auto emit = core::MakeEmit(message->nsp, message->event, message->args, message->attachments);
  if (!emit.ok()) {
    HUB_LOG_DEBUG("event=cluster_bad_broadcast error={}", LogValue(emit.status().message()));
    return;
  }
  const std::string from = message->uid;
  const std::string id = message->request_id;
  if (message->to_ids) {
    local_.EmitTo(message->rooms, *emit, [this, from, id](core::EmitToResult result) {
      if (id.empty()) return;
      bus_.Post([this, from, id, result = std::move(result)] {
        MsgWriter fields;
        fields.Str("n").Uint(result.recipients).Str("missing").StrArray(result.missing);
        Reply(from, id, fields, 2);
      });
    });
    return;
  }
  core::Selection selection;
  selection.nsp = (*emit)->nsp;
  selection.rooms = std::move(message->rooms);
  selection.except_rooms = std::move(message->except);
  local_.Broadcast(std::move(selection), *emit, message->is_volatile, [this, from, id](uint64_t n) {
    if (id.empty()) return;
    bus_.Post([this, from, id, n] {
      MsgWriter fields;
      fields.Str("n").Uint(n);
      Reply(from, id, fields, 1);
    });
  });
}

void RedisAdapter::OnHubRequest(std::string_view payload) {
  auto decoded = DecodeMsgpack(payload);
  if (!decoded.ok() || !decoded->is_map()) return;
  const MsgValue& request = *decoded;
  const std::string type = request.StrOr("t");
  const std::string from = request.StrOr("from");
  const std::string id = request.StrOr("id");
  if (from == bus_.uid() || id.empty()) return;
  bus_.metrics().MessageIn("request");
  const MsgValue* sel = request.Find("sel");

  if (type == "ack_emit" && sel != nullptr) {
    core::Selection selection = ReadSelection(*sel);
    // An ack id from this replica's own counter, not the requester's: the
    // ids in this replica's ack table then never collide, whoever asked.
    auto emit = core::MakeEmit(selection.nsp, request.StrOr("event"), request.Strings("args"),
                               request.Strings("att"), local_.NextAckId());
    if (!emit.ok()) {
      MsgWriter fields;
      fields.Str("phase").Str("acks").Str("replies").Array(0);
      Reply(from, id, fields, 2);
      return;
    }
    const auto timeout = std::chrono::milliseconds(request.IntOr("timeout", 30000));
    // First the ids of the sockets to ask, and only once Redis has passed
    // them on to the requester (which settles them as DISCONNECTED if this
    // replica dies) are they asked; then their answers. Unannounced, they
    // are not asked: the requester could not account for them.
    local_.EmitWithAck(
        std::move(selection), *emit, timeout,
        [this, from, id](std::vector<std::string> ids, std::function<void()> send) {
          bus_.Post([this, from, id, ids = std::move(ids), send = std::move(send)] {
            MsgWriter fields;
            fields.Str("phase").Str("ids").Str("ids").StrArray(ids);
            ReplyConfirmed(from, id, fields, 2, [send](bool announced) {
              if (announced) send();
            });
          });
        },
        [this, from, id](std::vector<core::AckReply> replies) {
          bus_.Post([this, from, id, replies = std::move(replies)] {
            MsgWriter fields;
            fields.Str("phase").Str("acks").Str("replies");
            WriteAckReplies(fields, replies);
            Reply(from, id, fields, 2);
          });
        });
  } else if (type == "answer_ack") {
    local_.AnswerClientAck(request.StrOr("nsp", "/"), request.StrOr("sid"),
                           static_cast<uint64_t>(request.IntOr("ack")), request.Strings("args"),
                           request.Strings("att"), [this, from, id](absl::Status status) {
                             bus_.Post([this, from, id, status] {
                               MsgWriter fields;
                               fields.Str("code").Int(static_cast<int>(status.code()));
                               fields.Str("msg").Str(std::string(status.message()));
                               Reply(from, id, fields, 2);
                             });
                           });
  } else if (type == "list" && sel != nullptr) {
    const size_t size = static_cast<size_t>(std::clamp<int64_t>(request.IntOr("size", 100), 1, 1000));
    local_.ListSockets(ReadSelection(*sel), size, request.StrOr("token"),
                       [this, from, id](absl::StatusOr<core::SocketPage> page) {
                         bus_.Post([this, from, id, page = std::move(page)] {
                           MsgWriter fields;
                           fields.Str("sockets");
                           WriteSockets(fields, page.ok() ? page->sockets : std::vector<core::SocketSummary>{});
                           fields.Str("next").Str(page.ok() ? page->next_page_token : std::string());
                           Reply(from, id, fields, 2);
                         });
                       });
  }
}

}  // namespace hub::cluster
