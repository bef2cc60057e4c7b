#include "hub/engineio/batched_sender.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "tests/unit/engineio/socket_pair.h"

namespace hub::engineio {
namespace {

std::unique_ptr<BatchedSender> MakeSender(unsigned entries = 64) {
  auto sender = BatchedSender::Create(entries);
  if (!sender.ok()) return nullptr;
  return *std::move(sender);
}

iovec Buffer(const std::string& text) { return iovec{const_cast<char*>(text.data()), text.size()}; }

// One write of the batch's first buffer to each of `pairs`.
std::vector<BatchedWrite> OneWriteEach(const std::vector<SocketPair>& pairs) {
  std::vector<BatchedWrite> writes(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    writes[i].fd = pairs[i].writer();
    writes[i].iov_count = 1;
  }
  return writes;
}

// Each of `pairs` got exactly "frame", and its write says 5 bytes.
void ExpectEachGotOneFrame(const std::vector<BatchedWrite>& writes, const std::vector<SocketPair>& pairs) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(writes[i].result, 5) << i;
    EXPECT_EQ(pairs[i].ReadAvailable(), "frame") << i;
  }
}

TEST(BatchedSenderTest, EveryWriteGoesOutWithItsByteCount) {
  auto sender = MakeSender();
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  const std::string a = "one", b = "two-", c = "three";
  SocketPair single, several;
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
  EXPECT_EQ(single.ReadAvailable(), "one");
  EXPECT_EQ(several.ReadAvailable(), "onetwo-three");  // in the order of the buffers
}

TEST(BatchedSenderTest, BatchesLargerThanTheRingGoInSeveralSubmissions) {
  auto sender = MakeSender(/*entries=*/2);
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  const std::string text = "frame";
  std::vector<SocketPair> pairs(7);
  std::vector<iovec> iov = {Buffer(text)};
  std::vector<BatchedWrite> writes = OneWriteEach(pairs);
  sender->Send(writes, iov);
  ExpectEachGotOneFrame(writes, pairs);
}

TEST(BatchedSenderTest, AFullSocketAnswersEagainAtOnceAndABadOneItsError) {
  auto sender = MakeSender();
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  SocketPair full;
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

TEST(BatchedSenderTest, AfterARefusedSubmissionEveryWriteGoesOutOnceThroughSendmsg) {
  auto sender = MakeSender(/*entries=*/2);
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  const std::string text = "frame";
  std::vector<iovec> iov = {Buffer(text)};
  std::vector<SocketPair> pairs(7);
  std::vector<BatchedWrite> writes = OneWriteEach(pairs);
  // Writes 0 and 1 go through the ring; the next submission is refused with
  // writes 2 and 3 queued in it and 4 to 6 not yet queued.
  sender->FailSubmissionsForTest(/*after=*/1, -EAGAIN);
  sender->Send(writes, iov);
  EXPECT_THAT(sender->failure().message(), testing::HasSubstr("io_uring_enter"));
  ExpectEachGotOneFrame(writes, pairs);
  // With the kernel willing again, the next batch still writes each once:
  // nothing refused before goes out a second time with it.
  sender->FailSubmissionsForTest(/*after=*/-1, 0);
  sender->Send(writes, iov);
  ExpectEachGotOneFrame(writes, pairs);
}

TEST(BatchedSenderTest, AFirstSubmissionRefusedSendsTheWholeBatchThroughSendmsg) {
  auto sender = MakeSender();
  if (!sender) GTEST_SKIP() << "io_uring unavailable here";
  const std::string text = "frame";
  std::vector<iovec> iov = {Buffer(text)};
  std::vector<SocketPair> pairs(3);
  std::vector<BatchedWrite> writes = OneWriteEach(pairs);
  writes.push_back(BatchedWrite{.fd = -1, .iov_offset = 0, .iov_count = 1, .parts = {}, .result = 0});
  sender->FailSubmissionsForTest(/*after=*/0, -ENOMEM);
  sender->Send(writes, iov);
  EXPECT_FALSE(sender->failure().ok());
  ExpectEachGotOneFrame(writes, pairs);
  EXPECT_EQ(writes.back().result, -EBADF);  // errors as the ring reports them
}

}  // namespace
}  // namespace hub::engineio
