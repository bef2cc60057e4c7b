#include "hub/engineio/wire_frame.h"

#include "hub/engineio/ws_frame.h"

namespace hub::engineio {

std::shared_ptr<const WireFrame> WireFrame::Text(PacketType type, std::string_view data) {
  auto frame = std::shared_ptr<WireFrame>(new WireFrame());
  uint8_t header[10];
  const size_t header_len = EncodeWsFrameHeader(WsOpcode::kText, data.size() + 1, header);
  frame->bytes_.reserve(header_len + 1 + data.size());
  frame->bytes_.append(reinterpret_cast<const char*>(header), header_len);
  frame->bytes_.push_back(static_cast<char>('0' + static_cast<int>(type)));
  frame->bytes_.append(data);
  frame->header_len_ = static_cast<uint8_t>(header_len);
  return frame;
}

std::shared_ptr<const WireFrame> WireFrame::Binary(std::string_view bytes) {
  auto frame = std::shared_ptr<WireFrame>(new WireFrame());
  uint8_t header[10];
  const size_t header_len = EncodeWsFrameHeader(WsOpcode::kBinary, bytes.size(), header);
  frame->bytes_.reserve(header_len + bytes.size());
  frame->bytes_.append(reinterpret_cast<const char*>(header), header_len);
  frame->bytes_.append(bytes);
  frame->header_len_ = static_cast<uint8_t>(header_len);
  frame->binary_ = true;
  return frame;
}

}  // namespace hub::engineio
