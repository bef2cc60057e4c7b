// Base64 (RFC 4648 standard alphabet, with padding) for binary messages on the
// long-polling transport, where Engine.IO carries them as 'b' + base64 text.
// Decoding is strict: anything a conforming client would not produce is an error.
#ifndef HUB_ENGINEIO_BASE64_H_
#define HUB_ENGINEIO_BASE64_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::engineio {

std::string Base64Encode(std::string_view bytes);

// Rejects: length not a multiple of 4, characters outside the alphabet,
// misplaced or excess '=', and non-zero bits left over before the padding
// (so every accepted input has exactly one decoding and re-encodes to itself).
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace hub::engineio

#endif  // HUB_ENGINEIO_BASE64_H_
