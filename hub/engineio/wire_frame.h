// An outbound Engine.IO packet encoded once, ready for any transport: the
// bytes are a complete server WebSocket frame whose payload is the Engine.IO
// packet, so a broadcast shares one immutable buffer between every recipient
// and a polling response can take the packet part without re-encoding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hub/engineio/packet.h"

namespace hub::engineio {

class WireFrame {
 public:
  // A text packet: "<type digit><data>".
  static std::shared_ptr<const WireFrame> Text(PacketType type, std::string_view data);
  // A binary MESSAGE (raw bytes, a Socket.IO attachment).
  static std::shared_ptr<const WireFrame> Binary(std::string_view bytes);

  // The whole WebSocket frame.
  std::string_view ws_frame() const { return bytes_; }
  // The Engine.IO packet alone (text packet or raw binary bytes).
  std::string_view packet() const { return std::string_view(bytes_).substr(header_len_); }
  bool binary() const { return binary_; }
  size_t size() const { return bytes_.size(); }

 private:
  WireFrame() = default;
  std::string bytes_;
  uint8_t header_len_ = 0;
  bool binary_ = false;
};

using SharedFrame = std::shared_ptr<const WireFrame>;

}  // namespace hub::engineio
