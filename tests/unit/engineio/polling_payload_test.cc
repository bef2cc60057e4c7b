#include "hub/engineio/polling_payload.h"

#include <gtest/gtest.h>

#include "hub/engineio/packet.h"

namespace hub::engineio {
namespace {

TEST(PollingPayloadTest, JoinsTextAndBinaryFramesWithRecordSeparators) {
  std::vector<SharedFrame> frames = {WireFrame::Text(PacketType::kMessage, "hello"),
                                     WireFrame::Binary(std::string("\x01\x02\x03\x04", 4)),
                                     WireFrame::Text(PacketType::kPing, "")};
  EXPECT_EQ(EncodeFramesPayload(frames), "4hello\x1e" "bAQIDBA==\x1e" "2");
}

TEST(PollingPayloadTest, SingleFrameHasNoSeparator) {
  EXPECT_EQ(EncodeFramesPayload({WireFrame::Text(PacketType::kNoop, "")}), "6");
  EXPECT_EQ(EncodeFramesPayload({}), "");
}

TEST(PollingPayloadTest, RoundTripsThroughThePayloadDecoder) {
  const std::string binary("\x00\xff\x1e\x7f", 4);
  std::vector<SharedFrame> frames = {WireFrame::Text(PacketType::kMessage, "2[\"n\",1]"),
                                     WireFrame::Binary(binary),
                                     WireFrame::Text(PacketType::kMessage, "")};
  auto packets = DecodePayload(EncodeFramesPayload(frames), 10);
  ASSERT_TRUE(packets.ok()) << packets.status();
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[0].data, "2[\"n\",1]");
  EXPECT_TRUE((*packets)[1].binary);
  EXPECT_EQ((*packets)[1].data, binary);
  EXPECT_EQ((*packets)[2].type, PacketType::kMessage);
  EXPECT_EQ((*packets)[2].data, "");
}

TEST(PollingPayloadTest, LargeBinaryIsBase64) {
  const std::string binary(3000, '\x05');
  const std::string body = EncodeFramesPayload({WireFrame::Binary(binary)});
  ASSERT_EQ(body.size(), 1 + 4000u);
  EXPECT_EQ(body[0], 'b');
}

}  // namespace
}  // namespace hub::engineio
