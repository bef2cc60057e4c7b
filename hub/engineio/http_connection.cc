#include "hub/engineio/http_connection.h"

#include <unistd.h>

#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/asio/write.hpp"
#include "boost/beast/http/read.hpp"
#include "boost/beast/http/write.hpp"
#include "boost/beast/websocket/detail/hybi13.hpp"
#include "hub/base/log.h"
#include "hub/base/random_id.h"
#include "hub/base/strings.h"
#include "hub/engineio/http_compression.h"
#include "hub/engineio/response_head.h"

namespace hub::engineio {
namespace http = boost::beast::http;
namespace {
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kWatchReadBytes = 4096;

std::string_view View(boost::beast::string_view s) { return std::string_view(s.data(), s.size()); }

bool HeaderHasToken(std::string_view value, std::string_view token) {
  for (absl::string_view part : absl::StrSplit(ToAbsl(value), ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(part), ToAbsl(token))) return true;
  }
  return false;
}

void SplitTarget(std::string_view target, std::string_view& path, std::string_view& query) {
  path = target;
  query = {};
  if (auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
}

bool MountMatches(const std::string& mount, std::string_view path) {
  if (mount.empty()) return false;
  std::string_view bare(mount);
  if (bare.size() > 1 && bare.back() == '/') bare.remove_suffix(1);
  return path == mount || path == bare;
}
}  // namespace

HttpConnection::HttpConnection(boost::asio::ip::tcp::socket socket, ShardServer& server)
    : stream_(std::move(socket)), server_(server) {}

void HttpConnection::Run() { ReadRequest(); }

void HttpConnection::Resume(std::string buffered, Request request, bool served_before) {
  served_before_ = served_before;
  if (!buffered.empty()) {
    auto space = buffer_.prepare(buffered.size());
    std::memcpy(space.data(), buffered.data(), buffered.size());
    buffer_.commit(buffered.size());
  }
  Route(request);
}

void HttpConnection::ReadRequest() {
  answered_ = false;
  holding_ = false;
  holder_.reset();
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(server_.options().session.max_payload);
  // A fresh connection gets the short handshake timeout; one that already
  // served a request may idle as long as a healthy client can go between
  // two requests, so keep-alive never races the client's next poll.
  const auto& session = server_.options().session;
  stream_.expires_after(served_before_ ? session.ping_interval + session.ping_timeout
                                       : server_.options().handshake_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                     self->OnRequest(ec);
                   });
}

void HttpConnection::OnRequest(const boost::system::error_code& ec) {
  if (ec) {
    if (ec == boost::beast::error::timeout) {
      if (!served_before_) {
        server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kTimeout)].Add();
      }
      CloseSocket();
      return;
    }
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset || ec == boost::asio::error::operation_aborted) {
      CloseSocket();
      return;
    }
    if (ec == http::error::body_limit) {
      OnBodyTooLarge();
      return;
    }
    // Not HTTP, or over the header limit: answer once and close.
    server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kBadRequest)].Add();
    version_ = 11;
    keep_alive_ = false;
    cors_headers_.clear();
    Respond(ec == http::error::header_limit ? http::status::payload_too_large : http::status::bad_request,
            EngineErrorBody(EngineError::kBadRequest), "application/json", /*close_after=*/true);
    return;
  }
  Request request = parser_->release();
  Route(request);
}

void HttpConnection::OnBodyTooLarge() {
  // The headers are in: a POST over --max_http_buffer_size ends its session
  // (as the reference server does), wherever that session lives.
  const auto& header = parser_->get();
  version_ = header.version();
  keep_alive_ = false;
  cors_headers_ = DecideCors(server_.cors(), View(header[http::field::origin]), false).headers;
  std::string_view path, query;
  SplitTarget(View(header.target()), path, query);
  const QueryParams params = ParseQueryString(query);
  if (const std::string* sid = FindParam(params, "sid")) {
    const auto shard = ShardOfId(*sid);
    if (shard && *shard >= 0 && static_cast<size_t>(*shard) < kMaxShards) {
      if (auto* owner = server_.state().shards[*shard].load(std::memory_order_acquire)) {
        owner->Post([sid = *sid](ShardServer& s) {
          if (auto session = s.FindSession(sid)) {
            session->Close(DisconnectReason::kTransportError, /*flush=*/false);
          }
        });
      }
    }
  }
  server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kBadRequest)].Add();
  SendError(EngineError::kBadRequest, /*too_large=*/true);
}

