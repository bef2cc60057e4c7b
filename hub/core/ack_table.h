// One shard's server → client acks in flight (EmitWithAck): which sockets
// still owe an answer to which ack id. Each request completes once every
// socket has acked, timed out or disconnected. Pure bookkeeping, no timers:
// the shard arms the timeout and calls Expire.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hub::core {

enum class AckOutcome { kOk, kTimeout, kDisconnected };

struct AckReply {
  std::string socket_id;
  AckOutcome outcome = AckOutcome::kTimeout;
  std::chrono::steady_clock::time_point settled_at;  // for ack latency
  std::vector<std::string> args;
  std::vector<std::string> attachments;
};

class AckTable {
 public:
  using Done = std::function<void(std::vector<AckReply>)>;

  // Awaits ack `ack_id` from each socket. `done` runs once, when the last one
  // settles (at once when `socket_ids` is empty). `ack_id` must be unused.
  void Expect(uint64_t ack_id, const std::vector<std::string>& socket_ids, Done done);
  // A client's answer. False when nothing awaited it (late, duplicate, forged).
  bool Resolve(const std::string& socket_id, uint64_t ack_id, std::vector<std::string> args,
               std::vector<std::string> attachments);
  // The socket is gone: every ack it owed settles as kDisconnected.
  void OnDisconnect(const std::string& socket_id);
  // The timeout of `ack_id` passed: whoever has not answered settles as kTimeout.
  void Expire(uint64_t ack_id);
  // Drain: every pending answer settles with `outcome`.
  void SettleAll(AckOutcome outcome);

  size_t pending_requests() const { return requests_.size(); }

 private:
  struct Request {
    std::vector<AckReply> replies;
    std::unordered_map<std::string, size_t> waiting;  // socket id -> index in replies
    Done done;
  };
  void Settle(uint64_t ack_id, const std::string& socket_id, AckOutcome outcome,
              std::vector<std::string> args, std::vector<std::string> attachments);
  void FinishIfSettled(uint64_t ack_id);

  std::unordered_map<uint64_t, Request> requests_;
  std::unordered_map<std::string, std::unordered_set<uint64_t>> by_socket_;
};

}  // namespace hub::core
