// A small MessagePack value tree and writer over msgpuck: what the cluster
// decodes from Redis (socket.io adapter messages, hub requests) and builds
// to publish. Decoding validates the bytes first and caps nesting, so a
// hostile message on the bus cannot crash or exhaust a replica.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::cluster {

struct MsgValue {
  enum class Type { kNil, kBool, kInt, kDouble, kStr, kBin, kArray, kMap };
  Type type = Type::kNil;
  bool boolean = false;
  bool is_unsigned = false;  // kInt: `uint` holds it (above INT64_MAX)
  int64_t integer = 0;
  uint64_t uint = 0;
  double number = 0;
  std::string bytes;  // kStr, kBin
  std::vector<MsgValue> items;
  std::vector<std::pair<MsgValue, MsgValue>> entries;

  bool is_str() const { return type == Type::kStr; }
  bool is_array() const { return type == Type::kArray; }
  bool is_map() const { return type == Type::kMap; }
  // Map lookup by string key; nullptr when absent or not a map.
  const MsgValue* Find(std::string_view key) const;
  // Convenience readers with defaults for absent or mistyped fields.
  std::string StrOr(std::string_view key, std::string fallback = {}) const;
  int64_t IntOr(std::string_view key, int64_t fallback = 0) const;
  bool BoolOr(std::string_view key, bool fallback = false) const;
  // A map field holding an array of strings (others are skipped).
  std::vector<std::string> Strings(std::string_view key) const;
  // Numbers as int64 (doubles truncated), for peers that send 2.0 for 2.
  bool AsInt(int64_t* out) const;
};

inline constexpr size_t kMaxMsgDepth = 130;  // above the JSON cap (128)

// Exactly one value filling `bytes`.
absl::StatusOr<MsgValue> DecodeMsgpack(std::string_view bytes);

// Appends MessagePack to a string.
class MsgWriter {
 public:
  MsgWriter& Array(uint32_t size);
  MsgWriter& Map(uint32_t size);
  MsgWriter& Str(std::string_view s);
  MsgWriter& Bin(std::string_view b);
  MsgWriter& Int(int64_t v);
  MsgWriter& Uint(uint64_t v);
  MsgWriter& Double(double v);
  MsgWriter& Bool(bool v);
  MsgWriter& Nil();
  MsgWriter& StrArray(const std::vector<std::string>& items);
  MsgWriter& BinArray(const std::vector<std::string>& items);
  // Appends already-encoded MessagePack as one value.
  MsgWriter& Raw(std::string_view encoded);
  MsgWriter& Value(const MsgValue& value);

  std::string& out() { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  char* Reserve(size_t n);
  void Commit(char* end);
  std::string out_;
};

}  // namespace hub::cluster
