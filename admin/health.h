// Liveness and readiness as the admin probes report them. Readiness is true
// only between "every listener is up" and "drain started".
#pragma once

#include <atomic>

namespace hub::admin {

class Health {
 public:
  void SetReady(bool ready) { ready_.store(ready); }
  bool ready() const { return ready_.load(); }

 private:
  std::atomic<bool> ready_{false};
};

}  // namespace hub::admin
