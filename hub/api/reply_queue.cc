#include "hub/api/reply_queue.h"

#include <memory>

#include "grpc/support/time.h"
#include "grpcpp/alarm.h"

namespace hub::api {

ReplyQueue::~ReplyQueue() {
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
  // Due at once: gRPC runs the callback on one of its own threads. This
  // thread keeps the alarm until Set has returned, the callback until it has
  // run; the last of the two frees it (gRPC holds its own reference to the
  // timer while the callback runs).
  auto alarm = std::make_shared<grpc::Alarm>();
  alarm->Set(gpr_inf_past(GPR_CLOCK_MONOTONIC), [this, alarm](bool /*fired*/) mutable {
    // Not fired only when gRPC shuts down; the tasks run anyway: a call
    // ends only once it is finished, cancelled or not.
    RunBatch();
    alarm.reset();
    std::lock_guard lock(mu_);
    if (--running_ == 0) idle_.notify_all();
  });
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
