#include "hub/socketio/client.h"

#include <fnmatch.h>

#include "absl/strings/str_cat.h"
#include "hub/base/log.h"
#include "hub/socketio/json.h"

namespace hub::socketio {
namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ErrorJson(std::string_view message) {
  std::string out = "{\"message\":";
  AppendJsonString(out, message);
  out.push_back('}');
  return out;
}
}  // namespace

bool NamespaceAllowed(const std::vector<std::string>& allowed, std::string_view nsp) {
  if (allowed.empty()) return true;
  const std::string name(nsp);
  for (const auto& entry : allowed) {
    if (entry == nsp) return true;
    if (entry.find_first_of("*?[") != std::string::npos &&
        fnmatch(entry.c_str(), name.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

Client::Client(boost::asio::any_io_executor executor, engineio::Session& session,
               engineio::HandshakeInfo handshake, const ClientOptions& options,
               SocketListener& listener, RandomIdGenerator& ids)
    : session_(session),
      handshake_(std::move(handshake)),
      options_(options),
      listener_(listener),
      ids_(ids),
      connect_timer_(executor) {
  ArmConnectTimeout();
}

Client::~Client() { *alive_ = false; }

void Client::ArmConnectTimeout() {
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                                const boost::system::error_code& ec) {
    auto token = alive.lock();
    if (ec || !token || !*token) return;
    // A connection that never joined a namespace is useless: free it.
    if (!ever_connected_ && sockets_.empty()) session_.Close(DisconnectReason::kForcedClose, false);
  });
}

void Client::OnMessage(std::string_view data, bool binary) {
  if (binary) {
    if (!partial_) {
      Fail();  // an attachment nobody announced
      return;
    }
    partial_attachments_.emplace_back(data);
    if (partial_attachments_.size() == partial_->attachments) {
      Packet packet = std::move(*partial_);
      partial_.reset();
      OnPacket(packet, std::move(partial_attachments_));
      partial_attachments_.clear();
    }
    return;
  }
  if (partial_) {
    Fail();  // a text packet while attachments were still due
    return;
  }
  auto packet = DecodePacket(data, options_.limits);
  if (!packet.ok()) {
    if (TryRefuseMalformedConnect(data)) return;
    HUB_LOG_DEBUG("event=bad_packet sid={} error={}", session_.sid(), LogValue(packet.status().message()));
    Fail();
    return;
  }
  if (IsBinaryType(packet->type) && packet->attachments > 0) {
    partial_ = std::move(*packet);
    partial_attachments_.clear();
    return;
  }
  OnPacket(*packet, {});
}

void Client::OnPacket(Packet& packet, std::vector<std::string> attachments) {
  if (packet.type == PacketType::kConnect) {
    Connect(packet);
    return;
  }
  auto it = sockets_.find(packet.nsp);
  if (it == sockets_.end()) {
    // A DISCONNECT or ACK may cross a server-side disconnect on the wire;
    // anything else for a namespace the client has not joined is broken.
    if (packet.type == PacketType::kDisconnect || packet.type == PacketType::kAck ||
        packet.type == PacketType::kBinaryAck) {
      return;
    }
    Fail();
    return;
  }
  Socket& socket = *it->second;
  switch (packet.type) {
    case PacketType::kDisconnect:
      RemoveSocket(packet.nsp, DisconnectReason::kClientNamespaceDisconnect);
      return;
    case PacketType::kEvent:
    case PacketType::kBinaryEvent: {
      auto event = ParseEvent(packet.data);
      if (!event.ok() || IsReservedEventName(event->name) ||
          event->name.size() > options_.max_event_name_bytes ||
          event->args.size() > options_.max_event_args) {
        Fail();
        return;
      }
      ClientEventData data{std::move(event->name), std::move(event->args), std::move(attachments),
                           packet.id};
      const bool answerable = listener_.OnEvent(socket, data);
      if (packet.id && answerable) socket.RememberClientAck(*packet.id, options_.max_client_acks);
      return;
    }
    case PacketType::kAck:
    case PacketType::kBinaryAck: {
      if (!packet.id) {
        Fail();
        return;
      }
      auto args = SplitJsonArray(packet.data);
      if (!args.ok()) {
        Fail();
        return;
      }
      listener_.OnAck(socket, *packet.id, *std::move(args), std::move(attachments));
      return;
    }
    case PacketType::kConnect:
    case PacketType::kConnectError:
      Fail();  // CONNECT_ERROR only flows server → client
      return;
  }
}

bool Client::TryRefuseMalformedConnect(std::string_view text) {
  // A CONNECT whose auth is not a JSON object gets CONNECT_ERROR (the client
  // can report it) rather than a dropped connection. Anything else that does
  // not decode is a broken client.
  if (text.size() < 2 || text[0] != '0') return false;
  std::string_view rest = text.substr(1);
  std::string nsp = "/";
  if (rest.front() == '/') {
    const size_t comma = rest.find(',');
    if (comma == std::string_view::npos) return false;
    nsp = std::string(rest.substr(0, comma));
    rest.remove_prefix(comma + 1);
  }
  if (nsp.size() > options_.limits.max_nsp_bytes) return false;
  for (unsigned char c : nsp) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  if (rest.empty()) return false;
  RefuseConnect(nsp, "auth must be a JSON object");
  return true;
}

void Client::Connect(const Packet& packet) {
  if (!NamespaceAllowed(options_.namespaces, packet.nsp)) {
    RefuseConnect(packet.nsp, "Invalid namespace");
    return;
  }
  if (packet.data.size() > options_.max_auth_bytes) {
    RefuseConnect(packet.nsp, "auth payload too large");
    return;
  }
  auto it = sockets_.find(packet.nsp);
  if (it != sockets_.end()) {
    // A repeated CONNECT for a joined namespace: confirm the same socket.
    SendText(Packet{PacketType::kConnect, packet.nsp, std::nullopt, 0,
                    absl::StrCat("{\"sid\":\"", it->second->id(), "\"}")});
    return;
  }
  auto socket = std::make_unique<Socket>(ids_.Next(), packet.nsp, *this,
                                         packet.data.empty() ? "{}" : packet.data, NowMs());
  it = sockets_.emplace(packet.nsp, std::move(socket)).first;
  ever_connected_ = true;
  connect_timer_.cancel();
  SendText(Packet{PacketType::kConnect, packet.nsp, std::nullopt, 0,
                  absl::StrCat("{\"sid\":\"", it->second->id(), "\"}")});
  listener_.OnConnect(*it->second, handshake_);
}

void Client::RefuseConnect(std::string_view nsp, std::string_view message) {
  SendText(Packet{PacketType::kConnectError, std::string(nsp), std::nullopt, 0, ErrorJson(message)});
}

void Client::RemoveSocket(const std::string& nsp, DisconnectReason reason) {
  auto it = sockets_.find(nsp);
  if (it == sockets_.end()) return;
  std::unique_ptr<Socket> socket = std::move(it->second);
  sockets_.erase(it);
  listener_.OnDisconnect(*socket, reason);
}

void Client::DisconnectFromServer(const std::string& nsp) {
  if (sockets_.count(nsp) == 0) return;
  SendText(Packet{PacketType::kDisconnect, nsp, std::nullopt, 0, ""});
  RemoveSocket(nsp, DisconnectReason::kServerNamespaceDisconnect);
}

void Client::CloseFromServer() {
  std::vector<std::string> namespaces;
  for (const auto& [nsp, socket] : sockets_) namespaces.push_back(nsp);
  for (const auto& nsp : namespaces) DisconnectFromServer(nsp);
  session_.Close(DisconnectReason::kForcedServerClose, /*flush=*/true);
}

void Client::OnClose(DisconnectReason reason) {
  connect_timer_.cancel();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [nsp, socket] : sockets) listener_.OnDisconnect(*socket, reason);
}

void Client::Fail() { session_.Close(DisconnectReason::kParseError, /*flush=*/false); }

void Client::SendText(const Packet& packet) {
  session_.Send(engineio::WireFrame::Text(engineio::PacketType::kMessage, EncodePacket(packet)));
}

}  // namespace hub::socketio
