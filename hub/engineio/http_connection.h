// One HTTP connection on the Engine.IO port, kept alive across requests. It
// reads each request within a timeout, checks it (path, Engine.IO query,
// origin, limits) and routes it: polling GET/POST to the session's
// PollingTransport, WebSocket upgrades to a new or upgrading session, CORS
// preflights answered here. A request for a sid owned by another shard is
// handed over with its socket (see HandOff in the .cc).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "hub/engineio/polling_transport.h"
#include "hub/engineio/server.h"

namespace hub::engineio {

class HttpConnection : public PollResponder,
                       public std::enable_shared_from_this<HttpConnection> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  HttpConnection(boost::asio::ip::tcp::socket socket, ShardServer& server);
  // Reads and serves requests until the peer or a limit ends the connection.
  void Run();
  // On the owner shard: serves a request another shard read, then goes on
  // reading this connection here. `buffered` are bytes read past it.
  void Resume(std::string buffered, Request request, bool served_before);

  // PollResponder: the answer to the polling request being served.
  void SendPayload(std::string body) override;
  void SendOk() override;
  void SendError(EngineError error, bool too_large = false) override;

 private:
  void ReadRequest();
  void OnRequest(const boost::system::error_code& ec);
  void OnBodyTooLarge();
  void Route(Request& request);
  void ServePolling(Request& request, EngineRequest engine_request, bool echo);
  void UpgradeWebSocket(Request& request, EngineRequest engine_request, bool echo);
  void HandOff(int shard, Request request);
  bool AdmitConnection();
  HandshakeInfo MakeHandshakeInfo(const Request& request, const QueryParams& query);

  // Every answer goes through here: CORS headers of the current request,
  // optional compression, keep-alive unless `close_after`.
  void Respond(boost::beast::http::status status, std::string body, std::string_view content_type,
               bool close_after, bool payload = false);
  void RejectEngine(EngineError error, metrics::HandshakeRejection why);
  void OnWritten(const boost::system::error_code& ec, bool close_after);
  // While a GET is held, a read notices the client going away.
  void WatchPeer();
  void CloseSocket();

  boost::beast::tcp_stream stream_;
  ShardServer& server_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;

  // About the request being answered.
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::string accept_encoding_;
  std::vector<std::pair<std::string, std::string>> cors_headers_;
  // The answer being written (kept between answers for their capacity).
  std::string response_head_;
  std::string response_body_;
  bool writing_ = false;

  bool served_before_ = false;  // idle timeout instead of handshake timeout
  bool answered_ = false;       // the current request has its answer
  std::weak_ptr<PollingTransport> holder_;  // transport holding our GET
  bool holding_ = false;
  bool watching_ = false;
  bool resume_after_watch_ = false;
};

}  // namespace hub::engineio
