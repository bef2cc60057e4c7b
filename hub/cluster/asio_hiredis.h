// hiredis's async API driven by an Asio io_context: hiredis asks for read
// and write readiness through its ev hooks; we wait on the socket with
// async_wait and call back into hiredis. No extra thread, no blocking.
#pragma once

#include "boost/asio/io_context.hpp"
#include "hiredis/async.h"

namespace hub::cluster {

// Attaches `context` to `io`. The attachment lives until hiredis frees the
// context (its cleanup hook). Call on the io_context's thread only.
void AttachToAsio(redisAsyncContext* context, boost::asio::io_context& io);

}  // namespace hub::cluster
