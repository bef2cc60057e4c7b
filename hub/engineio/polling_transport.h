// The HTTP long-polling transport of one session. A GET is held until the
// session has frames (or a PING is due) and then takes everything queued as
// one payload; a POST carries one or many packets in. One GET at a time: a
// second concurrent one is a protocol error that closes the session.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "boost/container/deque.hpp"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hub/engineio/handshake.h"
#include "hub/engineio/session.h"
#include "hub/engineio/transport.h"

namespace hub::engineio {

// One HTTP request waiting for its answer, as the transport sees it (an
// HttpConnection in the server, a fake in tests). Exactly one Send* per request.
class PollResponder {
 public:
  virtual ~PollResponder() = default;
  // 200 with an Engine.IO payload.
  virtual void SendPayload(std::string body) = 0;
  // 200 "ok", the answer to a POST.
  virtual void SendOk() = 0;
  // The Engine.IO error JSON; `too_large` makes it HTTP 413 instead of 400.
  virtual void SendError(EngineError error, bool too_large = false) = 0;
};

struct PollingOptions {
  size_t max_packets_per_payload = 100000;
  // After a graceful server close, how long the last frames and the close
  // packet wait for the client's next GETs.
  std::chrono::milliseconds close_linger{5000};
  // After the client's own close, with no GET held: how long a GET it sent
  // just before the close is still answered as a held one would have been
  // (noop). Sent on another connection, through another shard, such a GET
  // can arrive second.
  std::chrono::milliseconds peer_close_grace{1000};
};

class PollingTransport : public Transport, public std::enable_shared_from_this<PollingTransport> {
 public:
  // `on_done` runs once, when no request for this sid may be served any more
  // (session over and close delivered, or upgraded away); the server then
  // forgets the sid. `open_sockets` counts a close still waiting for its GET.
  PollingTransport(boost::asio::any_io_executor executor, const PollingOptions& options,
                   std::atomic<int64_t>& open_sockets, std::function<void()> on_done);
  ~PollingTransport() override;

  // Call once, before session->Start (which queues the OPEN packet).
  void Bind(std::shared_ptr<Session> session);

  void OnGet(std::shared_ptr<PollResponder> request);
  void OnPost(const std::shared_ptr<PollResponder>& request, std::string_view body);
  // The held GET's connection went away before its answer: the client left.
  void OnPollAborted(const PollResponder* request);
  bool done() const { return done_; }

  void OnFramesQueued() override;
  void Close(uint16_t ws_code, std::string_view reason, bool flush) override;
  metrics::TransportKind kind() const override { return metrics::TransportKind::kPolling; }
  void OnUpgrading() override;
  void OnUpgradeAborted() override;
  void OnUpgraded() override;

 private:
  // Answers the held GET with the queued frames, if there are any.
  void Flush();
  void Answer(std::string body);
  // Keeps the sid answering final_bodies_ to the next GETs for `how_long`.
  void Linger(std::chrono::milliseconds how_long);
  void Done();

  const PollingOptions options_;
  std::atomic<int64_t>& open_sockets_;
  std::function<void()> on_done_;
  std::shared_ptr<Session> session_;
  std::shared_ptr<PollResponder> held_;
  boost::asio::steady_timer linger_timer_;
  // For the next GETs: the last frames then the close, or the noop after a
  // client's close.
  boost::container::deque<std::string> final_bodies_;
  bool lingering_ = false;
  bool upgrading_ = false;    // probe answered: a GET must not be held
  bool closing_ = false;
  bool peer_closed_ = false;  // the client sent CLOSE
  bool done_ = false;
};

}  // namespace hub::engineio
