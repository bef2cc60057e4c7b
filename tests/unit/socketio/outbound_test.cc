#include "hub/socketio/outbound.h"

#include "gtest/gtest.h"

namespace hub::socketio {
namespace {

TEST(OutboundTest, EncodesAnEventOnceAsAWebSocketFrame) {
  auto packet = EncodeServerEvent("/", "greet", {"{\"x\":\"y\"}", "2"}, {});
  ASSERT_TRUE(packet.ok()) << packet.status();
  ASSERT_EQ(packet->frames.size(), 1u);
  EXPECT_EQ(packet->frames[0]->packet(), "42[\"greet\",{\"x\":\"y\"},2]");
  const auto frame = packet->frames[0]->ws_frame();
  EXPECT_EQ(static_cast<uint8_t>(frame[0]), 0x81);  // FIN + text
  EXPECT_EQ(static_cast<uint8_t>(frame[1]), frame.size() - 2);
}

TEST(OutboundTest, NamespaceAndAttachments) {
  auto packet = EncodeServerEvent("/chat", "file", {"{\"_placeholder\":true,\"num\":0}"}, {"\x01\x02"});
  ASSERT_TRUE(packet.ok()) << packet.status();
  ASSERT_EQ(packet->frames.size(), 2u);
  EXPECT_EQ(packet->frames[0]->packet(), "451-/chat,[\"file\",{\"_placeholder\":true,\"num\":0}]");
  EXPECT_TRUE(packet->frames[1]->binary());
  EXPECT_EQ(packet->frames[1]->packet(), "\x01\x02");
}

TEST(OutboundTest, RefusesBadInput) {
  EXPECT_EQ(EncodeServerEvent("/", "", {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* reserved : {"connect", "connect_error", "disconnect", "disconnecting",
                               "newListener", "removeListener"}) {
    EXPECT_EQ(EncodeServerEvent("/", reserved, {}, {}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << reserved;
  }
  EXPECT_EQ(EncodeServerEvent("/", "e", {"{bad"}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeServerEvent("/", "e", {""}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeServerEvent("chat", "e", {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeServerEvent("/a\nb", "e", {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeServerEvent(std::string(300, '/'), "e", {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeServerEvent("/", "e", {"{\"_placeholder\":true,\"num\":1}"}, {"x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OutboundTest, EmptyNamespaceMeansRoot) {
  auto nsp = NormalizeNamespace("");
  ASSERT_TRUE(nsp.ok());
  EXPECT_EQ(*nsp, "/");
}

}  // namespace
}  // namespace hub::socketio
