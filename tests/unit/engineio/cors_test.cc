#include "hub/engineio/cors.h"

#include <gtest/gtest.h>

namespace hub::engineio {
namespace {

std::string Header(const CorsDecision& d, std::string_view name) {
  std::string out;
  for (const auto& [k, v] : d.headers) {
    if (k == name) out += (out.empty() ? "" : "|") + v;
  }
  return out;
}

TEST(CorsTest, NoOriginMeansNoHeaders) {
  auto d = DecideCors(CorsPolicy{{"http://a.example"}, false}, "", false);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.headers.empty());
}

TEST(CorsTest, WildcardWithoutCredentialsAnswersStar) {
  auto d = DecideCors(CorsPolicy{{"*"}, false}, "http://x.example", false);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(Header(d, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Header(d, "Vary"), "");
  EXPECT_EQ(Header(d, "Access-Control-Allow-Credentials"), "");
}

TEST(CorsTest, WildcardWithCredentialsReflectsTheOrigin) {
  auto d = DecideCors(CorsPolicy{{"*"}, true}, "http://x.example", false);
  EXPECT_EQ(Header(d, "Access-Control-Allow-Origin"), "http://x.example");
  EXPECT_EQ(Header(d, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(Header(d, "Vary"), "Origin");
}

TEST(CorsTest, ListedOriginIsNamedBackAndVaries) {
  CorsPolicy policy{{"http://a.example", "http://b.example"}, false};
  auto d = DecideCors(policy, "http://b.example", false);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(Header(d, "Access-Control-Allow-Origin"), "http://b.example");
  EXPECT_EQ(Header(d, "Vary"), "Origin");
}

TEST(CorsTest, UnlistedOriginIsRefused) {
  auto d = DecideCors(CorsPolicy{{"http://a.example"}, true}, "http://evil.example", true, "x-a");
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.headers.empty());
}

TEST(CorsTest, PreflightAnswersMethodsAndReflectsRequestedHeaders) {
  auto d = DecideCors(CorsPolicy{{"http://a.example"}, false}, "http://a.example", true,
                      "content-type,x-token");
  EXPECT_EQ(Header(d, "Access-Control-Allow-Methods"), "GET,POST,OPTIONS");
  EXPECT_EQ(Header(d, "Access-Control-Allow-Headers"), "content-type,x-token");
  EXPECT_EQ(Header(d, "Vary"), "Origin|Access-Control-Request-Headers");
  EXPECT_FALSE(Header(d, "Access-Control-Max-Age").empty());
}

TEST(CorsTest, PreflightWithoutRequestedHeadersOmitsAllowHeaders) {
  auto d = DecideCors(CorsPolicy{{"*"}, false}, "http://a.example", true);
  EXPECT_EQ(Header(d, "Access-Control-Allow-Headers"), "");
  EXPECT_EQ(Header(d, "Access-Control-Allow-Methods"), "GET,POST,OPTIONS");
}

}  // namespace
}  // namespace hub::engineio
