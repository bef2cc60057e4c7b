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
  rooms_.Add(&socket, socket.id(), socket.nsp());
  stats_.sockets.Inc();
  stats_.sockets_by_namespace.Add(socket.nsp(), 1);

  ClientEventRecord record = RecordFor(socket, ClientEventRecord::Kind::kConnected);
  record.auth = socket.auth();
  record.query = handshake.query();
  record.headers = handshake.headers();
  record.remote_address = std::string(handshake.remote_address());
  record.transport = std::string(metrics::TransportKindName(socket.client().transport_kind()));
  sink_.Publish(std::move(record));
}

bool LocalRegistry::OnEvent(socketio::Socket& socket, socketio::ClientEventData& event) {
  stats_.client_events.Add();
  ClientEventRecord record = RecordFor(socket, ClientEventRecord::Kind::kEvent);
  record.event = std::move(event.name);
  record.args.reserve(event.args.size());
  for (auto arg : event.args) record.args.emplace_back(arg);
  record.attachments = std::move(event.attachments);
  record.ack_id = event.ack_id;
  return sink_.Publish(std::move(record));
}

void LocalRegistry::OnAck(socketio::Socket& socket, uint64_t ack_id,
                          std::vector<std::string_view> args, std::vector<std::string> attachments) {
  std::vector<std::string> owned(args.begin(), args.end());
  // An ack nobody waits for (late, after a timeout, or forged) is ignored.
  acks_.Resolve(socket.id(), ack_id, std::move(owned), std::move(attachments));
}

void LocalRegistry::OnDisconnect(socketio::Socket& socket, DisconnectReason reason) {
  rooms_.Remove(&socket);
  stats_.sockets.Dec();
  stats_.sockets_by_namespace.Add(socket.nsp(), -1);
  stats_.socket_disconnects[static_cast<size_t>(reason)].Add();
  acks_.OnDisconnect(socket.id());

  ClientEventRecord record = RecordFor(socket, ClientEventRecord::Kind::kDisconnected);
  record.reason = std::string(DisconnectReasonText(reason));
  sink_.Publish(std::move(record));
}

}  // namespace hub::core
