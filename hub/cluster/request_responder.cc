#include "hub/cluster/request_responder.h"

#include "hub/base/log.h"
#include "hub/base/strings.h"
#include "hub/cluster/adapter_responses.h"
#include "hub/cluster/hub_wire.h"

namespace hub::cluster {
namespace {

// The namespace of a `socket.io-request#<nsp>#` channel.
std::string NamespaceOf(const std::string& channel) {
  const std::string prefix = std::string(kKeyPrefix) + "-request#";
  if (channel.size() <= prefix.size() + 1 || channel.back() != '#') return {};
  return channel.substr(prefix.size(), channel.size() - prefix.size() - 1);
}

core::Selection SelectionOf(const std::string& nsp, const AdapterRequest& request) {
  core::Selection selection;
  selection.nsp = nsp;
  selection.rooms = request.rooms;
  selection.except_rooms = request.except;
  return selection;
}

}  // namespace

RequestResponder::RequestResponder(core::HubCore& local, ClusterBus& bus, std::string path)
    : local_(local), bus_(bus), path_(std::move(path)) {}

void RequestResponder::Respond(const std::string& nsp, std::string response) {
  bus_.Post([this, channel = ResponseChannel(nsp), response = std::move(response)] {
    bus_.Publish(channel, response, "response");
  });
}

void RequestResponder::OnRequest(const std::string& channel, std::string_view payload) {
  auto request = DecodeAdapterRequest(payload);
  const std::string nsp = NamespaceOf(channel);
  if (!request.ok() || nsp.empty()) {
    bus_.metrics().Lost("malformed");
    HUB_LOG_DEBUG("event=cluster_bad_request channel={} error={}", LogValue(channel),
                  LogValue(request.ok() ? std::string_view("bad channel") : ToStd(request.status().message())));
    return;
  }
  if (request->uid == bus_.uid()) return;
  bus_.metrics().MessageIn("request");
  // Whether the sender counted this replica among those it waits for.
  const bool counted = bus_.Answers(channel) && !request->request_id.empty();
  const std::string& id = request->request_id;
  switch (request->type) {
    case RequestType::kRemoteJoin:
    case RequestType::kRemoteLeave:
    case RequestType::kRemoteDisconnect:
      ChangeSockets(nsp, *request);
      return;
    case RequestType::kSockets:
      if (!counted) return;
      {
        core::Selection selection;
        selection.nsp = nsp;
        selection.rooms = request->names;
        local_.SocketIds(std::move(selection), [this, nsp, id](std::vector<std::string> ids) {
          Respond(nsp, EncodeSocketIdsResponse(id, ids));
        });
      }
      return;
    case RequestType::kAllRooms:
      if (!counted) return;
      local_.ListRooms(nsp, [this, nsp, id](std::vector<std::string> rooms) {
        Respond(nsp, EncodeAllRoomsResponse(id, rooms));
      });
      return;
    case RequestType::kRemoteFetch:
      if (counted) FetchSockets(nsp, *request);
      return;
    case RequestType::kServerSideEmit:
      // Nothing here listens to server-side events; an ack is owed all the same.
      if (counted) Respond(nsp, EncodeServerSideEmitResponse(id));
      return;
    case RequestType::kBroadcast:
      if (counted) BroadcastWithAck(nsp, *request);
      return;
    default:
      return;
  }
}

void RequestResponder::ChangeSockets(const std::string& nsp, const AdapterRequest& request) {
  core::Selection selection = SelectionOf(nsp, request);
  std::vector<std::string> names = request.names;
  const bool single = !request.sid.empty();
  if (single) {
    // The older form: one socket, one room.
    selection = core::Selection{};
    selection.nsp = nsp;
    selection.socket_ids = {request.sid};
    if (!request.room.empty()) names = {request.room};
  }
  // A hub requester waits for every replica's count; an older socket.io
  // server for a "done" from the replica that holds the socket.
  auto answer = [this, nsp, single, from = request.uid, id = request.request_id,
                 from_hub = request.from_hub](uint64_t n) {
    if (id.empty()) return;
    if (from_hub) {
      bus_.Post([this, from, id, n] {
        MsgWriter fields;
        fields.Str("n").Uint(n);
        bus_.Publish(HubDirectChannel(from), EncodeAnswer(id, bus_.uid(), fields, 1), "response");
      });
    } else if (single && n > 0) {
      Respond(nsp, EncodeDoneResponse(id));
    }
  };
  if (request.type == RequestType::kRemoteDisconnect) {
    local_.Disconnect(std::move(selection), request.close, answer);
  } else if (!names.empty()) {
    local_.UpdateRooms(std::move(selection), std::move(names), request.type == RequestType::kRemoteJoin, answer);
  } else {
    answer(0);
  }
}

void RequestResponder::FetchSockets(const std::string& nsp, const AdapterRequest& request) {
  local_.FetchSockets(SelectionOf(nsp, request),
                      [this, nsp, id = request.request_id](std::vector<core::SocketDetails> sockets) {
                        Respond(nsp, EncodeFetchResponse(id, sockets, path_));
                      });
}

void RequestResponder::BroadcastWithAck(const std::string& nsp, const AdapterRequest& request) {
  const std::string id = request.request_id;
  // Ack ids come from this replica's own counter, like its own emits', so
  // they never meet another request's in its ack table.
  auto emit = core::MakeEmit(nsp, request.event, request.args, request.attachments, local_.NextAckId());
  if (!emit.ok()) {
    // Not an event the hub can send (a reserved name, say): no client here
    // will answer, and the sender must hear so.
    HUB_LOG_DEBUG("event=cluster_bad_broadcast error={}", LogValue(emit.status().message()));
    Respond(nsp, EncodeClientCountResponse(id, 0));
    return;
  }
  local_.EmitWithAck(
      SelectionOf(nsp, request), *emit, request.timeout,
      [this, nsp, id](std::vector<std::string> ids, std::function<void()> send) {
        Respond(nsp, EncodeClientCountResponse(id, ids.size()));
        send();
      },
      [this, nsp, id](std::vector<core::AckReply> replies) {
        for (const auto& reply : replies) {
          if (reply.outcome != core::AckOutcome::kOk) continue;
          auto response = EncodeBroadcastAckResponse(id, reply);
          if (response.ok()) Respond(nsp, *std::move(response));
        }
      });
}

}  // namespace hub::cluster
