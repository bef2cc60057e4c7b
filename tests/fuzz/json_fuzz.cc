// Fuzzes the JSON scanner: the validators must agree with each other, every
// slice SplitJsonArray returns must itself be valid JSON, and string
// encoding and decoding must round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hub/socketio/json.h"

namespace {

std::string_view TrimWs(std::string_view s) {
  const auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::socketio;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const bool valid = ValidateJson(input).ok();
  absl::StatusOr<JsonKind> kind = JsonKindOf(input);
  if (kind.ok() != valid) std::abort();

  absl::StatusOr<std::vector<std::string_view>> items = SplitJsonArray(input);
  if (items.ok() != (valid && *kind == JsonKind::kArray)) std::abort();
  if (items.ok()) {
    for (std::string_view item : *items) {
      if (item.empty() || item != TrimWs(item)) std::abort();
      if (item.data() < input.data() ||
          item.data() + item.size() > input.data() + input.size()) {
        std::abort();
      }
      if (!ValidateJson(item).ok()) std::abort();
    }
  }

  absl::StatusOr<std::string> decoded = DecodeJsonString(input);
  if (decoded.ok()) {
    if (!valid || *kind != JsonKind::kString) std::abort();
    std::string reencoded;
    AppendJsonString(reencoded, *decoded);
    absl::StatusOr<std::string> again = DecodeJsonString(reencoded);
    if (!again.ok() || *again != *decoded) std::abort();
  }

  // Any bytes at all must encode to a valid JSON string.
  std::string encoded;
  AppendJsonString(encoded, input);
  if (!ValidateJson(encoded).ok()) std::abort();
  return 0;
}
