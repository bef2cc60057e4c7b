// One blocking HTTP/1.1 GET over loopback, for the load generator's side
// channels: the reference server's in-process trigger and the hub's
// Prometheus /metrics. No parsing beyond splitting off the headers.
#pragma once

#include <string>

namespace bench {

// GET `path` from `host_port` ("127.0.0.1:9090") with Connection: close.
// Returns the whole response (status line, headers, body); empty when the
// connection failed.
std::string HttpGet(const std::string& host_port, const std::string& path);

// The body of a response returned by HttpGet (after the blank line).
std::string HttpBody(const std::string& response);

}  // namespace bench
