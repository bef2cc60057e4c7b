#include "hub/engineio/ws_frame.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hub::engineio {
namespace {

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kMaskKey[4] = {0x37, 0xFA, 0x21, 0x3D};

uint8_t Op(WsOpcode op) { return static_cast<uint8_t>(op); }

// Builds a client frame: `b0` is the first byte as is (FIN, RSV, opcode),
// the length uses the minimal encoding, and the payload is masked.
std::string RawClientFrame(uint8_t b0, std::string_view payload,
                           bool masked = true) {
  std::string f;
  f.push_back(static_cast<char>(b0));
  const uint8_t mask_bit = masked ? 0x80 : 0x00;
  const uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(n >> (8 * i)));
  }
  if (masked) {
    f.append(reinterpret_cast<const char*>(kMaskKey), 4);
    for (size_t i = 0; i < payload.size(); ++i) {
      f.push_back(static_cast<char>(payload[i] ^ kMaskKey[i % 4]));
    }
  } else {
    f.append(payload);
  }
  return f;
}

std::string ClientFrame(WsOpcode op, std::string_view payload,
                        bool fin = true) {
  return RawClientFrame(static_cast<uint8_t>((fin ? kFin : 0) | Op(op)),
                        payload);
}

std::string ClosePayload(uint16_t code, std::string_view reason = "") {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xFF));
  p.append(reason);
  return p;
}

// Feeds everything at once and returns the error, if any.
std::optional<WsError> FeedAll(WsFrameDecoder& d, const std::string& bytes,
                               std::vector<WsMessage>& out) {
  return d.Feed(bytes, out);
}

std::optional<uint16_t> ErrorCodeOf(const std::string& bytes,
                                    size_t max = 1 << 20) {
  WsFrameDecoder d(max);
  std::vector<WsMessage> out;
  std::optional<WsError> err = d.Feed(bytes, out);
  if (!err) return std::nullopt;
  EXPECT_LE(err->reason.size(), 123u);
  EXPECT_FALSE(err->reason.empty());
  return err->close_code;
}

