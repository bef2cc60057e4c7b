#include "hub/engineio/handshake_info.h"

#include <string>

#include "gtest/gtest.h"

namespace hub::engineio {
namespace {

using Pairs = HandshakeInfo::Pairs;

TEST(HandshakeInfoTest, EmptyHasNothing) {
  HandshakeInfo info;
  EXPECT_EQ(info.remote_address(), "");
  EXPECT_TRUE(info.query().empty());
  EXPECT_TRUE(info.headers().empty());
  EXPECT_EQ(info.encoded_size(), 0u);
  HandshakeInfo copy = info;
  EXPECT_EQ(copy.encoded_size(), 0u);
}

TEST(HandshakeInfoTest, KeepsEverythingInOrder) {
  HandshakeInfo::Builder builder;
  builder.SetRemoteAddress("127.0.0.1:4242");
  builder.AddQuery("EIO", "4");
  builder.AddQuery("transport", "websocket");
  builder.AddQuery("", "");
  builder.AddQuery("token", "a b&c");
  builder.AddHeader("Host", "example.org");
  builder.AddHeader("X-Custom-Header", "one");
  builder.AddHeader("Cookie", "a=1");
  builder.AddHeader("cookie", "b=2");  // repeated headers stay separate
  builder.AddHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  builder.AddHeader("X-Empty", "");
  const HandshakeInfo info = builder.Build();

  EXPECT_EQ(info.remote_address(), "127.0.0.1:4242");
  EXPECT_EQ(info.query(), (Pairs{{"EIO", "4"}, {"transport", "websocket"}, {"", ""}, {"token", "a b&c"}}));
  EXPECT_EQ(info.headers(), (Pairs{{"host", "example.org"},
                                   {"x-custom-header", "one"},
                                   {"cookie", "a=1"},
                                   {"cookie", "b=2"},
                                   {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                   {"x-empty", ""}}));
}

TEST(HandshakeInfoTest, LongValuesAndBinaryBytes) {
  const std::string long_value(20000, 'v');  // lengths past one varint byte
  const std::string binary("a\0b\xff", 4);
  HandshakeInfo::Builder builder;
  builder.SetRemoteAddress("[::1]:1");
  builder.AddQuery(binary, long_value);
  builder.AddHeader(std::string(300, 'N'), binary);
  const HandshakeInfo info = builder.Build();
  EXPECT_EQ(info.query(), (Pairs{{binary, long_value}}));
  EXPECT_EQ(info.headers(), (Pairs{{std::string(300, 'n'), binary}}));
  EXPECT_EQ(info.remote_address(), "[::1]:1");
}

TEST(HandshakeInfoTest, CopiesAreDeepAndCompact) {
  HandshakeInfo::Builder builder;
  builder.SetRemoteAddress("10.0.0.1:80");
  builder.AddQuery("EIO", "4");
  builder.AddHeader("host", "h");
  builder.AddHeader("upgrade", "websocket");
  HandshakeInfo original = builder.Build();
  // Size, address, one query pair, and headers whose known names cost one
  // byte each instead of their spelling.
  EXPECT_EQ(original.encoded_size(), 4u + (1 + 11) + (1 + 1 + 3 + 1 + 1) + (1 + 2 + 1 + 2 + 9));

  HandshakeInfo copy = original;
  HandshakeInfo assigned;
  assigned = original;
  original = HandshakeInfo();
  EXPECT_EQ(original.encoded_size(), 0u);
  for (const HandshakeInfo* info : {&copy, &assigned}) {
    EXPECT_EQ(info->remote_address(), "10.0.0.1:80");
    EXPECT_EQ(info->query(), (Pairs{{"EIO", "4"}}));
    EXPECT_EQ(info->headers(), (Pairs{{"host", "h"}, {"upgrade", "websocket"}}));
  }
  HandshakeInfo moved = std::move(copy);
  EXPECT_EQ(moved.remote_address(), "10.0.0.1:80");
}

}  // namespace
}  // namespace hub::engineio
