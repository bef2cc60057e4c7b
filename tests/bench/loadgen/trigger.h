// What makes the servers emit: a paced broadcast pattern (every socket, or
// rooms round-robin) and the backend RPC floods. The hub is driven over gRPC;
// the reference server runs the same pattern in-process on command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Pattern {
  enum class Target { kAll, kRooms };
  Target target = Target::kAll;
  double broadcasts_per_s = 100;
  double seconds = 2;
  size_t payload_bytes = 100;
  uint32_t rooms = 0;  // kRooms: broadcast k goes to room "r<k % rooms>"
  bool unary = false;  // hub only: one Broadcast call per broadcast, not the Publish stream
};

struct FloodResult {
  uint64_t ok = 0;       // calls (or stream emits) the server accepted
  uint64_t failed = 0;
  double seconds = 0;
  std::string error;     // first failure
};

class Trigger {
 public:
  virtual ~Trigger() = default;

  // Puts client i (socket id ids[i]) in room "r<i % rooms>". False on error.
  virtual bool JoinRooms(const std::vector<std::string>& ids, uint32_t rooms) = 0;
  // Emits the pattern; blocks until the last broadcast is handed over.
  // Returns the broadcasts sent; sent_to(group) counts them per group.
  virtual uint64_t Run(const Pattern& pattern) = 0;
  // EmitTo unary calls, `in_flight` at a time, round-robin over the ids, for
  // `seconds`; the event's group is the client index.
  virtual FloodResult FloodEmitTo(const std::vector<std::string>& ids, double seconds,
                                  int in_flight, size_t payload_bytes) = 0;
  // The same emits over one Publish client stream, as fast as it takes them.
  virtual FloodResult FloodPublish(const std::vector<std::string>& ids, double seconds,
                                   size_t payload_bytes) = 0;

  // Events sent so far to one group (a room index, a client index, or 0).
  uint64_t sent_to(uint32_t group) const { return group < sent_.size() ? sent_[group] : 0; }

 protected:
  // The next sequence number of a group, counting the event as sent.
  uint64_t NextSeq(uint32_t group) {
    if (group >= sent_.size()) sent_.resize(group + 1, 0);
    return sent_[group]++;
  }
  // Round-robin cursor over rooms, shared by both triggers so that the
  // reference server's in-process loop picks the same rooms.
  uint64_t broadcast_cursor_ = 0;
  std::vector<uint64_t> sent_;
};

}  // namespace bench
