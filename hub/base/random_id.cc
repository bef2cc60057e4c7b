#include "hub/base/random_id.h"

#include <sys/random.h>

#include "hub/base/check.h"

namespace hub {
namespace {
constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int AlphabetIndex(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}
}  // namespace

RandomIdGenerator::RandomIdGenerator(int shard_index) : shard_index_(shard_index) {
  HUB_CHECK(shard_index >= 0 && shard_index < 64 * 64);
}

unsigned char RandomIdGenerator::NextByte() {
  if (pool_pos_ == sizeof(pool_)) {
    size_t filled = 0;
    while (filled < sizeof(pool_)) {
      ssize_t n = getrandom(pool_ + filled, sizeof(pool_) - filled, 0);
      HUB_CHECK(n > 0);
      filled += static_cast<size_t>(n);
    }
    pool_pos_ = 0;
  }
  return pool_[pool_pos_++];
}

std::string RandomIdGenerator::Next() {
  std::string id(kRandomIdLength, ' ');
  id[0] = kAlphabet[shard_index_ / 64];
  id[1] = kAlphabet[shard_index_ % 64];
  for (size_t i = 2; i < kRandomIdLength; ++i) id[i] = kAlphabet[NextByte() & 63];
  return id;
}

std::optional<int> ShardOfId(std::string_view id) {
  if (id.size() != kRandomIdLength) return std::nullopt;
  for (char c : id) {
    if (AlphabetIndex(c) < 0) return std::nullopt;
  }
  return AlphabetIndex(id[0]) * 64 + AlphabetIndex(id[1]);
}

}  // namespace hub