TEST(WsFrameDecoderTest, DecodesSingleTextFrame) {
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  EXPECT_FALSE(FeedAll(d, ClientFrame(WsOpcode::kText, "4hello"), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (WsMessage{WsOpcode::kText, "4hello"}));
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(WsFrameDecoderTest, DecodesRfcExampleMaskedHello) {
  // RFC 6455 section 5.7: a single-frame masked text message "Hello".
  const std::string frame("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  EXPECT_FALSE(d.Feed(frame, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, "Hello");
}

TEST(WsFrameDecoderTest, DecodesEmptyAndBinaryFrames) {
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  const std::string bin("\x00\x01\xFE\xFF", 4);
  EXPECT_FALSE(d.Feed(ClientFrame(WsOpcode::kText, "") +
                          ClientFrame(WsOpcode::kBinary, bin),
                      out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (WsMessage{WsOpcode::kText, ""}));
  EXPECT_EQ(out[1], (WsMessage{WsOpcode::kBinary, bin}));
}

TEST(WsFrameDecoderTest, DecodesExtendedLengths) {
  const std::string medium(300, 'm');     // 16-bit length
  const std::string large(70000, 'L');    // 64-bit length
  WsFrameDecoder d(100000);
  std::vector<WsMessage> out;
  EXPECT_FALSE(d.Feed(ClientFrame(WsOpcode::kText, medium) +
                          ClientFrame(WsOpcode::kBinary, large),
                      out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload, medium);
  EXPECT_EQ(out[1].payload, large);
}

TEST(WsFrameDecoderTest, ReassemblesFragmentsWithInterleavedControl) {
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  const std::string bytes = ClientFrame(WsOpcode::kText, "Hel", false) +
                            ClientFrame(WsOpcode::kPing, "p1") +
                            ClientFrame(WsOpcode::kContinuation, "lo ", false) +
                            ClientFrame(WsOpcode::kPong, "") +
                            ClientFrame(WsOpcode::kContinuation, "world");
  EXPECT_FALSE(d.Feed(bytes, out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (WsMessage{WsOpcode::kPing, "p1"}));
  EXPECT_EQ(out[1], (WsMessage{WsOpcode::kPong, ""}));
  EXPECT_EQ(out[2], (WsMessage{WsOpcode::kText, "Hello world"}));
}

TEST(WsFrameDecoderTest, MultiByteCharacterSplitAcrossFragments) {
  // U+20AC split 1 + 2 bytes: only the whole message must be valid UTF-8.
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  EXPECT_FALSE(d.Feed(ClientFrame(WsOpcode::kText, "\xE2", false) +
                          ClientFrame(WsOpcode::kContinuation, "\x82\xAC"),
                      out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, "\xE2\x82\xAC");
}

TEST(WsFrameDecoderTest, ByteByByteFeedGivesSameResult) {
  const std::string bytes =
      ClientFrame(WsOpcode::kBinary, std::string(200, 'x'), false) +
      ClientFrame(WsOpcode::kPing, "ping!") +
      ClientFrame(WsOpcode::kContinuation, "tail") +
      ClientFrame(WsOpcode::kText, std::string(70000, 'y')) +
      ClientFrame(WsOpcode::kClose, ClosePayload(1000, "bye"));
  WsFrameDecoder whole(1 << 20);
  std::vector<WsMessage> expected;
  ASSERT_FALSE(whole.Feed(bytes, expected));
  ASSERT_EQ(expected.size(), 4u);

  WsFrameDecoder d(1 << 20);
  std::vector<WsMessage> out;
  for (char c : bytes) {
    ASSERT_FALSE(d.Feed(std::string_view(&c, 1), out));
  }
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(d.close_received());
}

TEST(WsFrameDecoderTest, ErrorDetectedWhenFedByteByByte) {
  const std::string bytes = ClientFrame(WsOpcode::kText, "ok") +
                            RawClientFrame(kFin | Op(WsOpcode::kText), "x",
                                           /*masked=*/false);
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  std::optional<WsError> err;
  for (char c : bytes) {
    err = d.Feed(std::string_view(&c, 1), out);
    if (err) break;
  }
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->close_code, ws_close::kProtocolError);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, "ok");
}

TEST(WsFrameDecoderTest, UnmaskedFrameIsProtocolError) {
  EXPECT_EQ(ErrorCodeOf(RawClientFrame(kFin | 0x1, "hi", false)),
            ws_close::kProtocolError);
}

TEST(WsFrameDecoderTest, RsvBitsAreProtocolError) {
  for (uint8_t rsv : {0x40, 0x20, 0x10}) {
    EXPECT_EQ(ErrorCodeOf(RawClientFrame(kFin | rsv | 0x1, "hi")),
              ws_close::kProtocolError);
  }
}

TEST(WsFrameDecoderTest, UnknownOpcodesAreProtocolError) {
  for (uint8_t op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(ErrorCodeOf(RawClientFrame(kFin | op, "")),
              ws_close::kProtocolError)
        << int{op};
  }
}

TEST(WsFrameDecoderTest, ControlFrameRules) {
  // Fragmented control frame.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kPing, "x", /*fin=*/false)),
            ws_close::kProtocolError);
  // Control payload over 125 bytes.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kPing, std::string(126, 'p'))),
            ws_close::kProtocolError);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kPong, std::string(125, 'p'))),
            std::nullopt);
}

TEST(WsFrameDecoderTest, FragmentationOrderRules) {
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kContinuation, "x")),
            ws_close::kProtocolError);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "a", false) +
                        ClientFrame(WsOpcode::kText, "b")),
            ws_close::kProtocolError);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kBinary, "a", false) +
                        ClientFrame(WsOpcode::kText, "b")),
            ws_close::kProtocolError);
  // A continuation after a finished message is also unexpected.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "a") +
                        ClientFrame(WsOpcode::kContinuation, "b")),
            ws_close::kProtocolError);
}

