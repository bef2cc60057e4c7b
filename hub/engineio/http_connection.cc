#include "hub/engineio/http_connection.h"
#include "hub/base/strings.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/write.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/websocket/detail/hybi13.hpp"
#include "hub/base/log.h"

namespace hub::engineio {
namespace http = boost::beast::http;
namespace {
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

bool HeaderHasToken(std::string_view value, std::string_view token) {
  for (absl::string_view part : absl::StrSplit(ToAbsl(value), ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(part), ToAbsl(token))) return true;
  }
  return false;
}
}  // namespace

HttpConnection::HttpConnection(boost::asio::ip::tcp::socket socket, ShardServer& server)
    : stream_(std::move(socket)), server_(server) {}

void HttpConnection::Run() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(server_.options().session.max_payload);
  stream_.expires_after(server_.options().handshake_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                     self->OnRequest(ec);
                   });
}

void HttpConnection::OnRequest(const boost::system::error_code& ec) {
  if (ec) {
    if (ec == boost::beast::error::timeout) {
      server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kTimeout)].Add();
      stream_.close();
      return;
    }
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset) {
      stream_.close();
      return;
    }
    // Not HTTP, or over a limit: answer once and close.
    server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kBadRequest)].Add();
    const bool too_large = ec == http::error::body_limit || ec == http::error::header_limit;
    Reject(too_large ? http::status::payload_too_large : http::status::bad_request,
           EngineErrorBody(EngineError::kBadRequest), "application/json");
    return;
  }
  Request request = parser_->release();
  Route(request);
}

void HttpConnection::Route(Request& request) {
  std::string_view target(request.target().data(), request.target().size());
  std::string_view path = target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  const std::string& mount = server_.options().path;
  std::string_view mount_bare = std::string_view(mount);
  if (mount_bare.size() > 1 && mount_bare.back() == '/') mount_bare.remove_suffix(1);
  if (path != mount && path != mount_bare) {
    Reject(http::status::not_found, "Not Found\n", "text/plain");
    return;
  }
  if (server_.state().draining.load(std::memory_order_relaxed)) {
    server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kDraining)].Add();
    Reject(http::status::service_unavailable, "{\"code\":3,\"message\":\"Server is draining\"}",
           "application/json");
    return;
  }

  const auto connection_header = request[http::field::connection];
  const auto upgrade_header = request[http::field::upgrade];
  const bool upgrade =
      HeaderHasToken(std::string_view(connection_header.data(), connection_header.size()), "upgrade") &&
      absl::EqualsIgnoreCase(absl::string_view(upgrade_header.data(), upgrade_header.size()), "websocket");
  RequestFacts facts{std::string_view(request.method_string().data(), request.method_string().size()),
                     query, upgrade};
  auto checked = CheckEngineRequest(facts);
  if (auto* error = std::get_if<EngineError>(&checked)) {
    metrics::HandshakeRejection why = metrics::HandshakeRejection::kBadRequest;
    if (*error == EngineError::kUnknownTransport) why = metrics::HandshakeRejection::kUnknownTransport;
    if (*error == EngineError::kUnsupportedProtocolVersion) why = metrics::HandshakeRejection::kUnsupportedVersion;
    RejectEngine(*error, why);
    return;
  }
  auto& engine_request = std::get<EngineRequest>(checked);
  std::string_view origin(request[http::field::origin].data(), request[http::field::origin].size());
  if (!OriginAllowed(server_.options().cors_origins, origin)) {
    RejectEngine(EngineError::kForbidden, metrics::HandshakeRejection::kForbidden);
    return;
  }
  if (engine_request.transport == TransportName::kPolling) {
    // HTTP long-polling is not served yet; clients must use transports: ['websocket'].
    RejectEngine(EngineError::kUnknownTransport, metrics::HandshakeRejection::kUnknownTransport);
    return;
  }
  if (!engine_request.sid.empty()) {
    // Upgrades of polling sessions come with long-polling.
    RejectEngine(EngineError::kUnknownSid, metrics::HandshakeRejection::kUnknownSession);
    return;
  }
  Upgrade(request, std::move(engine_request));
}

void HttpConnection::Upgrade(Request& request, EngineRequest engine_request) {
  const auto key = request[http::field::sec_websocket_key];
  if (request[http::field::sec_websocket_version] != "13" || key.empty() || key.size() > 64) {
    RejectEngine(EngineError::kBadRequest, metrics::HandshakeRejection::kBadRequest);
    return;
  }
  auto& state = server_.state();
  if (state.connections.fetch_add(1, std::memory_order_relaxed) >= server_.options().max_connections) {
    state.connections.fetch_sub(1, std::memory_order_relaxed);
    server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kTooManyConnections)].Add();
    Reject(http::status::service_unavailable, "{\"code\":3,\"message\":\"Too many connections\"}",
           "application/json");
    return;
  }

  HandshakeInfo info;
  info.transport = "websocket";
  info.query = std::move(engine_request.query);
  boost::system::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) info.remote_address = absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
  for (const auto& field : request) {
    info.headers.emplace_back(absl::AsciiStrToLower(absl::string_view(field.name_string().data(), field.name_string().size())),
                              std::string(field.value()));
  }

  boost::beast::websocket::detail::sec_ws_accept_type accept;
  boost::beast::websocket::detail::make_sec_ws_accept(accept, key);
  auto response = std::make_shared<std::string>(absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      absl::string_view(accept.data(), accept.size()), "\r\n\r\n"));
  auto info_ptr = std::make_shared<HandshakeInfo>(std::move(info));
  stream_.expires_after(server_.options().handshake_timeout);
  boost::asio::async_write(
      stream_, boost::asio::buffer(*response),
      [self = shared_from_this(), response, info_ptr](const boost::system::error_code& ec, size_t) {
        if (ec) {
          self->server_.state().connections.fetch_sub(1, std::memory_order_relaxed);
          self->stream_.close();
          return;
        }
        self->stream_.expires_never();
        std::string leftover(static_cast<const char*>(self->buffer_.data().data()), self->buffer_.size());
        self->server_.OpenWebSocketSession(self->stream_.release_socket(), std::move(leftover),
                                           std::move(*info_ptr));
      });
}

void HttpConnection::RejectEngine(EngineError error, metrics::HandshakeRejection why) {
  server_.stats().handshakes_rejected[static_cast<size_t>(why)].Add();
  Reject(error == EngineError::kForbidden ? http::status::forbidden : http::status::bad_request,
         EngineErrorBody(error), "application/json");
}

void HttpConnection::Reject(http::status status, std::string body, std::string content_type) {
  auto response = std::make_shared<http::response<http::string_body>>(status, 11);
  response->set(http::field::content_type, content_type);
  response->set(http::field::connection, "close");
  response->body() = std::move(body);
  response->prepare_payload();
  stream_.expires_after(server_.options().handshake_timeout);
  http::async_write(stream_, *response,
                    [self = shared_from_this(), response](const boost::system::error_code&, size_t) {
                      boost::system::error_code ignored;
                      self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
                      self->stream_.close();
                    });
}

}  // namespace hub::engineio
