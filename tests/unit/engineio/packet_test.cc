#include "hub/engineio/packet.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hub::engineio {
namespace {

TEST(EngineIoPacketTest, DecodesEveryTextType) {
  const std::vector<std::pair<char, PacketType>> cases = {
      {'0', PacketType::kOpen},    {'1', PacketType::kClose},
      {'2', PacketType::kPing},    {'3', PacketType::kPong},
      {'4', PacketType::kMessage}, {'5', PacketType::kUpgrade},
      {'6', PacketType::kNoop}};
  for (const auto& [digit, type] : cases) {
    absl::StatusOr<Packet> p = DecodeTextPacket(std::string(1, digit) + "xy");
    ASSERT_TRUE(p.ok()) << digit;
    EXPECT_EQ(p->type, type);
    EXPECT_FALSE(p->binary);
    EXPECT_EQ(p->data, "xy");
  }
}

TEST(EngineIoPacketTest, DecodesProbeAndEmptyData) {
  absl::StatusOr<Packet> p = DecodeTextPacket("2probe");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kPing);
  EXPECT_EQ(p->data, "probe");
  p = DecodeTextPacket("3");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::kPong);
  EXPECT_EQ(p->data, "");
}

TEST(EngineIoPacketTest, RejectsEmptyAndUnknownType) {
  EXPECT_FALSE(DecodeTextPacket("").ok());
  EXPECT_FALSE(DecodeTextPacket("7").ok());
  EXPECT_FALSE(DecodeTextPacket("9hello").ok());
  EXPECT_FALSE(DecodeTextPacket("bAAAA").ok());  // base64 is polling-only
  EXPECT_FALSE(DecodeTextPacket("/").ok());
  EXPECT_FALSE(DecodeTextPacket("\x1e").ok());
}

TEST(EngineIoPacketTest, BinaryFrameIsBinaryMessage) {
  const std::string bytes("\x00\x01\xFF", 3);
  Packet p = DecodeBinaryPacket(bytes);
  EXPECT_EQ(p.type, PacketType::kMessage);
  EXPECT_TRUE(p.binary);
  EXPECT_EQ(p.data, bytes);
}

TEST(EngineIoPacketTest, EncodesText) {
  EXPECT_EQ(EncodeTextPacket(PacketType::kMessage, "hello"), "4hello");
  EXPECT_EQ(EncodeTextPacket(PacketType::kPing, ""), "2");
  EXPECT_EQ(EncodeTextPacket(PacketType::kOpen, "{\"sid\":\"x\"}"),
            "0{\"sid\":\"x\"}");
  for (int t = 0; t <= 6; ++t) {
    const auto type = static_cast<PacketType>(t);
    absl::StatusOr<Packet> p = DecodeTextPacket(EncodeTextPacket(type, "d"));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->type, type);
    EXPECT_EQ(p->data, "d");
  }
}

TEST(EngineIoPacketTest, DecodesPayloadWithMixedPackets) {
  absl::StatusOr<std::vector<Packet>> packets =
      DecodePayload("4hello\x1e" "bAQID\x1e" "2\x1e" "4", 10);
  ASSERT_TRUE(packets.ok()) << packets.status();
  ASSERT_EQ(packets->size(), 4u);
  EXPECT_EQ((*packets)[0], (Packet{PacketType::kMessage, false, "hello"}));
  EXPECT_EQ((*packets)[1],
            (Packet{PacketType::kMessage, true, std::string("\x01\x02\x03")}));
  EXPECT_EQ((*packets)[2], (Packet{PacketType::kPing, false, ""}));
  EXPECT_EQ((*packets)[3], (Packet{PacketType::kMessage, false, ""}));
}

TEST(EngineIoPacketTest, DecodesSinglePacketPayload) {
  absl::StatusOr<std::vector<Packet>> packets = DecodePayload("1", 1);
  ASSERT_TRUE(packets.ok());
  ASSERT_EQ(packets->size(), 1u);
  EXPECT_EQ((*packets)[0].type, PacketType::kClose);
  // A bare "b" is an empty binary message.
  packets = DecodePayload("b", 1);
  ASSERT_TRUE(packets.ok());
  EXPECT_TRUE((*packets)[0].binary);
  EXPECT_EQ((*packets)[0].data, "");
}

TEST(EngineIoPacketTest, RejectsMalformedPayloads) {
  EXPECT_FALSE(DecodePayload("", 10).ok());
  EXPECT_FALSE(DecodePayload("\x1e", 10).ok());
  EXPECT_FALSE(DecodePayload("4a\x1e", 10).ok());      // trailing empty record
  EXPECT_FALSE(DecodePayload("4a\x1e\x1e" "4b", 10).ok());
  EXPECT_FALSE(DecodePayload("4a\x1e" "8b", 10).ok());
  EXPECT_FALSE(DecodePayload("bZg", 10).ok());         // bad base64
  EXPECT_FALSE(DecodePayload("b!!!!", 10).ok());
}

TEST(EngineIoPacketTest, EnforcesMaxPackets) {
  EXPECT_TRUE(DecodePayload("4a\x1e" "4b\x1e" "4c", 3).ok());
  absl::StatusOr<std::vector<Packet>> r =
      DecodePayload("4a\x1e" "4b\x1e" "4c", 2);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodePayload("4a", 0).ok());
}

TEST(EngineIoPacketTest, EncodesPayload) {
  EXPECT_EQ(EncodePayload({}), "");
  EXPECT_EQ(EncodePayload({{PacketType::kMessage, false, "hi"}}), "4hi");
  EXPECT_EQ(EncodePayload({{PacketType::kMessage, false, "hi"},
                           {PacketType::kMessage, true, "\x01\x02\x03"},
                           {PacketType::kPing, false, ""}}),
            "4hi\x1e" "bAQID\x1e" "2");
}

TEST(EngineIoPacketTest, PayloadRoundTrip) {
  const std::vector<Packet> packets = {
      {PacketType::kOpen, false, "{\"sid\":\"abc\"}"},
      {PacketType::kMessage, true, std::string("\0\xFF\x1e", 3)},
      {PacketType::kMessage, false, "2[\"ev\",1]"},
      {PacketType::kMessage, true, ""},
      {PacketType::kNoop, false, ""},
  };
  absl::StatusOr<std::vector<Packet>> back =
      DecodePayload(EncodePayload(packets), 16);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, packets);
}

TEST(EngineIoPacketTest, TypeNames) {
  EXPECT_EQ(PacketTypeName(PacketType::kOpen), "open");
  EXPECT_EQ(PacketTypeName(PacketType::kClose), "close");
  EXPECT_EQ(PacketTypeName(PacketType::kPing), "ping");
  EXPECT_EQ(PacketTypeName(PacketType::kPong), "pong");
  EXPECT_EQ(PacketTypeName(PacketType::kMessage), "message");
  EXPECT_EQ(PacketTypeName(PacketType::kUpgrade), "upgrade");
  EXPECT_EQ(PacketTypeName(PacketType::kNoop), "noop");
}

}  // namespace
}  // namespace hub::engineio
