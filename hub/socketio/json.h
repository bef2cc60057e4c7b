// A strict RFC 8259 JSON scanner: Hub never builds a document tree, it only
// validates payloads, slices event arguments out of them and decodes strings.
// Iterative with a nesting cap, so hostile input cannot exhaust the stack.
#ifndef HUB_SOCKETIO_JSON_H_
#define HUB_SOCKETIO_JSON_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hub::socketio {

// Arrays and objects may nest this deep (a top-level array counts as 1);
// one level more is an error.
inline constexpr size_t kMaxJsonDepth = 128;

// Exactly one JSON value, surrounding whitespace allowed. Strings must be
// valid UTF-8 and contain no raw control characters. A \uXXXX escape naming
// an unpaired surrogate is accepted, as RFC 8259's grammar allows it and
// JavaScript peers may send one; DecodeJsonString refuses to decode it.
absl::Status ValidateJson(std::string_view text);

// A top-level array → each element's raw text (slices of `text`, whitespace
// trimmed). Validates the whole text; anything but an array is an error.
absl::StatusOr<std::vector<std::string_view>> SplitJsonArray(
    std::string_view text);

enum class JsonKind { kObject, kArray, kString, kNumber, kBool, kNull };

// Validates, then reports the kind of the single value.
absl::StatusOr<JsonKind> JsonKindOf(std::string_view text);

// A string literal "..." (exactly, no surrounding whitespace) → its UTF-8
// value. Escapes are resolved, \uXXXX surrogate pairs are combined; an
// unpaired surrogate is an error since it has no UTF-8 form.
absl::StatusOr<std::string> DecodeJsonString(std::string_view literal);

// Appends `utf8` as a quoted JSON string: '"' and '\\' escaped, \b \f \n \r \t
// by name, other control characters as \u00XX. Bytes that are not valid UTF-8
// are written as U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view utf8);
// Appends `items` as a JSON array of such strings.
void AppendJsonStringArray(std::string& out, const std::vector<std::string>& items);

}  // namespace hub::socketio

#endif  // HUB_SOCKETIO_JSON_H_
