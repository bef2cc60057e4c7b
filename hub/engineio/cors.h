// CORS for the long-polling endpoint, as a pure decision: given the allowed
// origins and the request's Origin (and, for a preflight, what it asks for),
// whether to serve it and which Access-Control-* headers to answer with.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hub::engineio {

struct CorsPolicy {
  std::vector<std::string> origins = {"*"};  // "*" allows any origin
  bool credentials = false;                  // Access-Control-Allow-Credentials: true
};

struct CorsDecision {
  bool allowed = true;
  std::vector<std::pair<std::string, std::string>> headers;
};

// `origin` empty means not a cross-origin browser request: allowed, no headers.
// For a preflight (OPTIONS), `request_headers` is Access-Control-Request-Headers.
CorsDecision DecideCors(const CorsPolicy& policy, std::string_view origin, bool preflight,
                        std::string_view request_headers = {});

}  // namespace hub::engineio
