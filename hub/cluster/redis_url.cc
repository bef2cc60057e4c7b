#include "hub/cluster/redis_url.h"

#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hub/base/strings.h"

namespace hub::cluster {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kTlsScheme = "rediss://";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace

std::string RedisAddress::Redacted() const {
  std::string out(kScheme);
  if (!password.empty()) absl::StrAppend(&out, user, ":***@");
  const bool v6 = host.find(':') != std::string::npos;
  absl::StrAppend(&out, v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
  if (db != 0) absl::StrAppend(&out, "/", db);
  return out;
}

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  if (url.substr(0, kTlsScheme.size()) == kTlsScheme) {
    return absl::InvalidArgumentError(
        "rediss:// (TLS) is not supported: this hub is built with hiredis 0.14 (Debian 12), which has no TLS; "
        "use redis:// on a trusted network or through a TLS tunnel");
  }
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError("must look like redis://[user[:password]@]host[:port][/db]");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError("query parameters and fragments are not supported");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  RedisAddress address;
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError("a user name needs a password: redis://user:password@host");
    }
    auto user = PercentDecode(userinfo.substr(0, colon));
    auto password = PercentDecode(userinfo.substr(colon + 1));
    if (!user || !password) return absl::InvalidArgumentError("bad percent-encoding in the user name or password");
    if (password->empty()) return absl::InvalidArgumentError("empty password");
    address.user = *std::move(user);
    address.password = *std::move(password);
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("unclosed [ in the host");
    address.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return absl::InvalidArgumentError("bad host");
      port_text = after.substr(1);
      if (port_text.empty()) return absl::InvalidArgumentError("bad port");
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    address.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return absl::InvalidArgumentError("bad port");
  } else {
    address.host = std::string(authority);
  }
  if (address.host.empty()) return absl::InvalidArgumentError("missing host");
  if (!port_text.empty() &&
      (!absl::SimpleAtoi(ToAbsl(port_text), &address.port) || address.port <= 0 || address.port > 65535)) {
    return absl::InvalidArgumentError("bad port");
  }
  if (!path.empty() && (!absl::SimpleAtoi(ToAbsl(path), &address.db) || address.db < 0 || path[0] == '+')) {
    return absl::InvalidArgumentError("the path must be a database number: redis://host:port/2");
  }
  return address;
}

}  // namespace hub::cluster
