// Which hub replicas are alive, from their heartbeats: a replica unheard of
// for `dead_after` is gone (its sockets leave listings, what it owed
// completes). Pure bookkeeping on the cluster thread; unit-tested.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "hub/cluster/hub_wire.h"

namespace hub::cluster {

class Membership {
 public:
  using Clock = std::chrono::steady_clock;
  Membership(std::string self, std::chrono::milliseconds dead_after)
      : self_(std::move(self)), dead_after_(dead_after) {}

  // A heartbeat (or bye). Returns true when it names a replica new to us.
  bool OnHeartbeat(const Heartbeat& heartbeat, Clock::time_point now);
  // Replicas silent for too long; they are forgotten.
  std::vector<std::string> Expire(Clock::time_point now);

  // Alive peers (this replica excluded), sorted.
  std::vector<std::string> Peers() const;
  // Every alive replica, this one included, sorted.
  std::vector<std::string> Replicas() const;
  bool IsAlive(const std::string& uid) const { return uid == self_ || peers_.count(uid) > 0; }
  const std::map<std::string, Heartbeat>& peer_heartbeats() const { return last_; }

 private:
  const std::string self_;
  const std::chrono::milliseconds dead_after_;
  std::map<std::string, Clock::time_point> peers_;
  std::map<std::string, Heartbeat> last_;
};

// The replica that delivers an event to a consumer group: members are
// weighted (uid -> members of the group there), the choice hashes the
// event's cluster-wide name, so every replica with the same view picks the
// same owner and the group gets the event once.
std::string PickGroupOwner(const std::map<std::string, uint64_t>& members, std::string_view origin,
                           uint64_t seq);

}  // namespace hub::cluster
