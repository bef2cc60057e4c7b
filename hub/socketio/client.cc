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

Client::Client(engineio::Session& session, engineio::HandshakeInfo handshake,
               ClientContext& context)
    : session_(session), handshake_(std::move(handshake)), context_(context) {
  context_.connect_deadlines.Arm(*this);
}

// Leaving the connect deadlines is automatic (the waiter's hook unlinks).
Client::~Client() = default;

void Client::OnDeadline() {
  if (!ever_connected_ && sockets_.empty()) session_.Close(DisconnectReason::kForcedClose, false);
}

void Client::OnMessage(std::string_view data, bool binary) {
  if (binary) {
    if (!partial_) {
      Fail();  // an attachment nobody announced
      return;
    }
    partial_->attachments.emplace_back(data);
    if (partial_->attachments.size() == partial_->packet.attachments) {
      std::unique_ptr<PartialPacket> complete = std::move(partial_);
      OnPacket(complete->packet, std::move(complete->attachments));
    }
    return;
  }
  if (partial_) {
    Fail();  // a text packet while attachments were still due
    return;
  }
  auto packet = DecodePacket(data, context_.options.limits);
  if (!packet.ok()) {
    if (TryRefuseMalformedConnect(data)) return;
    HUB_LOG_DEBUG("event=bad_packet sid={} error={}", session_.sid(), LogValue(packet.status().message()));
    Fail();
    return;
  }
  if (IsBinaryType(packet->type) && packet->attachments > 0) {
    partial_ = std::make_unique<PartialPacket>(PartialPacket{std::move(*packet), {}});
    return;
  }
  OnPacket(*packet, {});
}

void Client::OnPacket(Packet& packet, std::vector<std::string> attachments) {
  if (packet.type == PacketType::kConnect) {
    Connect(packet);
    return;
  }
  auto it = FindSocket(packet.nsp);
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
  Socket& socket = **it;
  switch (packet.type) {
    case PacketType::kDisconnect:
      RemoveSocket(packet.nsp, DisconnectReason::kClientNamespaceDisconnect);
      return;
    case PacketType::kEvent:
    case PacketType::kBinaryEvent: {
      auto event = ParseEvent(packet.data);
      if (!event.ok() || IsReservedEventName(event->name) ||
          event->name.size() > context_.options.max_event_name_bytes ||
          event->args.size() > context_.options.max_event_args) {
        Fail();
        return;
      }
      ClientEventData data{std::move(event->name), std::move(event->args), std::move(attachments),
                           packet.id};
      const bool answerable = context_.listener.OnEvent(socket, data);
      if (packet.id && answerable) {
        socket.RememberClientAck(*packet.id, context_.options.max_client_acks);
      }
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
      context_.listener.OnAck(socket, *packet.id, *std::move(args), std::move(attachments));
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
  // The namespace is named back in the refusal, a text packet: one that
  // DecodePacket would not take (too long, control characters, not UTF-8)
  // makes the whole packet malformed instead.
  if (!ValidateNamespace(nsp, context_.options.limits.max_nsp_bytes).ok()) return false;
  if (rest.empty()) return false;
  RefuseConnect(nsp, "auth must be a JSON object");
  return true;
}

void Client::Connect(const Packet& packet) {
  if (!NamespaceAllowed(context_.options.namespaces, packet.nsp)) {
    RefuseConnect(packet.nsp, "Invalid namespace");
    return;
  }
  if (packet.data.size() > context_.options.max_auth_bytes) {
    RefuseConnect(packet.nsp, "auth payload too large");
    return;
  }
  auto it = FindSocket(packet.nsp);
  if (it != sockets_.end()) {
    // A repeated CONNECT for a joined namespace: confirm the same socket.
    SendText(Packet{PacketType::kConnect, packet.nsp, std::nullopt, 0,
                    absl::StrCat("{\"sid\":\"", (*it)->id(), "\"}")});
    return;
  }
  sockets_.push_back(std::make_unique<Socket>(context_.ids.Next(), packet.nsp, *this,
                                              packet.data.empty() ? "{}" : packet.data, NowMs()));
  Socket& socket = *sockets_.back();
  ever_connected_ = true;
  DisarmDeadline();
  SendText(Packet{PacketType::kConnect, packet.nsp, std::nullopt, 0,
                  absl::StrCat("{\"sid\":\"", socket.id(), "\"}")});
  context_.listener.OnConnect(socket, handshake_);
}

void Client::RefuseConnect(std::string_view nsp, std::string_view message) {
  SendText(Packet{PacketType::kConnectError, std::string(nsp), std::nullopt, 0, ErrorJson(message)});
}

void Client::RemoveSocket(const std::string& nsp, DisconnectReason reason) {
  auto it = FindSocket(nsp);
  if (it == sockets_.end()) return;
  std::unique_ptr<Socket> socket = std::move(*it);
  sockets_.erase(it);
  context_.listener.OnDisconnect(*socket, reason);
}

void Client::DisconnectFromServer(const std::string& nsp) {
  if (FindSocket(nsp) == sockets_.end()) return;
  SendText(Packet{PacketType::kDisconnect, nsp, std::nullopt, 0, ""});
  RemoveSocket(nsp, DisconnectReason::kServerNamespaceDisconnect);
}

void Client::CloseFromServer() {
  std::vector<std::string> namespaces;
  for (const auto& socket : sockets_) namespaces.push_back(socket->nsp());
  for (const auto& nsp : namespaces) DisconnectFromServer(nsp);
  session_.Close(DisconnectReason::kForcedServerClose, /*flush=*/true);
}

void Client::OnClose(DisconnectReason reason) {
  DisarmDeadline();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& socket : sockets) context_.listener.OnDisconnect(*socket, reason);
}

void Client::Fail() { session_.Close(DisconnectReason::kParseError, /*flush=*/false); }

void Client::SendText(const Packet& packet) {
  session_.Send(engineio::WireFrame::Text(engineio::PacketType::kMessage, EncodePacket(packet)));
}

}  // namespace hub::socketio
