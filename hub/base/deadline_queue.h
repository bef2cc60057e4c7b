// Many waiters that share one timeout, with one timer: what a per-object
// timer would do for each of a shard's connections (the Socket.IO connect
// timeout, the Engine.IO heartbeat), for a list hook and a time point each.
// Every waiter of a queue waits the same time, so the order they are armed in
// is the order their deadlines pass in, and a FIFO list replaces the timer
// heap. An Asio timer costs 120 bytes plus a ~130-byte pending wait, on
// connections that are mostly idle.
//
// Not thread-safe: one queue per shard, used on the shard's thread.
#pragma once

#include <chrono>

#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/intrusive/list.hpp"

namespace hub {

class DeadlineQueue {
 public:
  // Embedded in what waits. A waiter is in at most one queue at a time, and
  // leaves it when disarmed, re-armed, or destroyed.
  class Waiter : public boost::intrusive::list_base_hook<
                     boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
   public:
    virtual ~Waiter() = default;
    // The deadline passed; the waiter is already disarmed, and may arm again
    // or be destroyed here.
    virtual void OnDeadline() = 0;
    void DisarmDeadline() { unlink(); }
    bool deadline_armed() const { return is_linked(); }

   private:
    friend class DeadlineQueue;
    std::chrono::steady_clock::time_point deadline_;
  };

  DeadlineQueue(boost::asio::any_io_executor executor, std::chrono::milliseconds timeout);
  ~DeadlineQueue();
  DeadlineQueue(const DeadlineQueue&) = delete;
  DeadlineQueue& operator=(const DeadlineQueue&) = delete;

  // Arms `waiter` for now + timeout, leaving whichever queue it was in.
  void Arm(Waiter& waiter);
  bool empty() const { return waiting_.empty(); }
  boost::asio::any_io_executor executor() { return timer_.get_executor(); }

 private:
  void Wait();
  void OnTimer();

  const std::chrono::milliseconds timeout_;
  boost::asio::steady_timer timer_;
  bool timer_pending_ = false;
  boost::intrusive::list<Waiter, boost::intrusive::constant_time_size<false>> waiting_;
};

}  // namespace hub