void HttpConnection::Route(Request& request) {
  answered_ = false;
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  accept_encoding_ = std::string(View(request[http::field::accept_encoding]));
  cors_headers_.clear();

  std::string_view path, query;
  SplitTarget(View(request.target()), path, query);
  bool echo = false;
  if (!MountMatches(server_.options().path, path)) {
    if (!MountMatches(server_.options().echo_path, path)) {
      Respond(http::status::not_found, "Not Found\n", "text/plain", /*close_after=*/true);
      return;
    }
    echo = true;
  }

  const bool preflight = request.method() == http::verb::options;
  auto cors = DecideCors(server_.cors(), View(request[http::field::origin]), preflight,
                         View(request[http::field::access_control_request_headers]));
  if (!cors.allowed) {
    RejectEngine(EngineError::kForbidden, metrics::HandshakeRejection::kForbidden);
    return;
  }
  cors_headers_ = std::move(cors.headers);
  if (preflight) {
    Respond(http::status::no_content, "", "text/plain", /*close_after=*/false);
    return;
  }

  // Draining refuses new sessions only: polling clients of existing ones
  // must still be able to fetch their close packet.
  if (server_.state().draining.load(std::memory_order_relaxed) &&
      FindParam(ParseQueryString(query), "sid") == nullptr) {
    server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kDraining)].Add();
    Respond(http::status::service_unavailable, "{\"code\":3,\"message\":\"Server is draining\"}",
            "application/json", /*close_after=*/true);
    return;
  }

  const bool upgrade = HeaderHasToken(View(request[http::field::connection]), "upgrade") &&
                       absl::EqualsIgnoreCase(ToAbsl(View(request[http::field::upgrade])), "websocket");
  RequestFacts facts{View(request.method_string()), query, upgrade};
  auto checked = CheckEngineRequest(facts);
  if (auto* error = std::get_if<EngineError>(&checked)) {
    metrics::HandshakeRejection why = metrics::HandshakeRejection::kBadRequest;
    if (*error == EngineError::kUnknownTransport) why = metrics::HandshakeRejection::kUnknownTransport;
    if (*error == EngineError::kUnsupportedProtocolVersion) why = metrics::HandshakeRejection::kUnsupportedVersion;
    RejectEngine(*error, why);
    return;
  }
  auto& engine_request = std::get<EngineRequest>(checked);

  if (!engine_request.sid.empty()) {
    const auto shard = ShardOfId(engine_request.sid);
    if (!shard) {
      RejectEngine(EngineError::kUnknownSid, metrics::HandshakeRejection::kUnknownSession);
      return;
    }
    if (*shard != server_.shard_index()) {
      HandOff(*shard, std::move(request));
      return;
    }
  }
  if (engine_request.transport == TransportName::kPolling) {
    ServePolling(request, std::move(engine_request), echo);
  } else {
    UpgradeWebSocket(request, std::move(engine_request), echo);
  }
}

// Cross-shard hand-off. SO_REUSEPORT lands a TCP connection on any shard, but
// a session is touched only on the shard that owns it (its sid says which).
// The request has been parsed here; the socket itself (file descriptor and
// bytes already read past the request) moves to the owner, which serves the
// request and keeps reading that connection. Moving the connection, rather
// than posting the work and the answer back and forth, means one hop per
// connection instead of two per request: a client's next requests on the
// same keep-alive connection arrive directly on the owner.
void HttpConnection::HandOff(int shard, Request request) {
  ShardServer* owner = nullptr;
  if (shard >= 0 && static_cast<size_t>(shard) < kMaxShards) {
    owner = server_.state().shards[shard].load(std::memory_order_acquire);
  }
  if (owner == nullptr) {
    RejectEngine(EngineError::kUnknownSid, metrics::HandshakeRejection::kUnknownSession);
    return;
  }
  boost::system::error_code ec;
  const auto protocol = stream_.socket().local_endpoint(ec).protocol();
  if (ec) {
    CloseSocket();
    return;
  }
  std::string buffered(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  stream_.expires_never();
  const int fd = stream_.socket().release(ec);
  if (ec) {
    CloseSocket();
    return;
  }
  auto moved = std::make_shared<Request>(std::move(request));
  owner->Post([fd, protocol, buffered = std::move(buffered), moved,
               served = served_before_](ShardServer& s) mutable {
    boost::asio::ip::tcp::socket socket(s.io());
    boost::system::error_code ec;
    socket.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    std::make_shared<HttpConnection>(std::move(socket), s)
        ->Resume(std::move(buffered), std::move(*moved), served);
  });
}

bool HttpConnection::AdmitConnection() {
  auto& state = server_.state();
  if (state.connections.fetch_add(1, std::memory_order_relaxed) >= server_.options().max_connections) {
    state.connections.fetch_sub(1, std::memory_order_relaxed);
    server_.stats().handshakes_rejected[static_cast<size_t>(metrics::HandshakeRejection::kTooManyConnections)].Add();
    Respond(http::status::service_unavailable, "{\"code\":3,\"message\":\"Too many connections\"}",
            "application/json", /*close_after=*/true);
    return false;
  }
  return true;
}

HandshakeInfo HttpConnection::MakeHandshakeInfo(const Request& request, const QueryParams& query) {
  HandshakeInfo::Builder info;
  boost::system::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) info.SetRemoteAddress(absl::StrCat(endpoint.address().to_string(), ":", endpoint.port()));
  for (const auto& [name, value] : query) info.AddQuery(name, value);
  for (const auto& field : request) info.AddHeader(View(field.name_string()), View(field.value()));
  return info.Build();
}

