// Optional compression of long-polling responses: which Content-Encoding to
// use for a body given the client's Accept-Encoding and a size threshold, and
// the zlib call that produces it. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::engineio {

enum class ContentEncoding { kIdentity, kGzip, kDeflate };

// gzip is preferred over deflate; q=0 refuses a coding; `threshold` 0 turns
// compression off, and bodies shorter than it are sent as they are (small
// payloads grow or gain nothing, and cost CPU).
ContentEncoding ChooseContentEncoding(std::string_view accept_encoding, size_t body_size,
                                      size_t threshold);

std::string_view ContentEncodingName(ContentEncoding encoding);

// `deflate` is the zlib format (RFC 1950), as HTTP defines it.
absl::StatusOr<std::string> Compress(std::string_view body, ContentEncoding encoding);

}  // namespace hub::engineio
