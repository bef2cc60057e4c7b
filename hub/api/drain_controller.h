// One drain for the whole process, whoever asks for it: SIGTERM/SIGINT or
// the Shutdown RPC. The main thread waits here for the first request, runs
// the drain, then completes every Shutdown call with the number of sockets
// that were disconnected. A second signal during a drain exits at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hub::api {

class DrainController {
 public:
  struct Request {
    std::chrono::milliseconds grace;
    std::string reason;
  };

  explicit DrainController(std::chrono::milliseconds default_grace) : default_grace_(default_grace) {}

  // From the Shutdown RPC. A grace of 0 means the configured default.
  // `done` runs with the socket count once connections are closed.
  void RequestFromRpc(std::chrono::milliseconds grace, std::string reason,
                      std::function<void(uint64_t)> done);
  // From a stop signal. Returns false when a drain was already requested.
  bool RequestFromSignal(std::string reason);
  bool requested() const;

  // Main thread: blocks until the first request.
  Request Wait();
  // Main thread: the connections are closed; answers every Shutdown call.
  void Complete(uint64_t sockets_disconnected);

 private:
  const std::chrono::milliseconds default_grace_;
  mutable std::mutex mu_;
  std::condition_variable requested_cv_;
  std::optional<Request> request_;
  std::optional<uint64_t> result_;
  std::vector<std::function<void(uint64_t)>> waiters_;
};

}  // namespace hub::api
