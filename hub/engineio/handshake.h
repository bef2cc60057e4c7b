// Pure checks of an HTTP request to the Engine.IO endpoint: query parsing and
// the protocol's error codes, numbered as the reference server numbers them
// and sent as HTTP 400 {"code":N,"message":"..."}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hub::engineio {

enum class EngineError {
  kUnknownTransport = 0,
  kUnknownSid = 1,
  kBadHandshakeMethod = 2,
  kBadRequest = 3,
  kForbidden = 4,
  kUnsupportedProtocolVersion = 5,
};

std::string_view EngineErrorMessage(EngineError error);
// The JSON body of an error response.
std::string EngineErrorBody(EngineError error);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space). Malformed
// percent-escapes are kept literally, as browsers' URLSearchParams does.
QueryParams ParseQueryString(std::string_view query);
const std::string* FindParam(const QueryParams& params, std::string_view name);

enum class TransportName { kPolling, kWebSocket };

// A request that passed the Engine.IO checks.
struct EngineRequest {
  TransportName transport;
  std::string sid;  // empty for a new session
  QueryParams query;
};

struct RequestFacts {
  std::string_view method;  // "GET", "POST", ...
  std::string_view query;   // after '?', undecoded
  bool websocket_upgrade = false;
};

std::variant<EngineError, EngineRequest> CheckEngineRequest(const RequestFacts& facts);

// Origin check for CORS and WebSocket upgrades: "*" allows any origin; a
// request without Origin (not a browser) is always allowed.
bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin);

}  // namespace hub::engineio