void HttpConnection::ServePolling(Request& request, EngineRequest engine_request, bool echo) {
  if (engine_request.sid.empty()) {
    if (!AdmitConnection()) return;
    HandshakeInfo info = MakeHandshakeInfo(request, engine_request.query);
    server_.OpenPollingSession(shared_from_this(), std::move(info), echo);
    return;
  }
  auto transport = server_.FindPolling(engine_request.sid);
  if (!transport) {
    RejectEngine(EngineError::kUnknownSid, metrics::HandshakeRejection::kUnknownSession);
    return;
  }
  if (request.method() == http::verb::get) {
    holding_ = true;
    holder_ = transport;
    transport->OnGet(shared_from_this());
    if (!answered_) WatchPeer();
    return;
  }
  transport->OnPost(shared_from_this(), request.body());
}

void HttpConnection::UpgradeWebSocket(Request& request, EngineRequest engine_request, bool echo) {
  const auto key = request[http::field::sec_websocket_key];
  if (request[http::field::sec_websocket_version] != "13" || key.empty() || key.size() > 64) {
    RejectEngine(EngineError::kBadRequest, metrics::HandshakeRejection::kBadRequest);
    return;
  }
  std::shared_ptr<Session> session;
  if (!engine_request.sid.empty()) {
    session = server_.FindSession(engine_request.sid);
    if (!session) {
      RejectEngine(EngineError::kUnknownSid, metrics::HandshakeRejection::kUnknownSession);
      return;
    }
    // A session that cannot take this upgrade (already on WebSocket, or
    // probing another one) still gets the WebSocket handshake, then a close
    // frame, as the reference server does: ProbeUpgrade refuses it there.
  } else if (!AdmitConnection()) {
    return;
  }
  auto info = std::make_shared<HandshakeInfo>();
  if (!session) *info = MakeHandshakeInfo(request, engine_request.query);

  boost::beast::websocket::detail::sec_ws_accept_type accept;
  boost::beast::websocket::detail::make_sec_ws_accept(accept, key);
  auto response = std::make_shared<std::string>(absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      absl::string_view(accept.data(), accept.size()), "\r\n\r\n"));
  stream_.expires_after(server_.options().handshake_timeout);
  boost::asio::async_write(
      stream_, boost::asio::buffer(*response),
      [self = shared_from_this(), response, info, session, echo](const boost::system::error_code& ec, size_t) {
        if (ec) {
          if (!session) self->server_.state().connections.fetch_sub(1, std::memory_order_relaxed);
          self->CloseSocket();
          return;
        }
        self->stream_.expires_never();
        std::string leftover(static_cast<const char*>(self->buffer_.data().data()), self->buffer_.size());
        if (session) {
          self->server_.ProbeUpgrade(session, self->stream_.release_socket(), std::move(leftover));
        } else {
          self->server_.OpenWebSocketSession(self->stream_.release_socket(), std::move(leftover),
                                             std::move(*info), echo);
        }
      });
}

void HttpConnection::SendPayload(std::string body) {
  answered_ = true;
  holding_ = false;
  holder_.reset();
  Respond(http::status::ok, std::move(body), "text/plain; charset=UTF-8", /*close_after=*/false,
          /*payload=*/true);
}

