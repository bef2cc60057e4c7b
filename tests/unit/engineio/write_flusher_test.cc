// WriteFlusher: one Flush per requested target per round, and pacing after
// long rounds (lower bounds and caps only, so a slow machine cannot fail it).
#include "hub/engineio/write_flusher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "tests/unit/engineio/socket_pair.h"

namespace hub::engineio {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct CountingTarget : FlushTarget, std::enable_shared_from_this<CountingTarget> {
  int flushes = 0;
  size_t frames_per_flush = 1;
  std::vector<Clock::time_point> started;
  Clock::duration busy{0};
  std::function<void()> after;
  size_t Flush() override {
    ++flushes;
    started.push_back(Clock::now());
    const auto until = Clock::now() + busy;
    while (Clock::now() < until) {
    }
    if (after) after();
    return frames_per_flush;
  }
};

// Has `target` request another round from inside each Flush until it has
// been flushed `times` times.
void RequestAgainUntil(const std::shared_ptr<WriteFlusher>& flusher,
                       const std::shared_ptr<CountingTarget>& target, int times) {
  target->after = [flusher, raw = target.get(), times] {
    if (raw->flushes < times) flusher->Request(raw->shared_from_this());
  };
}

TEST(WriteFlusherTest, EveryTargetRequestedInATurnIsFlushedOnceInOneRound) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{});
  auto a = std::make_shared<CountingTarget>();
  auto b = std::make_shared<CountingTarget>();
  // Work already queued on the shard runs before the round, so frames it
  // queues leave in the same writes.
  bool earlier_work_ran_first = false;
  boost::asio::post(io, [&] { earlier_work_ran_first = a->flushes == 0; });
  flusher->Request(a);
  flusher->Request(b);
  EXPECT_EQ(a->flushes, 0);  // never inside Request
  io.run_for(1s);
  EXPECT_TRUE(earlier_work_ran_first);
  EXPECT_EQ(a->flushes, 1);
  EXPECT_EQ(b->flushes, 1);
}

TEST(WriteFlusherTest, ARequestDuringARoundGoesToTheNextRound) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 0});
  auto target = std::make_shared<CountingTarget>();
  RequestAgainUntil(flusher, target, 3);
  flusher->Request(target);
  io.run_for(1s);
  EXPECT_EQ(target->flushes, 3);
}

TEST(WriteFlusherTest, ALongRoundThatGatheredFramesDelaysTheNextByTheRatio) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 10s});
  auto target = std::make_shared<CountingTarget>();
  target->frames_per_flush = 3;
  target->busy = 30ms;
  Clock::time_point second_ended;
  target->after = [&] {
    if (target->flushes == 2) second_ended = Clock::now();
    if (target->flushes < 3) boost::asio::post(io, [&] { flusher->Request(target); });
  };
  flusher->Request(target);
  io.run_for(3s);
  ASSERT_EQ(target->flushes, 3);
  // The second round wrote several frames per target: the next waits.
  EXPECT_GE(target->started[2] - second_ended, 30ms);
}

TEST(WriteFlusherTest, RoundsWritingOneFramePerTargetAreNotHeldBack) {
  boost::asio::io_context io;
  // A pause of ratio × 30 ms would be 3 s, longer than the test runs.
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 100, .max_delay = 10s});
  std::vector<std::shared_ptr<CountingTarget>> targets;
  for (int i = 0; i < 4; ++i) {
    targets.push_back(std::make_shared<CountingTarget>());
    targets.back()->busy = 30ms;
  }
  for (size_t i = 0; i + 1 < targets.size(); ++i) {
    targets[i]->after = [&, i] { boost::asio::post(io, [&, i] { flusher->Request(targets[i + 1]); }); };
  }
  flusher->Request(targets[0]);
  io.run_for(2s);
  for (const auto& target : targets) EXPECT_EQ(target->flushes, 1);
}

TEST(WriteFlusherTest, TheDelayIsCappedAtMaxDelay) {
  boost::asio::io_context io;
  // Uncapped, a 2 ms round at ratio 10000 would hold the next one for 20 s.
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 10000, .max_delay = 30ms});
  auto target = std::make_shared<CountingTarget>();
  target->frames_per_flush = 2;
  target->busy = 2ms;
  RequestAgainUntil(flusher, target, 3);
  flusher->Request(target);
  io.run_for(2s);
  ASSERT_EQ(target->flushes, 3);
  EXPECT_GE(target->started[2] - target->started[1], 32ms);
}

