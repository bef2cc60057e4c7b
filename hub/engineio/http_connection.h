// One HTTP request on the Engine.IO port: reads it within the handshake
// timeout, checks it (path, Engine.IO query, origin, limits) and either
// answers with an error or hands the upgraded socket to the server.
#pragma once

#include <memory>
#include <optional>

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "hub/engineio/server.h"

namespace hub::engineio {

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(boost::asio::ip::tcp::socket socket, ShardServer& server);
  void Run();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  void OnRequest(const boost::system::error_code& ec);
  void Route(Request& request);
  void Reject(boost::beast::http::status status, std::string body, std::string content_type);
  void RejectEngine(EngineError error, metrics::HandshakeRejection why);
  void Upgrade(Request& request, EngineRequest engine_request);

  boost::beast::tcp_stream stream_;
  ShardServer& server_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace hub::engineio
