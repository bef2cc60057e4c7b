// --redis_url: redis://[user[:password]@]host[:port][/db]. The user name and
// password are percent-decoded (encode '@', ':', '/' in them as %40, %3A,
// %2F); with a password the replica sends AUTH (with the user name, for a
// Redis 6 ACL user) and with a db other than 0 SELECT, on every (re)connect.
// rediss:// (TLS) is refused: Debian 12's hiredis (0.14) has no TLS.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::cluster {

struct RedisAddress {
  std::string host;
  int port = 6379;
  std::string user;      // empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;

  // For logs: the URL with the password replaced by "***".
  std::string Redacted() const;
};

// INVALID_ARGUMENT, with a message that never repeats the password.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

}  // namespace hub::cluster
