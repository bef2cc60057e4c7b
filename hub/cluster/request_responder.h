// This replica's side of `socket.io-request#<nsp>#`: the requests socket.io
// servers (@socket.io/redis-adapter), emitters and other hub replicas send
// every server of a namespace. Each is applied to the local sockets; the
// answer goes to a hub requester on its hub-cluster# channel, to a socket.io
// server on `socket.io-response#<nsp>#`.
//
// A socket.io server that waits for answers counts the subscribers of the
// request channel and waits for one answer from each, so a replica answers
// exactly the requests of the namespaces it is subscribed to by name
// (ClusterBus::Answers), and answers every one of them: SOCKETS, ALL_ROOMS,
// REMOTE_FETCH, SERVER_SIDE_EMIT with an ack and BROADCAST (with acks).
// Requests that need no answer (join, leave, disconnect, server-side emits
// without an ack) are applied whichever way they arrive.
#pragma once

#include <string>
#include <string_view>

#include "hub/cluster/adapter_wire.h"
#include "hub/cluster/cluster_bus.h"
#include "hub/core/hub_core.h"

namespace hub::cluster {

class RequestResponder {
 public:
  // `path`: the Socket.IO path, for the handshakes fetchSockets returns.
  RequestResponder(core::HubCore& local, ClusterBus& bus, std::string path);

  // Cluster thread: a message on a socket.io-request# channel.
  void OnRequest(const std::string& channel, std::string_view payload);

 private:
  void ChangeSockets(const std::string& nsp, const AdapterRequest& request);
  void FetchSockets(const std::string& nsp, const AdapterRequest& request);
  void BroadcastWithAck(const std::string& nsp, const AdapterRequest& request);
  // Any thread: publishes an answer to a socket.io server.
  void Respond(const std::string& nsp, std::string response);

  core::HubCore& local_;
  ClusterBus& bus_;
  const std::string path_;
};

}  // namespace hub::cluster
