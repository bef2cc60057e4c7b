#include "hub/engineio/handshake.h"
#include "hub/base/strings.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hub::engineio {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string_view EngineErrorMessage(EngineError error) {
  switch (error) {
    case EngineError::kUnknownTransport: return "Transport unknown";
    case EngineError::kUnknownSid: return "Session ID unknown";
    case EngineError::kBadHandshakeMethod: return "Bad handshake method";
    case EngineError::kBadRequest: return "Bad request";
    case EngineError::kForbidden: return "Forbidden";
    case EngineError::kUnsupportedProtocolVersion: return "Unsupported protocol version";
  }
  return "Bad request";
}

std::string EngineErrorBody(EngineError error) {
  return absl::StrCat("{\"code\":", static_cast<int>(error), ",\"message\":\"",
                      ToAbsl(EngineErrorMessage(error)), "\"}");
}

QueryParams ParseQueryString(std::string_view query) {
  QueryParams params;
  for (absl::string_view part_absl : absl::StrSplit(ToAbsl(query), '&', absl::SkipEmpty())) {
    std::string_view part = ToStd(part_absl);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(PercentDecode(part), "");
    } else {
      params.emplace_back(PercentDecode(part.substr(0, eq)), PercentDecode(part.substr(eq + 1)));
    }
  }
  return params;
}

const std::string* FindParam(const QueryParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::variant<EngineError, EngineRequest> CheckEngineRequest(const RequestFacts& facts) {
  EngineRequest request;
  request.query = ParseQueryString(facts.query);
  const std::string* transport = FindParam(request.query, "transport");
  if (transport == nullptr) return EngineError::kUnknownTransport;
  if (*transport == "polling") {
    request.transport = TransportName::kPolling;
  } else if (*transport == "websocket") {
    request.transport = TransportName::kWebSocket;
  } else {
    return EngineError::kUnknownTransport;
  }
  const std::string* eio = FindParam(request.query, "EIO");
  if (eio == nullptr || *eio != "4") return EngineError::kUnsupportedProtocolVersion;

  if (const std::string* sid = FindParam(request.query, "sid")) request.sid = *sid;
  if (request.transport == TransportName::kWebSocket && !facts.websocket_upgrade) {
    return EngineError::kBadRequest;
  }
  if (request.sid.empty()) {
    if (facts.method != "GET") return EngineError::kBadHandshakeMethod;
  } else if (facts.method != "GET" && facts.method != "POST") {
    return EngineError::kBadRequest;
  }
  return request;
}

bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin) {
  if (origin.empty()) return true;
  for (const auto& entry : allowed) {
    if (entry == "*" || entry == origin) return true;
  }
  return false;
}

}  // namespace hub::engineio
