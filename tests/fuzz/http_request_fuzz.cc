// Fuzzes what the hub does with an HTTP request to its Engine.IO endpoint
// before any session sees it: Beast parses the bytes as the server does, then
// the query is decoded and checked (CheckEngineRequest), Origin and
// Access-Control-Request-Headers decide CORS and are reflected into the
// answer's head, Accept-Encoding picks a coding, and query and headers are
// packed into a HandshakeInfo. Properties: the answer head has exactly the
// lines the hub meant to write (nothing from the request splits a header),
// HandshakeInfo gives back what went in, and a query written back with
// percent-escapes parses to the same pairs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "hub/base/strings.h"
#include "hub/engineio/cors.h"
#include "hub/engineio/handshake.h"
#include "hub/engineio/handshake_info.h"
#include "hub/engineio/http_compression.h"
#include "hub/engineio/response_head.h"

namespace {
namespace http = boost::beast::http;
using namespace hub::engineio;

std::string_view View(boost::beast::string_view s) { return {s.data(), s.size()}; }

size_t CountCrLf(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) n += s[i] == '\r' && s[i + 1] == '\n';
  return n;
}

bool HasLineBreak(std::string_view s) {
  return s.find('\r') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

// Writes pairs back as a query with every byte outside [A-Za-z0-9] escaped,
// so the decoder has exactly one way to read it.
std::string EscapeQuery(const QueryParams& params) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  const auto escape = [&out](std::string_view s) {
    for (unsigned char c : s) {
      if (absl::ascii_isalnum(c)) {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
  };
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    escape(name);
    out.push_back('=');
    escape(value);
  }
  return out;
}

void CheckQuery(std::string_view query) {
  const QueryParams params = ParseQueryString(query);
  // SkipEmpty: at most one pair per '&'-separated piece.
  size_t pieces = 1;
  for (char c : query) pieces += c == '&';
  if (params.size() > pieces) std::abort();
  const QueryParams again = ParseQueryString(EscapeQuery(params));
  if (again != params) std::abort();
}

void CheckHandshakeInfo(const http::request<http::string_body>& request, const QueryParams& query) {
  HandshakeInfo::Builder builder;
  builder.SetRemoteAddress("203.0.113.7:4242");
  for (const auto& [name, value] : query) builder.AddQuery(name, value);
  HandshakeInfo::Pairs headers;
  for (const auto& field : request) {
    builder.AddHeader(View(field.name_string()), View(field.value()));
    headers.emplace_back(absl::AsciiStrToLower(hub::ToAbsl(View(field.name_string()))), View(field.value()));
  }
  const HandshakeInfo info = builder.Build();
  const HandshakeInfo copy = info;  // the copy constructor reads the size field
  if (copy.remote_address() != "203.0.113.7:4242") std::abort();
  HandshakeInfo::Pairs expected_query(query.begin(), query.end());
  if (copy.query() != expected_query) std::abort();
  if (copy.headers() != headers) std::abort();
  if (copy.encoded_size() != info.encoded_size()) std::abort();
}

void CheckAnswerHead(const CorsPolicy& policy, const http::request<http::string_body>& request) {
  const bool preflight = request.method() == http::verb::options;
  const CorsDecision cors = DecideCors(policy, View(request[http::field::origin]), preflight,
                                       View(request[http::field::access_control_request_headers]));
  if (request[http::field::origin].empty() && (!cors.allowed || !cors.headers.empty())) std::abort();
  if (!cors.allowed && !cors.headers.empty()) std::abort();

  ResponseHead head;
  head.status = preflight ? http::status::no_content : http::status::ok;
  head.version = request.version() == 10 ? 10 : 11;
  head.content_type = "text/plain; charset=UTF-8";
  head.extra = &cors.headers;
  head.no_store = true;
  head.vary_encoding = true;
  const ContentEncoding encoding =
      ChooseContentEncoding(View(request[http::field::accept_encoding]), 4096, 1024);
  if (encoding != ContentEncoding::kIdentity) head.content_encoding = ContentEncodingName(encoding);
  head.content_length = 4096;
  head.keep_alive = request.keep_alive();

  std::string out;
  WriteResponseHead(head, out);
  // Status line, Content-Type, the CORS fields, Cache-Control, Vary, maybe
  // Content-Encoding, maybe Content-Length, maybe Connection, blank line.
  for (const auto& [name, value] : cors.headers) {
    if (HasLineBreak(name) || HasLineBreak(value)) std::abort();
  }
  const size_t min_lines = 5 + cors.headers.size();
  const size_t lines = CountCrLf(out);
  if (lines < min_lines || lines > min_lines + 3) std::abort();
  if (out.find("\r\n\r\n") != out.size() - 4) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the server's CORS policy; the rest is the request.
  const uint8_t policy_bits = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  // Whatever the request line says, its query is decoded the same way.
  CheckQuery(bytes.substr(0, 512));

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);  // as HttpConnection
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec == http::error::need_more) parser.put_eof(ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& request = parser.get();

  std::string_view target = View(request.target());
  std::string_view query;
  if (const size_t q = target.find('?'); q != std::string_view::npos) query = target.substr(q + 1);
  CheckQuery(query);

  RequestFacts facts{View(request.method_string()), query, (policy_bits & 4) != 0};
  auto checked = CheckEngineRequest(facts);
  if (auto* ok = std::get_if<EngineRequest>(&checked)) {
    const std::string* eio = FindParam(ok->query, "EIO");
    if (eio == nullptr || *eio != "4") std::abort();
    if (ok->sid.empty() && facts.method != "GET") std::abort();
    if (ok->transport == TransportName::kWebSocket && !facts.websocket_upgrade) std::abort();
    CheckHandshakeInfo(request, ok->query);
  } else {
    CheckHandshakeInfo(request, ParseQueryString(query));
  }

  CorsPolicy policy;
  policy.credentials = (policy_bits & 1) != 0;
  if (policy_bits & 2) policy.origins = {"https://app.example", "http://localhost:3000"};
  CheckAnswerHead(policy, request);
  return 0;
}
