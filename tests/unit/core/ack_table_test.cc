#include "hub/core/ack_table.h"

#include <map>

#include "gtest/gtest.h"

namespace hub::core {
namespace {

std::map<std::string, AckOutcome> Outcomes(const std::vector<AckReply>& replies) {
  std::map<std::string, AckOutcome> out;
  for (const auto& r : replies) out[r.socket_id] = r.outcome;
  return out;
}

TEST(AckTableTest, CompletesWhenEverySocketSettles) {
  AckTable table;
  std::vector<AckReply> result;
  int calls = 0;
  table.Expect(7, {"a", "b", "c"}, [&](std::vector<AckReply> replies) {
    ++calls;
    result = std::move(replies);
  });
  EXPECT_TRUE(table.Resolve("a", 7, {"1", "\"x\""}, {}));
  table.OnDisconnect("b");
  EXPECT_EQ(calls, 0);
  table.Expire(7);
  ASSERT_EQ(calls, 1);
  EXPECT_EQ(Outcomes(result), (std::map<std::string, AckOutcome>{{"a", AckOutcome::kOk},
                                                                  {"b", AckOutcome::kDisconnected},
                                                                  {"c", AckOutcome::kTimeout}}));
  for (const auto& r : result) {
    if (r.socket_id == "a") {
      EXPECT_EQ(r.args, (std::vector<std::string>{"1", "\"x\""}));
    }
  }
  EXPECT_EQ(table.pending_requests(), 0u);
}

TEST(AckTableTest, FirstAnswerWinsAndStrangersAreIgnored) {
  AckTable table;
  int calls = 0;
  table.Expect(1, {"a", "b"}, [&](std::vector<AckReply>) { ++calls; });
  EXPECT_TRUE(table.Resolve("a", 1, {}, {}));
  EXPECT_FALSE(table.Resolve("a", 1, {}, {}));   // duplicate
  EXPECT_FALSE(table.Resolve("z", 1, {}, {}));   // not asked
  EXPECT_FALSE(table.Resolve("b", 99, {}, {}));  // unknown id
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(table.Resolve("b", 1, {}, {"bin"}));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(table.Resolve("b", 1, {}, {}));  // late
}

TEST(AckTableTest, EmptySelectionCompletesAtOnce) {
  AckTable table;
  int calls = 0;
  table.Expect(3, {}, [&](std::vector<AckReply> replies) {
    ++calls;
    EXPECT_TRUE(replies.empty());
  });
  EXPECT_EQ(calls, 1);
}

TEST(AckTableTest, DisconnectSettlesEveryRequestOfTheSocket) {
  AckTable table;
  int done = 0;
  table.Expect(1, {"a"}, [&](std::vector<AckReply> r) {
    EXPECT_EQ(r[0].outcome, AckOutcome::kDisconnected);
    ++done;
  });
  table.Expect(2, {"a", "b"}, [&](std::vector<AckReply>) { ++done; });
  table.OnDisconnect("a");
  EXPECT_EQ(done, 1);
  table.SettleAll(AckOutcome::kDisconnected);
  EXPECT_EQ(done, 2);
  EXPECT_EQ(table.pending_requests(), 0u);
}

TEST(AckTableTest, ExpireAfterCompletionIsHarmless) {
  AckTable table;
  int calls = 0;
  table.Expect(5, {"a"}, [&](std::vector<AckReply>) { ++calls; });
  table.Resolve("a", 5, {}, {});
  table.Expire(5);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace hub::core