TEST(WriteFlusherTest, ThePauseFollowsTheShareOfTargetsThatGatheredFrames) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 10s});
  auto single = std::make_shared<CountingTarget>();
  auto several = std::make_shared<CountingTarget>();
  several->frames_per_flush = 4;
  for (auto* target : {single.get(), several.get()}) target->busy = 10ms;
  flusher->Request(single);
  flusher->Request(several);
  io.run_for(2s);
  // One of two targets gathered frames: half the round's 20 ms or more.
  EXPECT_GE(flusher->last_pause(), 10ms);
  EXPECT_LT(flusher->last_pause(), 10s);

  // A target never written before is not a recent one: no probe either.
  auto fresh = std::make_shared<CountingTarget>();
  flusher->Request(fresh);
  io.restart();
  io.run_for(2s);
  EXPECT_EQ(flusher->last_pause(), Clock::duration::zero());
  EXPECT_FALSE(flusher->probing());
}

TEST(WriteFlusherTest, SingleFramesToRecentlyWrittenTargetsStartAProbe) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 10s});
  auto target = std::make_shared<CountingTarget>();
  target->busy = 10ms;
  RequestAgainUntil(flusher, target, 2);
  flusher->Request(target);
  io.run_for(2s);
  ASSERT_EQ(target->flushes, 2);
  // The first round found a target never written; the second one written a
  // round before, with one frame each time: the share that pausing could
  // help is unknown, so the flusher tries.
  EXPECT_TRUE(flusher->probing());
  EXPECT_GE(flusher->last_pause(), 10ms);
}

TEST(WriteFlusherTest, TargetsWrittenLessOftenThanHalfTheMaxDelayStartNoProbe) {
  boost::asio::io_context io;
  // A pause of at most 60 ms gathers two frames only for targets written
  // every 30 ms or more often; this one is written every 50 ms.
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 60ms});
  auto target = std::make_shared<CountingTarget>();
  bool ever_probed = false;
  target->after = [&] {
    ever_probed = ever_probed || flusher->probing();
    if (target->flushes < 5) {
      auto timer = std::make_shared<boost::asio::steady_timer>(io, 50ms);
      timer->async_wait([&, timer](const boost::system::error_code&) { flusher->Request(target); });
    }
  };
  flusher->Request(target);
  io.run_for(2s);
  ASSERT_EQ(target->flushes, 5);
  EXPECT_FALSE(ever_probed || flusher->probing());
}

TEST(WriteFlusherTest, AProbeThatGathersNothingEndsAndTheNextWaits) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 10s});
  auto target = std::make_shared<CountingTarget>();
  target->busy = 2ms;
  std::vector<bool> probing;  // after each round
  target->after = [&] {
    if (target->flushes > 1) probing.push_back(flusher->probing());
    if (target->flushes < 60) boost::asio::post(io, [&] { flusher->Request(target); });
  };
  flusher->Request(target);
  io.run_for(5s);
  ASSERT_EQ(target->flushes, 60);
  // About 25 rounds of 4 ms (2 ms writing, 2 ms paused) probe for 100 ms,
  // then rounds of 2 ms run unpaused through the 100 ms back-off.
  const auto first_on = std::find(probing.begin(), probing.end(), true);
  ASSERT_NE(first_on, probing.end());
  const auto first_off = std::find(first_on, probing.end(), false);
  ASSERT_NE(first_off, probing.end()) << "a probe that gathers nothing must end";
  // Right after, the next probe waits for its back-off.
  ASSERT_NE(first_off + 1, probing.end());
  EXPECT_FALSE(*(first_off + 1));
}

TEST(WriteFlusherTest, AProbeWhosePausesGatherFramesGoesOn) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 10s});
  auto sparse = std::make_shared<CountingTarget>();
  auto busy = std::make_shared<CountingTarget>();
  for (auto* target : {sparse.get(), busy.get()}) target->busy = 2ms;
  const auto started = Clock::now();
  busy->after = [&] {
    // Once the probe pauses, one of the two targets gathers frames: half the
    // round, enough to keep the probe going but not to start pacing alone.
    if (flusher->probing()) busy->frames_per_flush = 3;
    if (Clock::now() - started < 400ms) {
      boost::asio::post(io, [&] {
        flusher->Request(sparse);
        flusher->Request(busy);
      });
    }
  };
  flusher->Request(sparse);
  flusher->Request(busy);
  io.run_for(5s);
  EXPECT_EQ(busy->frames_per_flush, 3u);
  // Four times the probe's own length later, still probing.
  EXPECT_TRUE(flusher->probing());
}

