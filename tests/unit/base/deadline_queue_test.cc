#include "hub/base/deadline_queue.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"

namespace hub {
namespace {

using std::chrono::milliseconds;

struct Recorder : DeadlineQueue::Waiter {
  Recorder(std::string name, std::vector<std::string>& fired) : name(std::move(name)), fired(fired) {}
  void OnDeadline() override { fired.push_back(name); }
  std::string name;
  std::vector<std::string>& fired;
};

TEST(DeadlineQueueTest, FiresArmedWaitersInOrderOnly) {
  boost::asio::io_context io;
  DeadlineQueue deadlines(io.get_executor(), milliseconds(30));
  std::vector<std::string> fired;
  Recorder a("a", fired), b("b", fired), c("c", fired);
  auto gone = std::make_unique<Recorder>("gone", fired);
  deadlines.Arm(a);
  deadlines.Arm(*gone);
  deadlines.Arm(b);
  deadlines.Arm(c);
  b.DisarmDeadline();
  EXPECT_FALSE(b.deadline_armed());
  EXPECT_TRUE(a.deadline_armed());
  gone.reset();               // destroyed while armed: leaves the list
  io.run_for(milliseconds(500));
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(deadlines.empty());
}

TEST(DeadlineQueueTest, ReArmingMovesToTheBack) {
  boost::asio::io_context io;
  DeadlineQueue deadlines(io.get_executor(), milliseconds(20));
  std::vector<std::string> fired;
  Recorder a("a", fired), b("b", fired);
  deadlines.Arm(a);
  deadlines.Arm(b);
  deadlines.Arm(a);  // a's deadline is now after b's, and it fires once
  io.run_for(milliseconds(500));
  EXPECT_EQ(fired, (std::vector<std::string>{"b", "a"}));
}

TEST(DeadlineQueueTest, WaitersMayOutliveTheList) {
  boost::asio::io_context io;
  std::vector<std::string> fired;
  Recorder a("a", fired);
  {
    DeadlineQueue deadlines(io.get_executor(), milliseconds(10));
    deadlines.Arm(a);
  }
  a.DisarmDeadline();  // unlinked already: a no-op
  io.run_for(milliseconds(50));
  EXPECT_TRUE(fired.empty());
}

}  // namespace
}  // namespace hub