void HttpConnection::SendOk() {
  answered_ = true;
  // The reference server answers a POST with text/html "ok"; clients only
  // look at the status.
  Respond(http::status::ok, "ok", "text/html", /*close_after=*/false);
}

void HttpConnection::SendError(EngineError error, bool too_large) {
  answered_ = true;
  holding_ = false;
  holder_.reset();
  http::status status = http::status::bad_request;
  if (too_large) status = http::status::payload_too_large;
  if (error == EngineError::kForbidden) status = http::status::forbidden;
  // The request was read whole, so the connection can carry the client's
  // next one, as with the reference server. Closing it made a client's
  // concurrent poll and close race: one of them had to open a new
  // connection and could arrive second. A body too large was not read.
  Respond(status, EngineErrorBody(error), "application/json", /*close_after=*/too_large);
}

void HttpConnection::RejectEngine(EngineError error, metrics::HandshakeRejection why) {
  server_.stats().handshakes_rejected[static_cast<size_t>(why)].Add();
  SendError(error);
}

void HttpConnection::Respond(http::status status, std::string body, std::string_view content_type,
                             bool close_after, bool payload) {
  // One answer is in flight at a time: the next request is read after it.
  // A second one would rewrite the buffers under the first.
  if (writing_) {
    HUB_LOG_ERROR("event=http_answer_dropped reason=answer_in_flight status={}", static_cast<unsigned>(status));
    return;
  }
  ResponseHead head;
  head.status = status;
  head.version = version_;
  head.content_type = content_type;
  head.extra = &cors_headers_;
  if (payload) {
    // Every poll answer is new data: no cache may keep or replay it.
    head.no_store = true;
    const size_t threshold = server_.options().compression_threshold;
    if (threshold > 0) {
      head.vary_encoding = true;
      const auto encoding = ChooseContentEncoding(accept_encoding_, body.size(), threshold);
      if (encoding != ContentEncoding::kIdentity) {
        auto compressed = Compress(body, encoding);
        if (compressed.ok()) {
          body = *std::move(compressed);
          head.content_encoding = ContentEncodingName(encoding);
        }
      }
    }
  }
  head.content_length = body.size();
  head.keep_alive = keep_alive_ && !close_after;
  writing_ = true;
  WriteResponseHead(head, response_head_);
  response_body_ = std::move(body);
  stream_.expires_after(server_.options().handshake_timeout);
  const std::array<boost::asio::const_buffer, 2> buffers = {boost::asio::buffer(response_head_),
                                                            boost::asio::buffer(response_body_)};
  boost::asio::async_write(stream_, buffers,
                           [self = shared_from_this(), keep = head.keep_alive](const boost::system::error_code& ec,
                                                                                size_t) {
                             self->writing_ = false;
                             self->OnWritten(ec, !keep);
                           });
}

void HttpConnection::OnWritten(const boost::system::error_code& ec, bool close_after) {
  if (ec || close_after) {
    CloseSocket();
    return;
  }
  served_before_ = true;
  if (watching_) {
    // The watch read still owns the socket's read side: stop it, then read
    // the next request once it has returned.
    resume_after_watch_ = true;
    boost::system::error_code ignored;
    stream_.socket().cancel(ignored);
    return;
  }
  ReadRequest();
}

void HttpConnection::WatchPeer() {
  // Bytes past the request already buffered mean a pipelining client; it
  // cannot also be hanging up, so there is nothing to watch for.
  if (buffer_.size() > 0 || watching_) return;
  watching_ = true;
  stream_.expires_never();  // a held poll lasts until data or the next PING
  stream_.socket().async_read_some(
      buffer_.prepare(kWatchReadBytes),
      [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
        self->watching_ = false;
        if (!ec) self->buffer_.commit(n);
        if (self->holding_) {
          if (ec) {
            self->holding_ = false;
            if (auto transport = self->holder_.lock()) transport->OnPollAborted(self.get());
            self->holder_.reset();
            self->CloseSocket();
          }
          return;  // bytes that came are the next request, read after the answer
        }
        if (self->resume_after_watch_) {
          self->resume_after_watch_ = false;
          if (ec && ec != boost::asio::error::operation_aborted) {
            self->CloseSocket();
            return;
          }
          self->ReadRequest();
        }
      });
}

void HttpConnection::CloseSocket() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace hub::engineio
