// Prefetching for loops that send one packet to many sockets.
#pragma once

#include <cstddef>
#include <vector>

#include "hub/socketio/client.h"
#include "hub/socketio/socket.h"

namespace hub::socketio {

// Call at each step `i` of a loop that sends to `sockets[i]`: brings in,
// stage by stage, the socket, its client, its session and its transport for
// the sockets a few steps ahead. Each is a dependent cache miss, and between
// two broadcasts the kernel's send path evicts them all.
inline void PrefetchFanOut(const std::vector<Socket*>& sockets, size_t i) {
  constexpr size_t kStep = 4;  // sends between two stages of one socket
  const size_t n = sockets.size();
  if (i + 4 * kStep < n) __builtin_prefetch(sockets[i + 4 * kStep]);
  if (i + 3 * kStep < n) __builtin_prefetch(&sockets[i + 3 * kStep]->client());
  if (i + 2 * kStep < n) sockets[i + 2 * kStep]->client().session().PrefetchSendState();
  if (i + kStep < n) sockets[i + kStep]->client().session().PrefetchTransport();
}

}  // namespace hub::socketio
