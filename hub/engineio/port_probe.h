// Refuses to start on a port another process already listens on.
//
// The shards' listeners share their port through SO_REUSEPORT, and Linux
// lets any process of the same user join such a group: a second hub (or a
// stale one) started on the same port would silently take part of the new
// connections instead of failing. A plain bind (SO_REUSEADDR, so connections
// in TIME_WAIT do not count, but no SO_REUSEPORT) fails while anything
// listens there, so probing with one first turns that into a start error.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace hub::engineio {

// OK when nothing listens on address:port; an error naming the port when
// something does. Port 0 is always free (the kernel picks an unused port).
absl::Status CheckPortFree(const std::string& address, uint16_t port);

}  // namespace hub::engineio
