#include "hub/core/batched_emit_stream.h"

#include <deque>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hub/base/random_id.h"

namespace hub::core {
namespace {

// Shards whose tasks run only when the test says so, and which log every
// delivery as "<shard>:<event>".
class FakeShards : public ShardDelivery {
 public:
  explicit FakeShards(size_t count) : tasks_(count) {}

  size_t shards() const override { return tasks_.size(); }
  void PostToShard(size_t shard, std::function<void()> task) override {
    tasks_[shard].push_back(std::move(task));
  }
  EmitToResult EmitToOnShard(size_t shard, const Emit& emit, std::vector<std::string>& ids) override {
    log.push_back(std::to_string(shard) + ":" + emit.event);
    if (on_deliver) on_deliver();
    EmitToResult result;
    for (auto& id : ids) {
      if (gone.count(id) > 0) {
        result.missing.push_back(id);
      } else {
        ++result.recipients;
      }
    }
    return result;
  }
  uint64_t BroadcastOnShard(size_t shard, const Selection&, const Emit& emit, bool) override {
    log.push_back(std::to_string(shard) + ":" + emit.event);
    if (on_deliver) on_deliver();
    return 10 + shard;
  }

  size_t posted(size_t shard) const { return tasks_[shard].size(); }
  // Runs the oldest task of `shard`.
  void RunOne(size_t shard) {
    ASSERT_FALSE(tasks_[shard].empty());
    auto task = std::move(tasks_[shard].front());
    tasks_[shard].pop_front();
    task();
  }

  std::vector<std::string> log;
  std::set<std::string> gone;  // ids that are not connected
  std::function<void()> on_deliver;

