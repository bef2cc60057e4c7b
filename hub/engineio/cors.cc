#include "hub/engineio/cors.h"

#include "hub/engineio/handshake.h"

namespace hub::engineio {
namespace {
bool AllowsAny(const CorsPolicy& policy) {
  for (const auto& entry : policy.origins) {
    if (entry == "*") return true;
  }
  return false;
}
}  // namespace

CorsDecision DecideCors(const CorsPolicy& policy, std::string_view origin, bool preflight,
                        std::string_view request_headers) {
  CorsDecision decision;
  if (origin.empty()) return decision;
  if (!OriginAllowed(policy.origins, origin)) {
    decision.allowed = false;
    return decision;
  }
  // A literal "*" cannot carry credentials, and a listed origin must be named
  // back; either way the answer depends on Origin, so caches must key on it.
  if (AllowsAny(policy) && !policy.credentials) {
    decision.headers.emplace_back("Access-Control-Allow-Origin", "*");
  } else {
    decision.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    decision.headers.emplace_back("Vary", "Origin");
  }
  if (policy.credentials) decision.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  if (preflight) {
    decision.headers.emplace_back("Access-Control-Allow-Methods", "GET,POST,OPTIONS");
    // Reflect what the browser asks for (as the `cors` npm package does):
    // clients add their own extraHeaders, which no fixed list could know.
    if (!request_headers.empty()) {
      decision.headers.emplace_back("Access-Control-Allow-Headers", std::string(request_headers));
      decision.headers.emplace_back("Vary", "Access-Control-Request-Headers");
    }
    decision.headers.emplace_back("Access-Control-Max-Age", "86400");
  }
  return decision;
}

}  // namespace hub::engineio
