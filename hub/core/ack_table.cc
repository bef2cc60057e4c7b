#include "hub/core/ack_table.h"

namespace hub::core {

void AckTable::Expect(uint64_t ack_id, const std::vector<std::string>& socket_ids, Done done) {
  Request request;
  request.done = std::move(done);
  request.replies.reserve(socket_ids.size());
  for (const auto& id : socket_ids) {
    if (request.waiting.emplace(id, request.replies.size()).second) {
      request.replies.push_back(AckReply{id, AckOutcome::kTimeout, {}, {}, {}});
      by_socket_[id].insert(ack_id);
    }
  }
  requests_.emplace(ack_id, std::move(request));
  FinishIfSettled(ack_id);
}

bool AckTable::Resolve(const std::string& socket_id, uint64_t ack_id, std::vector<std::string> args,
                       std::vector<std::string> attachments) {
  auto it = requests_.find(ack_id);
  if (it == requests_.end() || it->second.waiting.count(socket_id) == 0) return false;
  Settle(ack_id, socket_id, AckOutcome::kOk, std::move(args), std::move(attachments));
  FinishIfSettled(ack_id);
  return true;
}

void AckTable::OnDisconnect(const std::string& socket_id) {
  auto it = by_socket_.find(socket_id);
  if (it == by_socket_.end()) return;
  const std::vector<uint64_t> ack_ids(it->second.begin(), it->second.end());
  for (uint64_t ack_id : ack_ids) {
    Settle(ack_id, socket_id, AckOutcome::kDisconnected, {}, {});
    FinishIfSettled(ack_id);
  }
}

void AckTable::Expire(uint64_t ack_id) {
  auto it = requests_.find(ack_id);
  if (it == requests_.end()) return;
  std::vector<std::string> waiting;
  for (const auto& [socket_id, index] : it->second.waiting) waiting.push_back(socket_id);
  for (const auto& socket_id : waiting) Settle(ack_id, socket_id, AckOutcome::kTimeout, {}, {});
  FinishIfSettled(ack_id);
}

void AckTable::SettleAll(AckOutcome outcome) {
  std::vector<uint64_t> ack_ids;
  for (const auto& [ack_id, request] : requests_) ack_ids.push_back(ack_id);
  for (uint64_t ack_id : ack_ids) {
    auto it = requests_.find(ack_id);
    std::vector<std::string> waiting;
    for (const auto& [socket_id, index] : it->second.waiting) waiting.push_back(socket_id);
    for (const auto& socket_id : waiting) Settle(ack_id, socket_id, outcome, {}, {});
    FinishIfSettled(ack_id);
  }
}

void AckTable::Settle(uint64_t ack_id, const std::string& socket_id, AckOutcome outcome,
                      std::vector<std::string> args, std::vector<std::string> attachments) {
  auto it = requests_.find(ack_id);
  if (it == requests_.end()) return;
  auto waiting = it->second.waiting.find(socket_id);
  if (waiting == it->second.waiting.end()) return;
  AckReply& reply = it->second.replies[waiting->second];
  reply.outcome = outcome;
  reply.settled_at = std::chrono::steady_clock::now();
  reply.args = std::move(args);
  reply.attachments = std::move(attachments);
  it->second.waiting.erase(waiting);
  if (auto s = by_socket_.find(socket_id); s != by_socket_.end()) {
    s->second.erase(ack_id);
    if (s->second.empty()) by_socket_.erase(s);
  }
}

void AckTable::FinishIfSettled(uint64_t ack_id) {
  auto it = requests_.find(ack_id);
  if (it == requests_.end() || !it->second.waiting.empty()) return;
  Request request = std::move(it->second);
  requests_.erase(it);
  request.done(std::move(request.replies));
}

}  // namespace hub::core
