// The operators' HTTP surface on its own port and thread: /healthz
// (liveness), /readyz (readiness), /metrics (Prometheus text format). Kept
// off the shards so a scrape never delays a delivery.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "admin/health.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

namespace hub::admin {

class AdminServer {
 public:
  // `render_metrics` produces the /metrics body.
  AdminServer(Health& health, std::function<std::string()> render_metrics);
  ~AdminServer();

  // Binds and starts serving on its own thread; returns the bound port.
  absl::StatusOr<uint16_t> Start(const std::string& address, uint16_t port);
  void Stop();

 private:
  class Connection;
  void DoAccept();

  Health& health_;
  std::function<std::string()> render_metrics_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

}  // namespace hub::admin
