#include "hub/engineio/batched_sender.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

namespace hub::engineio {
namespace {

// A connected stream socket pair, closed at the end of the test.
struct Pair {
  int ends[2] = {-1, -1};
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0); }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  ~Pair() {
    close(ends[0]);
    close(ends[1]);
  }
  int writer() const { return ends[0]; }
  std::string ReadAll() const {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = recv(ends[1], buffer, sizeof buffer, MSG_DONTWAIT)) > 0) out.append(buffer, static_cast<size_t>(n));
    return out;
  }
};

std::unique_ptr<BatchedSender> MakeSender(unsigned entries = 64) {
  auto sender = BatchedSender::Create(entries);
  if (!sender.ok()) return nullptr;
  return *std::move(sender);
}

iovec Buffer(const std::string& text) { return iovec{const_cast<char*>(text.data()), text.size()}; }

TEST(BatchedSenderTest, EveryWriteGoesOutWithItsByteCount) {
  auto sender = MakeSender();
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  const std::string a = "one", b = "two-", c = "three";
  Pair single, several;
  std::vector<iovec> iov = {Buffer(a), Buffer(a), Buffer(b), Buffer(c)};
  std::vector<BatchedWrite> writes(2);
  writes[0].fd = single.writer();
  writes[0].iov_offset = 0;
  writes[0].iov_count = 1;
  writes[1].fd = several.writer();
  writes[1].iov_offset = 1;
  writes[1].iov_count = 3;
  sender->Send(writes, iov);
  EXPECT_EQ(writes[0].result, 3);
  EXPECT_EQ(writes[1].result, 12);
  EXPECT_EQ(single.ReadAll(), "one");
  EXPECT_EQ(several.ReadAll(), "onetwo-three");  // in the order of the buffers
}

TEST(BatchedSenderTest, BatchesLargerThanTheRingGoInSeveralSubmissions) {
  auto sender = MakeSender(/*entries=*/2);
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  const std::string text = "frame";
  std::vector<Pair> pairs(7);
  std::vector<iovec> iov = {Buffer(text)};
  std::vector<BatchedWrite> writes(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    writes[i].fd = pairs[i].writer();
    writes[i].iov_count = 1;
  }
  sender->Send(writes, iov);
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(writes[i].result, 5) << i;
    EXPECT_EQ(pairs[i].ReadAll(), "frame") << i;
  }
}

TEST(BatchedSenderTest, AFullSocketAnswersEagainAtOnceAndABadOneItsError) {
  auto sender = MakeSender();
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  Pair full;
  const int small = 4096;
  setsockopt(full.writer(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  const std::string chunk(64 * 1024, 'x');
  std::vector<iovec> iov = {Buffer(chunk)};
  std::vector<BatchedWrite> writes(2);
  writes[0].fd = full.writer();
  writes[0].iov_count = 1;
  writes[1].fd = -1;  // not a descriptor
  writes[1].iov_count = 1;
  // Nobody reads: within a few writes the buffer is full, and a write that
  // would wait must come back at once with -EAGAIN rather than block.
  const auto start = std::chrono::steady_clock::now();
  bool saw_eagain = false;
  for (int i = 0; i < 100 && !saw_eagain; ++i) {
    sender->Send(writes, iov);
    ASSERT_TRUE(writes[0].result > 0 || writes[0].result == -EAGAIN) << writes[0].result;
    saw_eagain = writes[0].result == -EAGAIN;
    EXPECT_EQ(writes[1].result, -EBADF);
  }
  EXPECT_TRUE(saw_eagain);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace hub::engineio
