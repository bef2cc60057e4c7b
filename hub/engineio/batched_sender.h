// Sends one write per connection for a whole flush round in one system call
// (io_uring), instead of one send() per connection.
//
// Between two send() calls the shard runs its own bookkeeping for the next
// connection, and each call leaves the core's caches and predictors full of
// the kernel's send path, so that bookkeeping runs cold every time. Gathering
// the round's writes first, submitting them together and accounting for the
// results afterwards keeps both halves in tight loops (tests/bench/RESULTS.md,
// "Session 4: batched writes through io_uring"). The kernel's work per send
// is the same either way.
//
// Every send carries MSG_DONTWAIT: a full socket buffer completes at once
// with -EAGAIN on the shard's thread, as a non-blocking send() would, and
// never waits in a kernel worker.
//
// Should the kernel refuse a submission (io_uring_enter failing, as under
// memory pressure), the sender closes its ring and writes with sendmsg()
// from then on: the requests the kernel did not take would otherwise go out
// with the next submission, after their buffers were freed, and closing the
// ring is the only way to take them back.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::engineio {

// What a connection's write carries, as its writer counts it (control
// frames, then queued data frames), to account for the result.
struct WriteParts {
  size_t controls = 0;
  size_t frames = 0;
};

// One connection's write in a batch: its buffers are iov[iov_offset,
// iov_offset + iov_count) of the batch's iovec array.
struct BatchedWrite {
  int fd = -1;
  size_t iov_offset = 0;
  size_t iov_count = 0;
  WriteParts parts;
  // After Send: bytes written, or -errno.
  ssize_t result = 0;
};

class BatchedSender {
 public:
  // A sender for batches of up to `entries` writes per submission (larger
  // batches go in several). An error when this build lacks liburing or the
  // kernel refuses io_uring (old kernel, seccomp policy of a container
  // runtime); callers then send one write at a time.
  static absl::StatusOr<std::unique_ptr<BatchedSender>> Create(unsigned entries = 4096);
  ~BatchedSender();
  BatchedSender(const BatchedSender&) = delete;
  BatchedSender& operator=(const BatchedSender&) = delete;

  // Performs every write and fills in its result; returns when all are done.
  void Send(std::vector<BatchedWrite>& writes, const std::vector<iovec>& iov);

  // OK while the ring works; after a refused submission, why. From that
  // Send on, every write goes out with its own sendmsg().
  const absl::Status& failure() const { return failure_; }

  // Tests: the submission after the next `after` ones, and every one after
  // it, fail with `error` (a negative errno) before the kernel takes anything.
  void FailSubmissionsForTest(int after, int error) {
    fail_after_ = after;
    fail_error_ = error;
  }

 private:
  struct Ring;
  explicit BatchedSender(std::unique_ptr<Ring> ring);
  // io_uring_submit_and_wait, or the failure a test asked for.
  int Submit(unsigned wait_for);
  // Closes the ring after the kernel refused a submission with `error`.
  void Abandon(int error);

  std::unique_ptr<Ring> ring_;
  std::vector<msghdr> headers_;  // for the writes of several buffers
  absl::Status failure_;
  int fail_after_ = -1;  // -1: no test failure
  int fail_error_ = 0;
};

}  // namespace hub::engineio
