#include "hub/engineio/batched_sender.h"

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "hub/engineio/send_gathered.h"

#ifdef HUB_HAVE_LIBURING
#include <liburing.h>
#endif

namespace hub::engineio {
namespace {

// Writes writes[from, end) one system call each, as the unbatched path does.
void SendEachDirectly(std::vector<BatchedWrite>& writes, size_t from, const std::vector<iovec>& iov) {
  for (size_t i = from; i < writes.size(); ++i) {
    BatchedWrite& write = writes[i];
    write.result = SendGathered(write.fd, &iov[write.iov_offset], write.iov_count);
  }
}

}  // namespace

#ifdef HUB_HAVE_LIBURING

struct BatchedSender::Ring {
  io_uring ring{};
};

absl::StatusOr<std::unique_ptr<BatchedSender>> BatchedSender::Create(unsigned entries) {
  auto ring = std::make_unique<Ring>();
  const int error = io_uring_queue_init(entries, &ring->ring, 0);
  if (error < 0) {
    return absl::UnavailableError(absl::StrCat("io_uring_queue_init: ", std::strerror(-error)));
  }
  return std::unique_ptr<BatchedSender>(new BatchedSender(std::move(ring)));
}

BatchedSender::~BatchedSender() {
  if (ring_) io_uring_queue_exit(&ring_->ring);
}

int BatchedSender::Submit(unsigned wait_for) {
  if (fail_after_ == 0) return fail_error_;
  if (fail_after_ > 0) --fail_after_;
  return io_uring_submit_and_wait(&ring_->ring, wait_for);
}

void BatchedSender::Abandon(int error) {
  failure_ = absl::UnavailableError(absl::StrCat("io_uring_enter: ", std::strerror(-error)));
  io_uring_queue_exit(&ring_->ring);
  ring_.reset();
}

void BatchedSender::Send(std::vector<BatchedWrite>& writes, const std::vector<iovec>& iov) {
  if (!ring_) {
    SendEachDirectly(writes, 0, iov);
    return;
  }
  headers_.resize(writes.size());
  // Overwritten by each write's completion or direct send; left only for a
  // request the kernel took but never completed, which MSG_DONTWAIT sends
  // do not leave.
  for (BatchedWrite& write : writes) write.result = -ECANCELED;
  size_t next = 0;      // the next write to submit
  size_t finished = 0;  // writes whose result is in
  while (finished < writes.size()) {
    unsigned submitted = 0;
    for (; next < writes.size(); ++next, ++submitted) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
      if (sqe == nullptr) break;  // the submission queue is full: these first
      const BatchedWrite& write = writes[next];
      if (write.iov_count == 1) {
        const iovec& buffer = iov[write.iov_offset];
        io_uring_prep_send(sqe, write.fd, buffer.iov_base, buffer.iov_len, kSendFlags);
      } else {
        msghdr& header = headers_[next];
        header = msghdr{};
        header.msg_iov = const_cast<iovec*>(&iov[write.iov_offset]);
        header.msg_iovlen = write.iov_count;
        io_uring_prep_sendmsg(sqe, write.fd, &header, kSendFlags);
      }
      io_uring_sqe_set_data64(sqe, next);
    }
    // MSG_DONTWAIT sends complete while being submitted; should one still
    // be outstanding, wait for it rather than spin.
    const unsigned wait_for = submitted > 0 ? submitted : 1;
    int error = Submit(wait_for);
    while (error == -EINTR) error = Submit(1);
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_->ring, head, cqe) {
      writes[io_uring_cqe_get_data64(cqe)].result = cqe->res;
      ++seen;
    }
    io_uring_cq_advance(&ring_->ring, seen);
    finished += seen;
    if (seen == 0 && error < 0) {
      // The kernel took nothing more. Every request it took has completed
      // (MSG_DONTWAIT); the last `untaken` queued ones it never saw.
      const size_t untaken = io_uring_sq_ready(&ring_->ring);
      Abandon(error);
      SendEachDirectly(writes, next - untaken, iov);
      return;
    }
  }
}

#else  // !HUB_HAVE_LIBURING

struct BatchedSender::Ring {};

absl::StatusOr<std::unique_ptr<BatchedSender>> BatchedSender::Create(unsigned) {
  return absl::UnimplementedError("built without liburing");
}

BatchedSender::~BatchedSender() = default;

int BatchedSender::Submit(unsigned) { return -ENOSYS; }

void BatchedSender::Abandon(int) {}

void BatchedSender::Send(std::vector<BatchedWrite>& writes, const std::vector<iovec>& iov) {
  SendEachDirectly(writes, 0, iov);
}

#endif

BatchedSender::BatchedSender(std::unique_ptr<Ring> ring) : ring_(std::move(ring)) {}

}  // namespace hub::engineio