TEST(WsFrameDecoderTest, LengthEncodingRules) {
  // 64-bit length with the most significant bit set.
  std::string msb("\x82\xFF\x80\x00\x00\x00\x00\x00\x00\x00", 10);
  EXPECT_EQ(ErrorCodeOf(msb), ws_close::kProtocolError);
  // Non-minimal encodings.
  std::string short16("\x82\xFE\x00\x05", 4);
  EXPECT_EQ(ErrorCodeOf(short16), ws_close::kProtocolError);
  std::string short64("\x82\xFF\x00\x00\x00\x00\x00\x00\x01\x00", 10);
  EXPECT_EQ(ErrorCodeOf(short64), ws_close::kProtocolError);
}

TEST(WsFrameDecoderTest, MessageTooBig) {
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "12345"), 4),
            ws_close::kMessageTooBig);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "1234"), 4),
            std::nullopt);
  // The sum of fragments counts, not each frame.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kBinary, "123", false) +
                            ClientFrame(WsOpcode::kContinuation, "45"),
                        4),
            ws_close::kMessageTooBig);
  // Control frames do not count against the message limit.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kBinary, "12", false) +
                            ClientFrame(WsOpcode::kPing, "0123456789") +
                            ClientFrame(WsOpcode::kContinuation, "34"),
                        4),
            std::nullopt);
}

TEST(WsFrameDecoderTest, HugeDeclaredLengthFailsBeforePayloadArrives) {
  // Only the header of a 2^40-byte frame: refused without waiting for data.
  std::string header("\x82\xFF\x00\x00\x01\x00\x00\x00\x00\x00", 10);
  EXPECT_EQ(ErrorCodeOf(header, 1 << 20), ws_close::kMessageTooBig);
}

TEST(WsFrameDecoderTest, InvalidUtf8TextIs1007) {
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "\xC0\xAF")),
            ws_close::kInvalidPayload);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "\xED\xA0\x80")),
            ws_close::kInvalidPayload);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "\xF4\x90\x80\x80")),
            ws_close::kInvalidPayload);
  // Truncated at the end of the reassembled message.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kText, "ok", false) +
                        ClientFrame(WsOpcode::kContinuation, "\xE2\x82")),
            ws_close::kInvalidPayload);
  // Binary messages are not checked.
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kBinary, "\xC0\xAF")),
            std::nullopt);
}

TEST(WsFrameDecoderTest, CloseFrameRules) {
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kClose, "")), std::nullopt);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kClose, ClosePayload(1000))),
            std::nullopt);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kClose, ClosePayload(4000, "x"))),
            std::nullopt);
  EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kClose, std::string("\x03", 1))),
            ws_close::kProtocolError);
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000,
                        65535}) {
    EXPECT_EQ(ErrorCodeOf(ClientFrame(WsOpcode::kClose, ClosePayload(code))),
              ws_close::kProtocolError)
        << code;
  }
  EXPECT_EQ(ErrorCodeOf(
                ClientFrame(WsOpcode::kClose, ClosePayload(1000, "\xFF"))),
            ws_close::kInvalidPayload);
}

TEST(WsFrameDecoderTest, CloseStopsDecodingAndIsReported) {
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  EXPECT_FALSE(d.Feed(ClientFrame(WsOpcode::kClose, ClosePayload(1001, "bye")) +
                          ClientFrame(WsOpcode::kText, "late") + "garbage",
                      out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].opcode, WsOpcode::kClose);
  const WsClose close = ParseWsClosePayload(out[0].payload);
  EXPECT_EQ(close.code, 1001);
  EXPECT_EQ(close.reason, "bye");
  EXPECT_TRUE(d.close_received());
  EXPECT_FALSE(d.Feed(ClientFrame(WsOpcode::kText, "more"), out));
  EXPECT_EQ(out.size(), 1u);
}

TEST(WsFrameDecoderTest, DeadDecoderRepeatsError) {
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  std::optional<WsError> first =
      d.Feed(RawClientFrame(kFin | 0x1, "x", false), out);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(d.failed());
  std::optional<WsError> again = d.Feed(ClientFrame(WsOpcode::kText, "y"), out);
  EXPECT_EQ(again, first);
  EXPECT_TRUE(out.empty());
}

