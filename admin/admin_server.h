// The operators' HTTP surface on its own port and thread: /healthz
// (liveness), /readyz (readiness), /metrics (Prometheus text format), and
// behind an optional bearer token GET /admin/stats (JSON) and POST
// /admin/drain. Kept off the shards so a scrape never delays a delivery.
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

// What the admin endpoints show and do, supplied by the process.
struct AdminHooks {
  std::function<std::string()> render_metrics;  // /metrics body
  std::function<std::string()> stats_json;      // /admin/stats body
  std::function<void()> drain;                  // POST /admin/drain
  std::string token;                            // bearer token for /admin/*; empty: none
};

class AdminServer {
 public:
  AdminServer(Health& health, AdminHooks hooks);
  ~AdminServer();

  // Binds and starts serving on its own thread; returns the bound port.
  absl::StatusOr<uint16_t> Start(const std::string& address, uint16_t port);
  void Stop();

 private:
  class Connection;
  void DoAccept();

  Health& health_;
  AdminHooks hooks_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

}  // namespace hub::admin
