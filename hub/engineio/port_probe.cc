#include "hub/engineio/port_probe.h"

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

namespace hub::engineio {

absl::Status CheckPortFree(const std::string& address, uint16_t port) {
  if (port == 0) return absl::OkStatus();
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad bind address '", address, "'"));
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io);
  const boost::asio::ip::tcp::endpoint endpoint(ip, port);
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec == boost::asio::error::address_in_use) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ":", port, ": another process listens there"));
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ":", port, ": ", ec.message()));
  return absl::OkStatus();  // the probe closes here, before the shards bind
}

}  // namespace hub::engineio
