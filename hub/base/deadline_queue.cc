#include "hub/base/deadline_queue.h"

namespace hub {

DeadlineQueue::DeadlineQueue(boost::asio::any_io_executor executor, std::chrono::milliseconds timeout)
    : timeout_(timeout), timer_(executor) {}

// The list's destructor marks every remaining waiter unlinked, so waiters
// that outlive the queue leave nothing behind.
DeadlineQueue::~DeadlineQueue() = default;

void DeadlineQueue::Arm(Waiter& waiter) {
  waiter.unlink();
  waiter.deadline_ = std::chrono::steady_clock::now() + timeout_;
  waiting_.push_back(waiter);
  if (!timer_pending_) Wait();
}

void DeadlineQueue::Wait() {
  timer_pending_ = true;
  timer_.expires_at(waiting_.front().deadline_);
  // Only the destructor cancels this wait, so an aborted wait must not touch
  // `this`.
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    OnTimer();
  });
}

void DeadlineQueue::OnTimer() {
  timer_pending_ = false;
  const auto now = std::chrono::steady_clock::now();
  // Each waiter leaves the list before it is told, so its callback may arm
  // it again (at the back) or destroy it.
  while (!waiting_.empty() && waiting_.front().deadline_ <= now) {
    Waiter& expired = waiting_.front();
    waiting_.pop_front();
    expired.OnDeadline();
  }
  if (!waiting_.empty() && !timer_pending_) Wait();
}

}  // namespace hub
