// The status line and header fields of the hub's HTTP answers, written
// straight into one string. Every poll answer goes through here; building it
// as a Beast response allocated each field and serialized through generic
// buffer sequences, a noticeable share of a poll's CPU.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boost/beast/http/status.hpp"

namespace hub::engineio {

struct ResponseHead {
  boost::beast::http::status status = boost::beast::http::status::ok;
  unsigned version = 11;  // 10 or 11, as the request's
  std::string_view content_type;
  const std::vector<std::pair<std::string, std::string>>* extra = nullptr;  // CORS
  bool no_store = false;                 // Cache-Control: no-store
  bool vary_encoding = false;            // Vary: Accept-Encoding
  std::string_view content_encoding;     // empty: none
  size_t content_length = 0;
  bool keep_alive = true;
};

// Replaces `out` with the head, ending in the blank line. Keep-alive as
// HTTP/1.x says: 1.1 keeps unless "Connection: close"; 1.0 closes unless
// "Connection: keep-alive".
void WriteResponseHead(const ResponseHead& head, std::string& out);

}  // namespace hub::engineio
