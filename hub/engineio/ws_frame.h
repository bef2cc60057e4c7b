// RFC 6455 framing for the server side of a WebSocket: decodes masked client
// frames into whole messages and encodes unmasked server frames. We frame
// ourselves (instead of a WebSocket stream) so many frames go out in one write.
#ifndef HUB_ENGINEIO_WS_FRAME_H_
#define HUB_ENGINEIO_WS_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hub::engineio {

enum class WsOpcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

namespace ws_close {
constexpr uint16_t kNormal = 1000;
constexpr uint16_t kGoingAway = 1001;
constexpr uint16_t kProtocolError = 1002;
constexpr uint16_t kUnsupportedData = 1003;
constexpr uint16_t kInvalidPayload = 1007;
constexpr uint16_t kPolicyViolation = 1008;
constexpr uint16_t kMessageTooBig = 1009;
constexpr uint16_t kInternalError = 1011;
}  // namespace ws_close

// A whole data message (fragments reassembled) or one control frame. For
// kClose the payload is the raw close body (2-byte code + reason, or empty);
// use ParseWsClosePayload to split it.
struct WsMessage {
  WsOpcode opcode;
  std::string payload;

  friend bool operator==(const WsMessage&, const WsMessage&) = default;
};

// Why the connection must be failed: the close code to send and a short ASCII
// reason (<= 123 bytes, so it fits a close frame).
struct WsError {
  uint16_t close_code;
  std::string reason;

  friend bool operator==(const WsError&, const WsError&) = default;
};

// Incremental decoder for the bytes a client sends after the HTTP upgrade.
// No extension is negotiated, so RSV bits are always an error.
class WsFrameDecoder {
 public:
  explicit WsFrameDecoder(size_t max_message_bytes);

  // Consumes bytes read from a client; appends every completed message /
  // control frame to `out` in order. On a protocol violation returns the
  // error (the caller sends a close frame with that code and drops the
  // connection); the decoder is then dead and returns the same error again.
  // After a close frame has been decoded, later bytes are ignored: RFC 6455
  // forbids a peer from sending anything after its Close.
  std::optional<WsError> Feed(std::string_view bytes,
                              std::vector<WsMessage>& out);

  bool failed() const { return error_.has_value(); }
  bool close_received() const { return close_received_; }
  // Bytes held for a frame not yet complete; for memory accounting.
  size_t buffered_bytes() const { return buffer_.size() - read_pos_; }

 private:
  // Parses at most one frame from the buffer. Returns false when more bytes
  // are needed or on error (then error_ is set).
  bool ParseOneFrame(std::vector<WsMessage>& out);
  void Fail(uint16_t code, std::string_view reason);

  size_t max_message_bytes_;
  std::string buffer_;
  size_t read_pos_ = 0;  // bytes before this are consumed
  bool in_message_ = false;
  WsOpcode message_opcode_ = WsOpcode::kText;
  std::string message_;  // fragments so far of the open message
  bool close_received_ = false;
  std::optional<WsError> error_;
};

// Server frame header: FIN set, unmasked. Returns the header length (2, 4 or
// 10 bytes written to `out`).
size_t EncodeWsFrameHeader(WsOpcode opcode, uint64_t payload_len,
                           uint8_t out[10]);

// Header + payload in one string.
std::string EncodeWsFrame(WsOpcode opcode, std::string_view payload);

// Close frame with a 2-byte code and a reason cut to 123 bytes (at a UTF-8
// character boundary) so the control-frame payload stays within 125.
std::string EncodeWsCloseFrame(uint16_t code, std::string_view reason);

// Close codes a peer may put on the wire (RFC 6455 section 7.4 plus the IANA
// registry and the 3000-4999 application range). 1005/1006/1015 are local only.
bool IsValidWireCloseCode(uint16_t code);

// Splits a close payload the decoder accepted. An empty payload yields code
// 1005 ("no status received"), as RFC 6455 section 7.1.5 says to report it.
struct WsClose {
  uint16_t code;
  std::string_view reason;
};
WsClose ParseWsClosePayload(std::string_view payload);

}  // namespace hub::engineio

#endif  // HUB_ENGINEIO_WS_FRAME_H_
