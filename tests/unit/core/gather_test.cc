#include "hub/core/gather.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace hub::core {
namespace {

TEST(GatherTest, RunsDoneOnceWithEverySlot) {
  int calls = 0;
  std::vector<int> seen;
  auto gather = Gather<int>::Create(3, [&](std::vector<int>& results) {
    ++calls;
    seen = results;
  });
  gather->Complete(2, 30);
  gather->Complete(0, 10);
  EXPECT_EQ(calls, 0);
  gather->Complete(1, 20);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, (std::vector<int>{10, 20, 30}));
}

TEST(GatherTest, CompletesFromManyThreads) {
  constexpr int kSlots = 8;
  std::atomic<int> calls{0};
  int sum = 0;
  auto gather = Gather<int>::Create(kSlots, [&](std::vector<int>& results) {
    ++calls;
    for (int r : results) sum += r;
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < kSlots; ++i) threads.emplace_back([gather, i] { gather->Complete(i, i + 1); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(sum, kSlots * (kSlots + 1) / 2);
}

}  // namespace
}  // namespace hub::core
