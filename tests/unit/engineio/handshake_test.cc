#include "hub/engineio/handshake.h"

#include "gtest/gtest.h"

namespace hub::engineio {
namespace {

EngineError ErrorOf(const RequestFacts& facts) {
  auto result = CheckEngineRequest(facts);
  EXPECT_TRUE(std::holds_alternative<EngineError>(result));
  return std::get<EngineError>(result);
}

TEST(HandshakeTest, ParsesAndDecodesQuery) {
  auto params = ParseQueryString("EIO=4&transport=websocket&name=a%20b+c&flag&bad=%zz");
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(*FindParam(params, "name"), "a b c");
  EXPECT_EQ(*FindParam(params, "flag"), "");
  EXPECT_EQ(*FindParam(params, "bad"), "%zz");
  EXPECT_EQ(FindParam(params, "missing"), nullptr);
}

TEST(HandshakeTest, AcceptsWebSocketHandshake) {
  auto result = CheckEngineRequest({"GET", "EIO=4&transport=websocket&token=x", true});
  ASSERT_TRUE(std::holds_alternative<EngineRequest>(result));
  const auto& request = std::get<EngineRequest>(result);
  EXPECT_EQ(request.transport, TransportName::kWebSocket);
  EXPECT_TRUE(request.sid.empty());
  EXPECT_EQ(*FindParam(request.query, "token"), "x");
}

TEST(HandshakeTest, ErrorsUseTheProtocolCodes) {
  EXPECT_EQ(ErrorOf({"GET", "EIO=4&transport=carrier-pigeon", false}), EngineError::kUnknownTransport);
  EXPECT_EQ(ErrorOf({"GET", "EIO=4", false}), EngineError::kUnknownTransport);
  EXPECT_EQ(ErrorOf({"GET", "EIO=3&transport=websocket", true}), EngineError::kUnsupportedProtocolVersion);
  EXPECT_EQ(ErrorOf({"GET", "transport=websocket", true}), EngineError::kUnsupportedProtocolVersion);
  EXPECT_EQ(ErrorOf({"POST", "EIO=4&transport=polling", false}), EngineError::kBadHandshakeMethod);
  EXPECT_EQ(ErrorOf({"GET", "EIO=4&transport=websocket", false}), EngineError::kBadRequest);
  EXPECT_EQ(ErrorOf({"PUT", "EIO=4&transport=polling&sid=abc", false}), EngineError::kBadRequest);
}

TEST(HandshakeTest, ErrorBodiesAreJson) {
  EXPECT_EQ(EngineErrorBody(EngineError::kUnknownSid), "{\"code\":1,\"message\":\"Session ID unknown\"}");
  EXPECT_EQ(EngineErrorBody(EngineError::kUnsupportedProtocolVersion),
            "{\"code\":5,\"message\":\"Unsupported protocol version\"}");
}

TEST(HandshakeTest, OriginCheck) {
  EXPECT_TRUE(OriginAllowed({"*"}, "https://any.example"));
  EXPECT_TRUE(OriginAllowed({"https://a.example"}, "https://a.example"));
  EXPECT_FALSE(OriginAllowed({"https://a.example"}, "https://b.example"));
  EXPECT_TRUE(OriginAllowed({"https://a.example"}, ""));
}

}  // namespace
}  // namespace hub::engineio
