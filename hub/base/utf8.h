// Strict UTF-8 validation (RFC 3629), shared by the WebSocket framer (text
// messages, close reasons) and the JSON scanner (string contents).
// Rejects overlong forms, UTF-16 surrogates and code points above U+10FFFF.
#ifndef HUB_BASE_UTF8_H_
#define HUB_BASE_UTF8_H_

#include <string_view>

namespace hub {

bool IsValidUtf8(std::string_view text);

// Length of the valid UTF-8 sequence starting at text[0], or 0 when the bytes
// there do not start a well-formed sequence (including truncation). Exposed so
// scanners can validate as they walk instead of making a second pass.
size_t Utf8SequenceLength(std::string_view text);

}  // namespace hub

#endif  // HUB_BASE_UTF8_H_
