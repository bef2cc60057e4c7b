// The long-polling body of a GET response, built from the session's queued
// frames: each frame's Engine.IO packet, 0x1E between records, binary ones as
// 'b' + base64. Pure; the frames are the same shared buffers WebSocket writes.
#pragma once

#include <string>
#include <vector>

#include "hub/engineio/wire_frame.h"

namespace hub::engineio {

std::string EncodeFramesPayload(const std::vector<SharedFrame>& frames);

}  // namespace hub::engineio
