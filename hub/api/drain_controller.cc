#include "hub/api/drain_controller.h"

namespace hub::api {

void DrainController::RequestFromRpc(std::chrono::milliseconds grace, std::string reason,
                                     std::function<void(uint64_t)> done) {
  std::unique_lock lock(mu_);
  if (result_) {
    const uint64_t result = *result_;
    lock.unlock();
    done(result);
    return;
  }
  waiters_.push_back(std::move(done));
  if (!request_) {
    request_ = Request{grace.count() == 0 ? default_grace_ : grace, std::move(reason)};
    requested_cv_.notify_all();
  }
}

bool DrainController::RequestFromSignal(std::string reason) {
  std::lock_guard lock(mu_);
  if (request_) return false;
  request_ = Request{default_grace_, std::move(reason)};
  requested_cv_.notify_all();
  return true;
}

bool DrainController::requested() const {
  std::lock_guard lock(mu_);
  return request_.has_value();
}

DrainController::Request DrainController::Wait() {
  std::unique_lock lock(mu_);
  requested_cv_.wait(lock, [this] { return request_.has_value(); });
  return *request_;
}

void DrainController::Complete(uint64_t sockets_disconnected) {
  std::vector<std::function<void(uint64_t)>> waiters;
  {
    std::lock_guard lock(mu_);
    result_ = sockets_disconnected;
    waiters.swap(waiters_);
  }
  for (auto& done : waiters) done(sockets_disconnected);
}

}  // namespace hub::api
