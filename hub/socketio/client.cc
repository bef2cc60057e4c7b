#include "hub/socketio/client.h"
#include "hub/base/strings.h"

#include <chrono>

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
}  // namespace

Client::Client(engineio::Session& session, engineio::HandshakeInfo handshake,
               const ClientOptions& options, SocketListener& listener, RandomIdGenerator& ids)
    : session_(session),
      handshake_(std::move(handshake)),
      options_(options),
      listener_(listener),
      ids_(ids) {}

Client::~Client() = default;

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
    // Packets for a namespace the client has not joined: like the reference
    // server, treat it as a broken client.
    Fail();
    return;
  }
  Socket& socket = *it->second;
  switch (packet.type) {
    case PacketType::kDisconnect:
      Disconnect(packet.nsp, DisconnectReason::kClientNamespaceDisconnect);
      return;
    case PacketType::kEvent:
    case PacketType::kBinaryEvent: {
      auto event = ParseEvent(packet.data);
      if (!event.ok() || IsReservedEventName(event->name)) {
        Fail();
        return;
      }
      ClientEventData data{std::move(event->name), std::move(event->args), std::move(attachments),
                           packet.id};
      listener_.OnEvent(socket, data);
      return;
    }
    case PacketType::kAck:
    case PacketType::kBinaryAck:
      // Answers to server-side acks arrive with EmitWithAck; nothing waits yet.
      return;
    case PacketType::kConnect:
    case PacketType::kConnectError:
      Fail();  // CONNECT_ERROR only flows server → client
      return;
  }
}

void Client::Connect(const Packet& packet) {
  if (!NamespaceAllowed(packet.nsp)) {
    Packet error{PacketType::kConnectError, packet.nsp, std::nullopt, 0,
                 "{\"message\":\"Invalid namespace\"}"};
    SendText(error);
    return;
  }
  auto it = sockets_.find(packet.nsp);
  if (it == sockets_.end()) {
    auto socket = std::make_unique<Socket>(ids_.Next(), packet.nsp, *this,
                                           packet.data.empty() ? "{}" : packet.data, NowMs());
    it = sockets_.emplace(packet.nsp, std::move(socket)).first;
    Packet reply{PacketType::kConnect, packet.nsp, std::nullopt, 0,
                 absl::StrCat("{\"sid\":\"", it->second->id(), "\"}")};
    SendText(reply);
    listener_.OnConnect(*it->second, handshake_);
    return;
  }
  // A repeated CONNECT for a joined namespace: confirm the same socket.
  Packet reply{PacketType::kConnect, packet.nsp, std::nullopt, 0,
               absl::StrCat("{\"sid\":\"", it->second->id(), "\"}")};
  SendText(reply);
}

void Client::Disconnect(const std::string& nsp, DisconnectReason reason) {
  auto it = sockets_.find(nsp);
  if (it == sockets_.end()) return;
  std::unique_ptr<Socket> socket = std::move(it->second);
  sockets_.erase(it);
  listener_.OnDisconnect(*socket, reason);
}

void Client::OnClose(DisconnectReason reason) {
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [nsp, socket] : sockets) listener_.OnDisconnect(*socket, reason);
}

void Client::Fail() { session_.Close(DisconnectReason::kParseError, /*flush=*/false); }

bool Client::NamespaceAllowed(std::string_view nsp) const {
  if (options_.namespaces.empty()) return true;
  for (const auto& allowed : options_.namespaces) {
    if (allowed == nsp) return true;
  }
  return false;
}

void Client::SendText(const Packet& packet) {
  session_.Send(engineio::WireFrame::Text(engineio::PacketType::kMessage, EncodePacket(packet)));
}

}  // namespace hub::socketio
