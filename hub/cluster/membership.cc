#include "hub/cluster/membership.h"

namespace hub::cluster {

bool Membership::OnHeartbeat(const Heartbeat& heartbeat, Clock::time_point now) {
  if (heartbeat.uid == self_) return false;
  if (heartbeat.bye) {
    peers_.erase(heartbeat.uid);
    last_.erase(heartbeat.uid);
    return false;
  }
  const bool fresh = peers_.count(heartbeat.uid) == 0;
  peers_[heartbeat.uid] = now;
  last_[heartbeat.uid] = heartbeat;
  return fresh;
}

std::vector<std::string> Membership::Expire(Clock::time_point now) {
  std::vector<std::string> dead;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (now - it->second > dead_after_) {
      dead.push_back(it->first);
      last_.erase(it->first);
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  return dead;
}

std::vector<std::string> Membership::Peers() const {
  std::vector<std::string> out;
  for (const auto& [uid, seen] : peers_) out.push_back(uid);
  return out;
}

std::vector<std::string> Membership::Replicas() const {
  std::vector<std::string> out = Peers();
  out.insert(std::upper_bound(out.begin(), out.end(), self_), self_);
  return out;
}

std::string PickGroupOwner(const std::map<std::string, uint64_t>& members, std::string_view origin,
                           uint64_t seq) {
  uint64_t total = 0;
  for (const auto& [uid, count] : members) total += count;
  if (total == 0) return {};
  // FNV-1a: stable across replicas and builds, unlike std::hash.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (char c : origin) mix(static_cast<unsigned char>(c));
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(seq >> (8 * i)));
  uint64_t pick = h % total;
  for (const auto& [uid, count] : members) {
    if (pick < count) return uid;
    pick -= count;
  }
  return members.rbegin()->first;
}

}  // namespace hub::cluster
