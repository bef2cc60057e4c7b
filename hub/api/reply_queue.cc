#include "hub/api/reply_queue.h"

#include <atomic>
#include <cstdint>

#include "grpc/support/time.h"
#include "grpcpp/alarm.h"

namespace hub::api {
namespace {

// Orders what Run builds before the alarm callback that reads it. gRPC's
// own hand-off between the two threads already does, but in code
// ThreadSanitizer does not see; this pair (one release, one acquire per
// batch) it does.
std::atomic<uint64_t> alarm_handoff{0};

}  // namespace

ReplyQueue::~ReplyQueue() { AwaitIdle(); }

void ReplyQueue::AwaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return running_ == 0; });
}

void ReplyQueue::Run(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(task));
    if (armed_) return;  // the alarm already set will take this task too
    armed_ = true;
    ++running_;
  }
  // Due at once: gRPC runs the callback on one of its own threads. The
  // callback deletes the alarm: gRPC holds its own reference to the timer
  // until the callback has returned, and Set no longer touches the alarm
  // once the timer is armed, so Set may still be returning here when that
  // happens. (Freed anywhere else, gRPC's last reference could be dropped
  // on a thread that did not run the callback, through a hand-off that
  // ThreadSanitizer cannot see.)
  auto* alarm = new grpc::Alarm();
  std::function<void(bool)> on_alarm = [this, alarm](bool /*fired*/) {
    alarm_handoff.load(std::memory_order_acquire);  // before anything Run built
    // Not fired only when gRPC shuts down; the tasks run anyway: a call
    // ends only once it is finished, cancelled or not.
    RunBatch();
    delete alarm;
    std::lock_guard lock(mu_);
    if (--running_ == 0) idle_.notify_all();
  };
  alarm_handoff.fetch_add(1, std::memory_order_release);
  alarm->Set(gpr_inf_past(GPR_CLOCK_MONOTONIC), std::move(on_alarm));
}

void ReplyQueue::RunBatch() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
    // Tasks queued from now on set a new alarm: this callback must return
    // for gRPC to flush what these tasks wrote.
    armed_ = false;
  }
  for (auto& task : batch) task();
}

}  // namespace hub::api