TEST(WsFrameDecoderTest, PartialFrameStaysBuffered) {
  const std::string frame = ClientFrame(WsOpcode::kText, "abcdef");
  WsFrameDecoder d(1024);
  std::vector<WsMessage> out;
  EXPECT_FALSE(d.Feed(std::string_view(frame).substr(0, 5), out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.buffered_bytes(), 5u);
  EXPECT_FALSE(d.Feed(std::string_view(frame).substr(5), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

TEST(WsFrameEncodeTest, HeaderLengths) {
  uint8_t h[10];
  ASSERT_EQ(EncodeWsFrameHeader(WsOpcode::kText, 0, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 0x00);
  ASSERT_EQ(EncodeWsFrameHeader(WsOpcode::kBinary, 125, h), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 125);
  ASSERT_EQ(EncodeWsFrameHeader(WsOpcode::kText, 126, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0x00);
  EXPECT_EQ(h[3], 126);
  ASSERT_EQ(EncodeWsFrameHeader(WsOpcode::kText, 0xFFFF, h), 4u);
  EXPECT_EQ(h[2], 0xFF);
  EXPECT_EQ(h[3], 0xFF);
  ASSERT_EQ(EncodeWsFrameHeader(WsOpcode::kText, 0x10000, h), 10u);
  EXPECT_EQ(h[1], 127);
  const uint8_t expected[8] = {0, 0, 0, 0, 0, 1, 0, 0};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(h[2 + i], expected[i]);
  ASSERT_EQ(EncodeWsFrameHeader(WsOpcode::kPing, 0x0102030405060708ULL, h),
            10u);
  EXPECT_EQ(h[0], 0x89);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(h[2 + i], i + 1);
}

TEST(WsFrameEncodeTest, EncodeFrame) {
  EXPECT_EQ(EncodeWsFrame(WsOpcode::kText, "Hello"),
            std::string("\x81\x05Hello", 7));
  const std::string big(300, 'z');
  const std::string frame = EncodeWsFrame(WsOpcode::kBinary, big);
  EXPECT_EQ(frame.size(), 4 + big.size());
  EXPECT_EQ(frame.substr(4), big);
}

TEST(WsFrameEncodeTest, CloseFrame) {
  EXPECT_EQ(EncodeWsCloseFrame(ws_close::kNormal, ""),
            std::string("\x88\x02\x03\xE8", 4));
  EXPECT_EQ(EncodeWsCloseFrame(ws_close::kMessageTooBig, "big"),
            std::string("\x88\x05\x03\xF1" "big", 7));
  // Long reasons are cut to fit 125 bytes, not splitting a character.
  std::string reason(122, 'r');
  reason += "\xE2\x82\xAC";  // crosses the 123-byte limit
  const std::string frame = EncodeWsCloseFrame(ws_close::kGoingAway, reason);
  ASSERT_EQ(static_cast<uint8_t>(frame[1]), 2 + 122);
  EXPECT_EQ(frame.substr(4), std::string(122, 'r'));
}

TEST(WsFrameEncodeTest, ServerFramesUnmaskedSoDecoderRejectsThem) {
  // Sanity: our own output is unmasked, which a server must never accept.
  EXPECT_EQ(ErrorCodeOf(EncodeWsFrame(WsOpcode::kText, "x")),
            ws_close::kProtocolError);
}

TEST(WsCloseCodeTest, ValidWireCodes) {
  EXPECT_TRUE(IsValidWireCloseCode(1000));
  EXPECT_TRUE(IsValidWireCloseCode(1003));
  EXPECT_TRUE(IsValidWireCloseCode(1007));
  EXPECT_TRUE(IsValidWireCloseCode(1011));
  EXPECT_TRUE(IsValidWireCloseCode(3000));
  EXPECT_TRUE(IsValidWireCloseCode(4999));
  EXPECT_FALSE(IsValidWireCloseCode(1005));
  EXPECT_FALSE(IsValidWireCloseCode(1006));
  EXPECT_FALSE(IsValidWireCloseCode(1015));
  EXPECT_FALSE(IsValidWireCloseCode(2000));
}

}  // namespace
}  // namespace hub::engineio
