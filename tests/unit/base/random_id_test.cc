#include "hub/base/random_id.h"

#include <set>

#include "gtest/gtest.h"

namespace hub {
namespace {

TEST(RandomIdTest, IdsCarryTheirShard) {
  for (int shard : {0, 1, 7, 63, 64, 200}) {
    RandomIdGenerator ids(shard);
    const std::string id = ids.Next();
    EXPECT_EQ(id.size(), kRandomIdLength);
    ASSERT_TRUE(ShardOfId(id).has_value());
    EXPECT_EQ(*ShardOfId(id), shard);
  }
}

TEST(RandomIdTest, IdsAreDistinct) {
  RandomIdGenerator ids(0);
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(ids.Next()).second);
}

TEST(RandomIdTest, ForeignIdsHaveNoShard) {
  EXPECT_FALSE(ShardOfId("").has_value());
  EXPECT_FALSE(ShardOfId("short").has_value());
  EXPECT_FALSE(ShardOfId("AAAAAAAAAAAAAAAAAAA!").has_value());
  EXPECT_FALSE(ShardOfId("AAAAAAAAAAAAAAAAAAAAA").has_value());
}

}  // namespace
}  // namespace hub
