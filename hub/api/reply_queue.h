// Runs the completion of RPCs (building the response, reactor Finish or a
// stream's next read) on a gRPC-owned thread instead of the shard thread
// whose command produced the result.
//
// A reactor operation started outside gRPC's threads runs gRPC's whole
// execution context on the caller: the HTTP/2 framing and the response's
// send() would be paid by the shard, once per RPC. Here the shards only
// queue a task; the first task of a batch sets a grpc::Alarm that is already
// due (the callback API's way to get onto a gRPC thread), and its callback
// runs every task queued by then, so gRPC flushes all those responses at the
// end of one callback, most often in one write per connection.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace hub::api {

class ReplyQueue {
 public:
  ReplyQueue() = default;
  // Waits for a batch that is still running: its tasks reference services
  // destroyed after this queue.
  ~ReplyQueue();
  ReplyQueue(const ReplyQueue&) = delete;
  ReplyQueue& operator=(const ReplyQueue&) = delete;

  // Runs `task` soon on a gRPC thread. Any thread.
  void Run(std::function<void()> task);
  // Returns once no batch is running. After grpc::Server::Wait every task
  // has run, but the gRPC threads that ran them may still be returning;
  // waiting here orders them before the server is freed.
  void AwaitIdle();

  // `fn`, called with its result on a gRPC thread: wraps a core `done`
  // callback. The wrapper must be called at most once (as every `done` is).
  template <typename Result, typename Fn>
  std::function<void(Result)> OnGrpcThread(Fn fn) {
    return [this, fn = std::move(fn)](Result result) mutable {
      Run([fn = std::move(fn), result = std::move(result)]() mutable { fn(std::move(result)); });
    };
  }

 private:
  // On a gRPC thread: runs the tasks queued so far.
  void RunBatch();

  std::mutex mu_;
  std::condition_variable idle_;
  std::vector<std::function<void()>> pending_;
  bool armed_ = false;  // an alarm is set and has not taken the batch yet
  int running_ = 0;     // alarm callbacks not yet returned
};

}  // namespace hub::api
