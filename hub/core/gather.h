// Completion by countdown: a command posts one task per shard; each shard
// writes its own result slot, and the last one to finish runs `done` with
// every slot. No shard waits on another and nothing holds a lock.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace hub::core {

template <typename Result>
class Gather {
 public:
  using Done = std::function<void(std::vector<Result>&)>;

  static std::shared_ptr<Gather> Create(size_t slots, Done done) {
    return std::shared_ptr<Gather>(new Gather(slots, std::move(done)));
  }

  // Called once per slot, from any thread.
  void Complete(size_t slot, Result result) {
    results_[slot] = std::move(result);
    // acq_rel: the last finisher sees every other slot's write.
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_(results_);
  }

 private:
  Gather(size_t slots, Done done)
      : results_(slots), remaining_(static_cast<int64_t>(slots)), done_(std::move(done)) {}

  std::vector<Result> results_;
  std::atomic<int64_t> remaining_;
  Done done_;
};

}  // namespace hub::core