TEST(WriteFlusherTest, ShortRoundsAreNotHeldBack) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 1.0, .max_delay = 10s});
  auto target = std::make_shared<CountingTarget>();
  target->frames_per_flush = 2;  // pacing engaged: each round paces the next
  RequestAgainUntil(flusher, target, 100);
  flusher->Request(target);
  // 100 rounds of next to nothing each: a round's own length is the only wait.
  io.run_for(2s);
  EXPECT_EQ(target->flushes, 100);
}

// A target whose write goes through the batch: one buffer to a socket.
struct BatchingTarget : FlushTarget {
  explicit BatchingTarget(int fd) : fd(fd) {}
  bool PrepareBatchedWrite(BatchedWrite& write, std::vector<iovec>& iov) override {
    ++prepared;
    write.fd = fd;
    write.iov_offset = iov.size();
    iov.push_back(iovec{text.data(), text.size()});
    write.iov_count = 1;
    write.parts.frames = 1;
    return true;
  }
  size_t CompleteBatchedWrite(const BatchedWrite& write) override {
    result = write.result;
    return write.parts.frames;
  }
  size_t Flush() override {
    ++flushes;
    return 0;
  }
  const int fd;
  std::string text = "frame";
  int prepared = 0;
  int flushes = 0;
  ssize_t result = 0;
};

TEST(WriteFlusherTest, ABatchedRoundWritesWhatTargetsPrepareAndFlushesTheOthers) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 0, .batch_writes = true});
  if (!flusher->batching()) GTEST_SKIP() << "io_uring unavailable here: " << flusher->batching_unavailable();
  SocketPair first_pair, second_pair;
  auto first = std::make_shared<BatchingTarget>(first_pair.writer());
  auto second = std::make_shared<BatchingTarget>(second_pair.writer());
  auto nothing_to_write = std::make_shared<CountingTarget>();
  flusher->Request(first);
  flusher->Request(nothing_to_write);
  flusher->Request(second);
  io.run_for(100ms);
  for (const auto& target : {first, second}) {
    EXPECT_EQ(target->prepared, 1);
    EXPECT_EQ(target->flushes, 0);
    EXPECT_EQ(target->result, 5);
  }
  EXPECT_EQ(first_pair.ReadAvailable(), "frame");
  EXPECT_EQ(second_pair.ReadAvailable(), "frame");
  EXPECT_EQ(nothing_to_write->flushes, 1);
  EXPECT_EQ(flusher->batched_writes(), 2u);
}

TEST(WriteFlusherTest, AfterARefusedSubmissionTheRoundIsWrittenAndLaterRoundsGoOneByOne) {
  boost::asio::io_context io;
  metrics::ShardGauge batching_shards;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 0, .batch_writes = true},
                                                &batching_shards);
  if (!flusher->batching()) GTEST_SKIP() << "io_uring unavailable here: " << flusher->batching_unavailable();
  EXPECT_EQ(batching_shards.Get(), 1);
  flusher->FailBatchingForTest(/*after=*/0, -ENOMEM);
  SocketPair pair;
  auto target = std::make_shared<BatchingTarget>(pair.writer());
  flusher->Request(target);
  io.run_for(100ms);
  EXPECT_EQ(target->prepared, 1);
  EXPECT_EQ(target->result, 5);
  EXPECT_EQ(pair.ReadAvailable(), "frame");
  EXPECT_FALSE(flusher->batching());
  EXPECT_THAT(flusher->batching_unavailable(), testing::HasSubstr("io_uring_enter"));
  EXPECT_EQ(batching_shards.Get(), 0);

  flusher->Request(target);
  io.restart();
  io.run_for(100ms);
  EXPECT_EQ(target->prepared, 1);
  EXPECT_EQ(target->flushes, 1);
}

TEST(WriteFlusherTest, ABatchingFlusherCountsInTheGaugeWhileItLives) {
  boost::asio::io_context io;
  metrics::ShardGauge batching_shards;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.batch_writes = true}, &batching_shards);
  EXPECT_EQ(batching_shards.Get(), flusher->batching() ? 1 : 0);
  flusher.reset();
  EXPECT_EQ(batching_shards.Get(), 0);
}

TEST(WriteFlusherTest, WithBatchingOffEveryTargetWritesThroughFlush) {
  boost::asio::io_context io;
  auto flusher = std::make_shared<WriteFlusher>(io, WriteFlushOptions{.pacing_ratio = 0, .batch_writes = false});
  EXPECT_FALSE(flusher->batching());
  SocketPair pair;
  auto target = std::make_shared<BatchingTarget>(pair.writer());
  flusher->Request(target);
  io.run_for(100ms);
  EXPECT_EQ(target->prepared, 0);
  EXPECT_EQ(target->flushes, 1);
  EXPECT_EQ(flusher->batched_writes(), 0u);
}

}  // namespace
}  // namespace hub::engineio
