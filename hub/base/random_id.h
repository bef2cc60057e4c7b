// Unguessable ids (Engine.IO sids, Socket.IO socket ids) that also say which
// shard owns them, so a backend command or a polling request can be routed to
// the owning shard without a shared lookup table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hub {

inline constexpr size_t kRandomIdLength = 20;

// One per shard; not thread-safe. Draws from the kernel CSPRNG in batches.
class RandomIdGenerator {
 public:
  explicit RandomIdGenerator(int shard_index);
  // 2 characters of shard index + 18 random base64url characters (108 bits).
  std::string Next();

 private:
  unsigned char NextByte();
  int shard_index_;
  unsigned char pool_[256];
  size_t pool_pos_ = sizeof(pool_);
};

// The shard that issued `id`, or nullopt for an id the hub never issued.
std::optional<int> ShardOfId(std::string_view id);

}  // namespace hub
