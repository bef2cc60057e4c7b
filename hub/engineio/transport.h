// What a Session needs from a transport (WebSocket today, long-polling next):
// take queued frames when it can write, and end the connection. The session
// does not care which transport it speaks through.
#pragma once

#include <cstdint>
#include <string_view>

#include "metrics/shard_stats.h"

namespace hub::engineio {

class Transport {
 public:
  virtual ~Transport() = default;
  // Frames are waiting in the session's queue; take them when able to write.
  virtual void OnFramesQueued() = 0;
  // Ends the connection. With `flush`, frames already queued are written
  // first. `ws_code`/`reason` go into the WebSocket close frame.
  virtual void Close(uint16_t ws_code, std::string_view reason, bool flush) = 0;
  virtual metrics::TransportKind kind() const = 0;
};

}  // namespace hub::engineio
