// Fuzzes the inbound long-polling path end to end, as a client drives it: POST
// bodies (Engine.IO packets split on 0x1E, binary ones as 'b' + base64) go
// through a real Session and PollingTransport into a Socket.IO Client, which
// joins namespaces, reassembles binary packets from their attachments and
// reports events and acks. The packet fuzzers only see one decoder at a time;
// the state kept between packets (a binary packet waiting for attachments, a
// held GET, a close in the middle of a payload) is only reached here.
//
// Input: the first byte picks queue limits, the rest is split on '\n' into
// POST bodies. After each POST the pending GET collects whatever the server
// queued. A fake backend echoes events named "echo" (and answers acks) after
// the POST returns, as a real one would, with the client's own args and
// attachments. Properties: every GET answer is a payload the hub's decoder
// reads back, every Socket.IO packet in it decodes, binary packets are
// followed by exactly their attachments; the sanitizers watch for leaks and
// use-after-free when the session ends.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "hub/base/deadline_queue.h"
#include "hub/base/random_id.h"
#include "hub/engineio/packet.h"
#include "hub/engineio/polling_transport.h"
#include "hub/engineio/session.h"
#include "hub/socketio/client.h"
#include "hub/socketio/json.h"
#include "hub/socketio/outbound.h"
#include "hub/socketio/packet.h"

namespace {
using namespace hub;
using namespace std::chrono_literals;

struct FakeRequest : engineio::PollResponder {
  std::optional<std::string> payload;
  bool answered = false;
  bool checked = false;  // by the AnswerChecker
  void SendPayload(std::string body) override {
    if (answered) std::abort();  // exactly one answer per request
    answered = true;
    payload = std::move(body);
  }
  void SendOk() override {
    if (answered) std::abort();
    answered = true;
  }
  void SendError(engineio::EngineError, bool) override {
    if (answered) std::abort();
    answered = true;
  }
};

// What a backend would do, later: echo "echo" events, answer acks.
struct Reply {
  std::string socket_id;
  socketio::EncodedPacket packet;
};

class FakeBackend : public socketio::SocketListener {
 public:
  void OnConnect(socketio::Socket& socket, const engineio::HandshakeInfo&) override {
    if (!sockets_.emplace(socket.id(), &socket).second) std::abort();
  }
  bool OnEvent(socketio::Socket& socket, socketio::ClientEventData& event) override {
    if (socketio::IsReservedEventName(event.name) || event.args.size() > 64) std::abort();
    std::vector<std::string> args;
    for (std::string_view arg : event.args) {
      if (!socketio::ValidateJson(arg).ok()) std::abort();
      args.emplace_back(arg);
    }
    if (event.name == "echo") {
      auto packet = socketio::EncodeServerEvent(socket.nsp(), event.name, args, event.attachments);
      if (packet.ok()) replies_.push_back({socket.id(), *std::move(packet)});
    }
    if (event.ack_id) {
      auto packet = socketio::EncodeServerAck(socket.nsp(), *event.ack_id, args, event.attachments);
      if (packet.ok()) replies_.push_back({socket.id(), *std::move(packet)});
    }
    return true;
  }
  void OnAck(socketio::Socket&, uint64_t, std::vector<std::string_view> args,
             std::vector<std::string>) override {
    for (std::string_view arg : args) {
      if (!socketio::ValidateJson(arg).ok()) std::abort();
    }
  }
  void OnDisconnect(socketio::Socket& socket, DisconnectReason) override {
    if (sockets_.erase(socket.id()) != 1) std::abort();
  }

  // Sends the queued replies to the sockets still connected.
  void Flush() {
    auto replies = std::move(replies_);
    replies_.clear();
    for (const Reply& reply : replies) {
      auto it = sockets_.find(reply.socket_id);
      if (it != sockets_.end()) it->second->Send(reply.packet);
    }
  }
  bool empty() const { return sockets_.empty(); }

 private:
  std::map<std::string, socketio::Socket*> sockets_;
  std::vector<Reply> replies_;
};

// Checks the server's answers, keeping track of attachments still due.
class AnswerChecker {
 public:
  void Check(std::string_view body) {
    auto packets = engineio::DecodePayload(body, SIZE_MAX);
    if (!packets.ok()) std::abort();
    for (const engineio::Packet& packet : *packets) {
      if (packet.binary) {
        if (attachments_due_ == 0) std::abort();
        --attachments_due_;
        continue;
      }
      if (attachments_due_ != 0) std::abort();
      if (packet.type != engineio::PacketType::kMessage) continue;
      socketio::DecodeLimits limits;
      limits.max_attachments = SIZE_MAX;
      auto decoded = socketio::DecodePacket(packet.data, limits);
      if (!decoded.ok()) std::abort();
      attachments_due_ = decoded->attachments;
    }
  }

 private:
  size_t attachments_due_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t knobs = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  static metrics::ShardStats stats;
  static RandomIdGenerator ids(0);
  boost::asio::io_context io;

  engineio::SessionOptions session_options;
  session_options.ping_interval = 1h;  // no heartbeat: the input decides everything
  if (knobs & 0x80) session_options.max_outbound_frames = 3 + (knobs & 7);
  session_options.disconnect_on_overflow = (knobs & 0x40) != 0;
  engineio::SessionTimers timers(io.get_executor(), session_options);

  socketio::ClientOptions client_options;
  client_options.max_auth_bytes = 64;
  client_options.max_client_acks = 4;
  if (knobs & 0x20) client_options.namespaces = {"/", "/chat", "/org-*"};
  DeadlineQueue connect_deadlines(io.get_executor(), client_options.connect_timeout);
  FakeBackend backend;
  socketio::ClientContext context{client_options, backend, ids, connect_deadlines};

  engineio::PollingOptions polling;
  polling.max_packets_per_payload = 16;
  polling.close_linger = 0ms;
  polling.peer_close_grace = 0ms;
  std::atomic<int64_t> open_sockets{0};
  bool done = false;
  {
    auto session = std::make_shared<engineio::Session>(timers, ids.Next(), session_options, stats);
    auto transport = std::make_shared<engineio::PollingTransport>(io.get_executor(), polling,
                                                                  open_sockets, [&done] { done = true; });
    transport->Bind(session);
    session->Start(transport, std::make_unique<socketio::Client>(*session, engineio::HandshakeInfo(),
                                                                 context));
    AnswerChecker checker;
    std::shared_ptr<FakeRequest> get;
    // Keeps one GET pending, as a client does: a new one once the last was
    // answered (at most a few in a row, an answered GET means the queue
    // emptied).
    const auto poll = [&] {
      for (int i = 0; i < 4; ++i) {
        if (get && !get->answered) return;
        if (get && get->payload && !get->checked) checker.Check(*get->payload);
        if (get) get->checked = true;
        if (done) return;
        get = std::make_shared<FakeRequest>();
        transport->OnGet(get);
      }
    };
    poll();  // the handshake: OPEN
    while (!done) {
      const size_t end = std::min(rest.find('\n'), rest.size());
      auto post = std::make_shared<FakeRequest>();
      transport->OnPost(post, rest.substr(0, end));
      if (!post->answered) std::abort();
      backend.Flush();
      poll();
      if (end == rest.size()) break;
      rest.remove_prefix(end + 1);
    }
    if (!session->closed()) session->Close(DisconnectReason::kServerShuttingDown, /*flush=*/false);
    poll();
    // The linger timers are due at once.
    for (int i = 0; i < 4 && io.poll() > 0;) ++i;
    poll();
    if (!backend.empty()) std::abort();  // every socket was told it left
  }
  return 0;
}
