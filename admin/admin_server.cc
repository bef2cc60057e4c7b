#include "admin/admin_server.h"

#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/string_body.hpp"
#include "boost/beast/http/write.hpp"

namespace hub::admin {
namespace http = boost::beast::http;

// One keep-alive HTTP connection of a prober or scraper.
class AdminServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, AdminServer& server)
      : stream_(std::move(socket)), server_(server) {}

  void Read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (ec) {
                         self->stream_.close();
                         return;
                       }
                       self->Respond();
                     });
  }

 private:
  bool Authorized() const {
    const std::string& token = server_.hooks_.token;
    if (token.empty()) return true;
    const auto header = request_[http::field::authorization];
    const std::string expected = "Bearer " + token;
    return header.size() == expected.size() &&
           CRYPTO_memcmp(header.data(), expected.data(), expected.size()) == 0;
  }

  void RespondAdmin(std::string_view path, http::response<http::string_body>& response) {
    if (!Authorized()) {
      response.result(http::status::unauthorized);
      response.set(http::field::www_authenticate, "Bearer");
      response.body() = "missing or wrong bearer token\n";
      return;
    }
    if (path == "/admin/stats") {
      if (request_.method() != http::verb::get) {
        response.result(http::status::method_not_allowed);
        response.body() = "use GET\n";
        return;
      }
      response.result(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = server_.hooks_.stats_json();
      return;
    }
    if (path == "/admin/drain") {
      if (request_.method() != http::verb::post) {
        response.result(http::status::method_not_allowed);
        response.body() = "use POST\n";
        return;
      }
      server_.hooks_.drain();
      response.result(http::status::accepted);
      response.body() = "draining\n";
      return;
    }
    response.result(http::status::not_found);
    response.body() = "not found\n";
  }

  void Respond() {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request_.version());
    response->keep_alive(request_.keep_alive());
    const std::string_view target(request_.target().data(), request_.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    response->set(http::field::content_type, "text/plain; charset=utf-8");
    const bool read_only = request_.method() == http::verb::get || request_.method() == http::verb::head;
    if (path.substr(0, 7) == "/admin/") {
      RespondAdmin(path, *response);
    } else if (!read_only) {
      response->result(http::status::method_not_allowed);
      response->body() = "method not allowed\n";
    } else if (path == "/healthz") {
      response->result(http::status::ok);
      response->body() = "ok\n";
    } else if (path == "/readyz") {
      const bool ready = server_.health_.ready();
      response->result(ready ? http::status::ok : http::status::service_unavailable);
      response->body() = ready ? "ready\n" : "not ready\n";
    } else if (path == "/metrics") {
      response->result(http::status::ok);
      response->set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response->body() = server_.hooks_.render_metrics();
    } else {
      response->result(http::status::not_found);
      response->body() = "not found\n";
    }
    response->prepare_payload();
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](const boost::system::error_code& ec, size_t) {
                        if (ec || !response->keep_alive()) {
                          boost::system::error_code ignored;
                          self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  boost::beast::tcp_stream stream_;
  AdminServer& server_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
};

AdminServer::AdminServer(Health& health, AdminHooks hooks)
    : health_(health), hooks_(std::move(hooks)) {}

AdminServer::~AdminServer() { Stop(); }

absl::StatusOr<uint16_t> AdminServer::Start(const std::string& address, uint16_t port) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad bind address '", address, "'"));
  boost::asio::ip::tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ":", port, ": ", ec.message()));
  }
  const uint16_t bound = acceptor_.local_endpoint().port();
  DoAccept();
  thread_ = std::thread([this] { io_.run(); });
  return bound;
}

void AdminServer::DoAccept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec,
                                boost::asio::ip::tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (!ec) std::make_shared<Connection>(std::move(socket), *this)->Read();
    DoAccept();
  });
}

void AdminServer::Stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  io_.stop();
  thread_.join();
}

}  // namespace hub::admin
