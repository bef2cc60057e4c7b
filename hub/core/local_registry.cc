#include "hub/core/local_registry.h"

#include <chrono>

#include "hub/socketio/client.h"

namespace hub::core {
namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ClientEventRecord RecordFor(const socketio::Socket& socket, ClientEventRecord::Kind kind) {
  ClientEventRecord record;
  record.kind = kind;
  record.socket_id = socket.id();
  record.nsp = socket.nsp();
  record.timestamp_ms = NowMs();
  return record;
}
}  // namespace

void LocalRegistry::OnConnect(socketio::Socket& socket, const engineio::HandshakeInfo& handshake) {
  by_id_.emplace(socket.id(), &socket);
  by_namespace_[socket.nsp()].insert(&socket);
  stats_.sockets.Inc();

  ClientEventRecord record = RecordFor(socket, ClientEventRecord::Kind::kConnected);
  record.auth = socket.auth();
  record.query = handshake.query;
  record.headers = handshake.headers;
  record.remote_address = handshake.remote_address;
  record.transport = handshake.transport;
  sink_.Publish(std::move(record));
}

void LocalRegistry::OnEvent(socketio::Socket& socket, socketio::ClientEventData& event) {
  stats_.client_events.Add();
  ClientEventRecord record = RecordFor(socket, ClientEventRecord::Kind::kEvent);
  record.event = std::move(event.name);
  record.args.reserve(event.args.size());
  for (auto arg : event.args) record.args.emplace_back(arg);
  record.attachments = std::move(event.attachments);
  record.ack_id = event.ack_id;
  sink_.Publish(std::move(record));
}

void LocalRegistry::OnDisconnect(socketio::Socket& socket, DisconnectReason reason) {
  by_id_.erase(socket.id());
  if (auto it = by_namespace_.find(socket.nsp()); it != by_namespace_.end()) {
    it->second.erase(&socket);
    if (it->second.empty()) by_namespace_.erase(it);
  }
  stats_.sockets.Dec();

  ClientEventRecord record = RecordFor(socket, ClientEventRecord::Kind::kDisconnected);
  record.reason = std::string(DisconnectReasonText(reason));
  sink_.Publish(std::move(record));
}

socketio::Socket* LocalRegistry::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const std::unordered_set<socketio::Socket*>* LocalRegistry::Namespace(const std::string& nsp) const {
  auto it = by_namespace_.find(nsp);
  return it == by_namespace_.end() ? nullptr : &it->second;
}

}  // namespace hub::core
