// What a Session needs from a transport (WebSocket or long-polling): take
// queued frames when it can write, end the connection, and step aside during
// an upgrade. The session does not care which transport it speaks through.
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

  // Upgrade hooks, for the transport being upgraded away from (polling).
  // The probe succeeded: release a held poll so the client can pause.
  virtual void OnUpgrading() {}
  // The probe failed or timed out: serve as before.
  virtual void OnUpgradeAborted() {}
  // The session now speaks through another transport: answer any held
  // request, then refuse further ones as if the session did not exist.
  virtual void OnUpgraded() {}
};

}  // namespace hub::engineio
