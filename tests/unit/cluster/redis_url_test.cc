// --redis_url parsing: host, port, credentials, database, and what is refused.
#include "hub/cluster/redis_url.h"

#include <string>

#include "gtest/gtest.h"

namespace hub::cluster {
namespace {

TEST(RedisUrlTest, HostPortAndDefaults) {
  auto a = ParseRedisUrl("redis://cache.local");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "cache.local");
  EXPECT_EQ(a->port, 6379);
  EXPECT_TRUE(a->user.empty());
  EXPECT_TRUE(a->password.empty());
  EXPECT_EQ(a->db, 0);

  a = ParseRedisUrl("redis://127.0.0.1:7000/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7000);
  EXPECT_EQ(a->db, 0);

  a = ParseRedisUrl("redis://[::1]:7001/4");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 7001);
  EXPECT_EQ(a->db, 4);
  EXPECT_EQ(a->Redacted(), "redis://[::1]:7001/4");

  a = ParseRedisUrl("redis://[::1]");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 6379);
}

TEST(RedisUrlTest, CredentialsAreDecodedAndNeverShown) {
  auto a = ParseRedisUrl("redis://:s3cret@h:1/2");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->user.empty());
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->db, 2);
  EXPECT_EQ(a->Redacted(), "redis://:***@h:1/2");

  a = ParseRedisUrl("redis://alice:p%40ss%3Aw%2Frd@h:1");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->user, "alice");
  EXPECT_EQ(a->password, "p@ss:w/rd");
  EXPECT_EQ(a->Redacted(), "redis://alice:***@h:1");

  // A raw '@' in the password: the last one ends the credentials.
  a = ParseRedisUrl("redis://bob:a@b@h");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->password, "a@b");
  EXPECT_EQ(a->host, "h");
}

TEST(RedisUrlTest, RefusalsNameTheProblemButNotThePassword) {
  for (const char* bad : {"http://h:1", "redis://", "redis://h:", "redis://h:0", "redis://h:65536", "redis://h:x",
                          "redis://h/x", "redis://h/-1", "redis://h?db=1", "redis://[::1", "redis://[::1]x",
                          "redis://alice@h", "redis://alice:@h"}) {
    auto a = ParseRedisUrl(bad);
    EXPECT_FALSE(a.ok()) << bad;
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    }
  }
  for (const char* bad : {"redis://:topsecret%zz@h", "redis://:topsecret%4@h", "rediss://:topsecret@h:6380"}) {
    auto a = ParseRedisUrl(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(std::string(a.status().message()).find("topsecret"), std::string::npos) << a.status();
  }
  EXPECT_NE(std::string(ParseRedisUrl("rediss://h").status().message()).find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace hub::cluster
