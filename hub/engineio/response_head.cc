#include "hub/engineio/response_head.h"

#include "absl/strings/str_cat.h"
#include "hub/base/strings.h"

namespace hub::engineio {

void WriteResponseHead(const ResponseHead& head, std::string& out) {
  const auto reason = boost::beast::http::obsolete_reason(head.status);
  out.clear();
  absl::StrAppend(&out, head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ", static_cast<unsigned>(head.status), " ",
                  absl::string_view(reason.data(), reason.size()), "\r\nContent-Type: ", ToAbsl(head.content_type),
                  "\r\n");
  if (head.extra != nullptr) {
    for (const auto& [name, value] : *head.extra) absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (head.no_store) out += "Cache-Control: no-store\r\n";
  if (head.vary_encoding) out += "Vary: Accept-Encoding\r\n";
  if (!head.content_encoding.empty()) {
    absl::StrAppend(&out, "Content-Encoding: ", ToAbsl(head.content_encoding), "\r\n");
  }
  // A 204 carries no body and so no length (RFC 9110, 8.6).
  if (head.status != boost::beast::http::status::no_content) {
    absl::StrAppend(&out, "Content-Length: ", head.content_length, "\r\n");
  }
  if (head.version == 10 && head.keep_alive) out += "Connection: keep-alive\r\n";
  if (head.version != 10 && !head.keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

}  // namespace hub::engineio