 private:
  std::vector<std::deque<std::function<void()>>> tasks_;
};

SharedEmit Named(const std::string& event) {
  auto emit = std::make_shared<Emit>();
  emit->event = event;
  return emit;
}

StreamEmit To(std::vector<std::string> ids, const std::string& event) {
  StreamEmit item;
  item.emit = Named(event);
  item.socket_ids = std::move(ids);
  return item;
}

StreamEmit ToAll(const std::string& event) {
  StreamEmit item;
  item.emit = Named(event);
  item.selection = Selection{};
  return item;
}

struct Totals {
  uint64_t reports = 0;
  uint64_t emits = 0;
  uint64_t recipients = 0;
  uint64_t unreached = 0;
  std::vector<uint64_t> fanouts;
};

class BatchedEmitStreamTest : public ::testing::Test {
 protected:
  std::shared_ptr<BatchedEmitStream> Open(FakeShards& shards) {
    return std::make_shared<BatchedEmitStream>(shards, [this](const StreamReport& report) {
      ++totals.reports;
      totals.emits += report.emits;
      totals.recipients += report.recipients;
      totals.unreached += report.unreached;
      for (uint64_t f : report.broadcast_fanouts) totals.fanouts.push_back(f);
    });
  }
  Totals totals;
};

TEST_F(BatchedEmitStreamTest, OneTaskPerShardCarriesEverythingPushedMeanwhile) {
  FakeShards shards(1);
  RandomIdGenerator ids(0);
  const std::string a = ids.Next();
  auto stream = Open(shards);
  stream->Push(To({a}, "e1"));
  stream->Push(ToAll("b2"));
  stream->Push(To({a}, "e3"));
  EXPECT_EQ(shards.posted(0), 1u) << "one task for the whole batch";
  shards.RunOne(0);
  EXPECT_EQ(shards.log, (std::vector<std::string>{"0:e1", "0:b2", "0:e3"}));
  EXPECT_EQ(totals.reports, 1u) << "one report per batch";
  EXPECT_EQ(totals.emits, 3u);
  EXPECT_EQ(totals.recipients, 12u);  // 1 + 10 + 1
  EXPECT_EQ(totals.fanouts, (std::vector<uint64_t>{10}));
  EXPECT_EQ(shards.posted(0), 0u) << "nothing left: no task";
  stream->Push(To({a}, "e4"));
  EXPECT_EQ(shards.posted(0), 1u);
  shards.RunOne(0);
  EXPECT_EQ(shards.log.back(), "0:e4");
  EXPECT_EQ(totals.emits, 4u);
}

TEST_F(BatchedEmitStreamTest, EmitsPushedDuringABatchFollowItInOrder) {
  FakeShards shards(1);
  RandomIdGenerator ids(0);
  const std::string a = ids.Next();
  auto stream = Open(shards);
  int pushed = 0;
  // The gRPC thread keeps pushing (two emits per delivery) while the shard
  // delivers.
  shards.on_deliver = [&] {
    for (int i = 0; i < 2 && pushed < 6; ++i) stream->Push(To({a}, "late" + std::to_string(++pushed)));
  };
  stream->Push(To({a}, "first"));
  int tasks = 0;
  while (shards.posted(0) > 0) {
    EXPECT_EQ(shards.posted(0), 1u) << "never more than one task in flight";
    shards.RunOne(0);
    ++tasks;
  }
  EXPECT_EQ(tasks, 3) << "first; late1-2; late3-6";
  EXPECT_EQ(shards.log, (std::vector<std::string>{"0:first", "0:late1", "0:late2", "0:late3", "0:late4",
                                                  "0:late5", "0:late6"}));
  EXPECT_EQ(totals.emits, 7u);
  EXPECT_EQ(totals.reports, 3u);
}

TEST_F(BatchedEmitStreamTest, LargeBatchesYieldTheShardBetweenSlices) {
  FakeShards shards(1);
  RandomIdGenerator ids(0);
  const std::string a = ids.Next();
  auto stream = Open(shards);
  const size_t total = BatchedEmitStream::kMaxEmitsPerTask + 10;
  for (size_t i = 0; i < total; ++i) stream->Push(To({a}, std::to_string(i)));
  EXPECT_EQ(shards.posted(0), 1u);
  shards.RunOne(0);
  EXPECT_EQ(totals.emits, BatchedEmitStream::kMaxEmitsPerTask);
  EXPECT_EQ(shards.posted(0), 1u) << "the rest in the next task";
  stream->Push(To({a}, "after"));
  EXPECT_EQ(shards.posted(0), 1u) << "still one task in flight";
  shards.RunOne(0);
  shards.RunOne(0);
  EXPECT_EQ(totals.emits, total + 1);
  ASSERT_EQ(shards.log.size(), total + 1);
  for (size_t i = 0; i < total; ++i) EXPECT_EQ(shards.log[i], "0:" + std::to_string(i));
  EXPECT_EQ(shards.log.back(), "0:after");
}

TEST_F(BatchedEmitStreamTest, EachShardKeepsThePushOrderOfItsSockets) {
  FakeShards shards(2);
  RandomIdGenerator ids0(0);
  RandomIdGenerator ids1(1);
  const std::string a = ids0.Next();
  const std::string b = ids1.Next();
  auto stream = Open(shards);
  stream->Push(To({a}, "a1"));
  stream->Push(To({b}, "b1"));
  stream->Push(ToAll("all"));
  stream->Push(To({b}, "b2"));
  stream->Push(To({a}, "a2"));
  EXPECT_EQ(shards.posted(0), 1u);
  EXPECT_EQ(shards.posted(1), 1u);
  shards.RunOne(1);
  shards.RunOne(0);
  EXPECT_EQ(shards.log, (std::vector<std::string>{"1:b1", "1:all", "1:b2", "0:a1", "0:all", "0:a2"}));
  EXPECT_EQ(totals.emits, 5u);
}

TEST_F(BatchedEmitStreamTest, ASplitEmitIsReportedOnceByItsLastPart) {
  FakeShards shards(3);
  auto stream = Open(shards);
  stream->Push(ToAll("all"));
  shards.RunOne(0);
  shards.RunOne(2);
  // Nothing yet: a report of the parts already delivered could reach the
  // caller after the last part's report, once it has ended the stream.
  EXPECT_EQ(totals.reports, 0u) << "one shard still delivering";
  shards.RunOne(1);
  EXPECT_EQ(totals.reports, 1u);
  EXPECT_EQ(totals.emits, 1u);
  EXPECT_EQ(totals.recipients, 33u);
  EXPECT_EQ(totals.fanouts, (std::vector<uint64_t>{33}));
}

TEST_F(BatchedEmitStreamTest, NoReportFollowsTheOneThatCompletesTheLastEmit) {
  FakeShards shards(2);
  RandomIdGenerator ids0(0);
  auto stream = Open(shards);
  // Shard 0's batch: a part of the broadcast, then an EmitTo; shard 1 holds
  // the broadcast's other part.
  stream->Push(ToAll("all"));
  stream->Push(To({ids0.Next()}, "one"));
  shards.RunOne(1);  // the broadcast's part on shard 1: not the last
  EXPECT_EQ(totals.reports, 0u);
  shards.RunOne(0);  // completes the broadcast and the EmitTo
  EXPECT_EQ(totals.reports, 1u);
  EXPECT_EQ(totals.emits, 2u);
  EXPECT_EQ(totals.recipients, 10u + 11u + 1u);
}

TEST_F(BatchedEmitStreamTest, EmitToAcrossShardsCountsMissingIdsEverywhere) {
  FakeShards shards(2);
  RandomIdGenerator ids0(0);
  RandomIdGenerator ids1(1);
  const std::string a = ids0.Next();
  const std::string b = ids1.Next();
  shards.gone = {a, b};
  auto stream = Open(shards);
  // Every id missing (one of them no shard issued): unreached.
  stream->Push(To({a, b, "not-an-id"}, "none"));
  shards.RunOne(0);
  shards.RunOne(1);
  EXPECT_EQ(totals.emits, 1u);
  EXPECT_EQ(totals.unreached, 1u);
  // One id found: reached.
  const std::string c = ids1.Next();
  stream->Push(To({a, c, "not-an-id"}, "some"));
  shards.RunOne(0);
  shards.RunOne(1);
  EXPECT_EQ(totals.emits, 2u);
  EXPECT_EQ(totals.unreached, 1u);
  EXPECT_EQ(totals.recipients, 1u);
  // A single shard with an unroutable id beside the missing one.
  stream->Push(To({a, "not-an-id"}, "one-shard"));
  EXPECT_EQ(shards.posted(0), 1u);
  EXPECT_EQ(shards.posted(1), 0u);
  shards.RunOne(0);
  EXPECT_EQ(totals.unreached, 2u);
}

TEST_F(BatchedEmitStreamTest, EveryPartOfASplitEmitToCarriesTheEmit) {
  FakeShards shards(3);
  RandomIdGenerator ids0(0);
  RandomIdGenerator ids2(2);
  auto stream = Open(shards);
  // Ids in descending shard order.
  stream->Push(To({ids2.Next(), ids0.Next()}, "both"));
  shards.RunOne(2);
  shards.RunOne(0);
  EXPECT_EQ(shards.log, (std::vector<std::string>{"2:both", "0:both"}));
  EXPECT_EQ(totals.emits, 1u);
  EXPECT_EQ(totals.recipients, 2u);
}

TEST_F(BatchedEmitStreamTest, IdsNoShardIssuedAreReportedAtOnce) {
  FakeShards shards(2);
  auto stream = Open(shards);
  stream->Push(To({"x", "y"}, "nowhere"));
  EXPECT_EQ(shards.posted(0) + shards.posted(1), 0u);
  EXPECT_EQ(totals.emits, 1u);
  EXPECT_EQ(totals.unreached, 1u);
  EXPECT_TRUE(shards.log.empty());
}

}  // namespace
}  // namespace hub::core
