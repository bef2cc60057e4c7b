#include "hub/engineio/ws_frame.h"

#include <utility>

#include "hub/base/utf8.h"

namespace hub::engineio {
namespace {

constexpr size_t kMaxControlPayload = 125;
constexpr size_t kMaxCloseReason = kMaxControlPayload - 2;
constexpr uint16_t kNoStatusReceived = 1005;

bool IsKnownOpcode(uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

bool IsControl(uint8_t op) { return (op & 0x8) != 0; }

uint8_t Byte(std::string_view s, size_t i) {
  return static_cast<uint8_t>(s[i]);
}

// Unmasks `payload` (XOR with the 4-byte key, cycling) while appending it.
void AppendUnmasked(std::string& dst, std::string_view payload,
                    const uint8_t key[4]) {
  const size_t base = dst.size();
  dst.resize(base + payload.size());
  char* out = dst.data() + base;
  for (size_t i = 0; i < payload.size(); ++i) {
    out[i] = static_cast<char>(static_cast<uint8_t>(payload[i]) ^ key[i & 3]);
  }
}

}  // namespace

bool IsValidWireCloseCode(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

WsClose ParseWsClosePayload(std::string_view payload) {
  if (payload.size() < 2) return {kNoStatusReceived, {}};
  const uint16_t code =
      static_cast<uint16_t>((Byte(payload, 0) << 8) | Byte(payload, 1));
  return {code, payload.substr(2)};
}

namespace {
// Capacity an idle decoder may keep between reads.
constexpr size_t kRetainedBufferBytes = 512;
}  // namespace

WsFrameDecoder::WsFrameDecoder(size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes) {}

void WsFrameDecoder::Fail(uint16_t code, std::string_view reason) {
  error_ = WsError{code, std::string(reason.substr(0, kMaxCloseReason))};
  // Drop what we hold: a dead decoder should not pin memory.
  std::string().swap(buffer_);
  std::string().swap(message_);
  read_pos_ = 0;
}

std::optional<WsError> WsFrameDecoder::Feed(std::string_view bytes,
                                            std::vector<WsMessage>& out) {
  if (error_) return error_;
  if (close_received_) return std::nullopt;
  // Discard consumed bytes before appending. What remains is at most one
  // partial frame, so each byte is moved a bounded number of times.
  if (read_pos_ > 0) {
    buffer_.erase(0, read_pos_);
    read_pos_ = 0;
  }
  buffer_.append(bytes);
  while (!close_received_ && ParseOneFrame(out)) {
  }
  if (error_) return error_;
  if (close_received_) {
    std::string().swap(buffer_);
    read_pos_ = 0;
  } else if (read_pos_ == buffer_.size()) {
    // Everything consumed: an idle connection should not keep the buffer a
    // burst or a big message grew (memory per idle connection matters).
    read_pos_ = 0;
    if (buffer_.capacity() > kRetainedBufferBytes) {
      std::string().swap(buffer_);
    } else {
      buffer_.clear();
    }
  }
  return std::nullopt;
}

bool WsFrameDecoder::ParseOneFrame(std::vector<WsMessage>& out) {
  const std::string_view avail =
      std::string_view(buffer_).substr(read_pos_);
  if (avail.size() < 2) return false;

  const uint8_t b0 = Byte(avail, 0);
  const uint8_t b1 = Byte(avail, 1);
  const bool fin = (b0 & 0x80) != 0;
  const uint8_t opcode = b0 & 0x0F;
  if ((b0 & 0x70) != 0) {
    Fail(ws_close::kProtocolError, "reserved bits set without an extension");
    return false;
  }
  if (!IsKnownOpcode(opcode)) {
    Fail(ws_close::kProtocolError, "unknown opcode");
    return false;
  }
  if ((b1 & 0x80) == 0) {
    Fail(ws_close::kProtocolError, "client frame is not masked");
    return false;
  }
  const uint8_t len7 = b1 & 0x7F;
  const bool control = IsControl(opcode);
  if (control) {
    if (!fin) {
      Fail(ws_close::kProtocolError, "fragmented control frame");
      return false;
    }
    if (len7 > kMaxControlPayload) {
      Fail(ws_close::kProtocolError, "control frame payload over 125 bytes");
      return false;
    }
  } else if (opcode == static_cast<uint8_t>(WsOpcode::kContinuation)) {
    if (!in_message_) {
      Fail(ws_close::kProtocolError, "continuation frame without a message");
      return false;
    }
  } else if (in_message_) {
    Fail(ws_close::kProtocolError,
         "new data frame while a fragmented message is open");
    return false;
  }

  size_t header_len = 2;
  uint64_t payload_len = len7;
  if (len7 == 126) {
    header_len = 4;
    if (avail.size() < 4) return false;
    payload_len = (uint64_t{Byte(avail, 2)} << 8) | Byte(avail, 3);
    if (payload_len < 126) {
      Fail(ws_close::kProtocolError, "length not minimally encoded");
      return false;
    }
  } else if (len7 == 127) {
    header_len = 10;
    if (avail.size() < 10) return false;
    payload_len = 0;
    for (size_t i = 2; i < 10; ++i) {
      payload_len = (payload_len << 8) | Byte(avail, i);
    }
    if (payload_len >> 63) {
      Fail(ws_close::kProtocolError, "64-bit length has its high bit set");
      return false;
    }
    if (payload_len <= 0xFFFF) {
      Fail(ws_close::kProtocolError, "length not minimally encoded");
      return false;
    }
  }
  // Check the size before waiting for the payload, so an oversized message
  // is refused without buffering it.
  if (!control) {
    const size_t so_far = in_message_ ? message_.size() : 0;
    if (payload_len > max_message_bytes_ - so_far) {
      Fail(ws_close::kMessageTooBig, "message too big");
      return false;
    }
  }
  header_len += 4;  // masking key
  if (avail.size() < header_len) return false;
  // Compared by subtraction (avail.size() >= header_len here) so a huge
  // declared length cannot overflow the test.
  if (payload_len > avail.size() - header_len) return false;

  uint8_t key[4];
  for (size_t i = 0; i < 4; ++i) key[i] = Byte(avail, header_len - 4 + i);
  const std::string_view masked =
      avail.substr(header_len, static_cast<size_t>(payload_len));
  read_pos_ += header_len + masked.size();

  if (control) {
    WsMessage msg{static_cast<WsOpcode>(opcode), {}};
    AppendUnmasked(msg.payload, masked, key);
    if (msg.opcode == WsOpcode::kClose) {
      if (msg.payload.size() == 1) {
        Fail(ws_close::kProtocolError, "close payload of one byte");
        return false;
      }
      if (!msg.payload.empty()) {
        const WsClose close = ParseWsClosePayload(msg.payload);
        if (!IsValidWireCloseCode(close.code)) {
          Fail(ws_close::kProtocolError, "invalid close code");
          return false;
        }
        if (!IsValidUtf8(close.reason)) {
          Fail(ws_close::kInvalidPayload, "close reason is not UTF-8");
          return false;
        }
      }
      close_received_ = true;
    }
    out.push_back(std::move(msg));
    return true;
  }

  if (opcode != static_cast<uint8_t>(WsOpcode::kContinuation)) {
    message_opcode_ = static_cast<WsOpcode>(opcode);
    in_message_ = true;
    message_.clear();
  }
  AppendUnmasked(message_, masked, key);
  if (!fin) return true;

  if (message_opcode_ == WsOpcode::kText && !IsValidUtf8(message_)) {
    Fail(ws_close::kInvalidPayload, "text message is not valid UTF-8");
    return false;
  }
  out.push_back(WsMessage{message_opcode_, std::move(message_)});
  message_ = std::string();
  in_message_ = false;
  return true;
}

size_t EncodeWsFrameHeader(WsOpcode opcode, uint64_t payload_len,
                           uint8_t out[10]) {
  out[0] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(opcode));
  if (payload_len < 126) {
    out[1] = static_cast<uint8_t>(payload_len);
    return 2;
  }
  if (payload_len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(payload_len >> 8);
    out[3] = static_cast<uint8_t>(payload_len);
    return 4;
  }
  out[1] = 127;
  for (size_t i = 0; i < 8; ++i) {
    out[2 + i] = static_cast<uint8_t>(payload_len >> (56 - 8 * i));
  }
  return 10;
}

std::string EncodeWsFrame(WsOpcode opcode, std::string_view payload) {
  uint8_t header[10];
  const size_t n = EncodeWsFrameHeader(opcode, payload.size(), header);
  std::string frame;
  frame.reserve(n + payload.size());
  frame.append(reinterpret_cast<const char*>(header), n);
  frame.append(payload);
  return frame;
}

std::string EncodeWsCloseFrame(uint16_t code, std::string_view reason) {
  if (reason.size() > kMaxCloseReason) {
    size_t cut = kMaxCloseReason;
    // Back up over continuation bytes so a multi-byte character is not split.
    while (cut > 0 && (Byte(reason, cut) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return EncodeWsFrame(WsOpcode::kClose, payload);
}

}  // namespace hub::engineio
