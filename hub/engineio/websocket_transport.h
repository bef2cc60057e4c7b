// The WebSocket transport: reads client frames through WsFrameDecoder and
// writes everything the session has queued in one gathered write, so a burst
// of packets costs one send() instead of one per packet.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "boost/container/deque.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hub/engineio/session.h"
#include "hub/engineio/transport.h"
#include "hub/engineio/ws_frame.h"

namespace hub::engineio {

class WebSocketTransport : public Transport,
                           public std::enable_shared_from_this<WebSocketTransport> {
 public:
  // `leftover` holds bytes read past the HTTP upgrade request.
  // `open_sockets` is decremented when the TCP connection is finally closed.
  WebSocketTransport(boost::asio::ip::tcp::socket socket, std::string leftover,
                     size_t max_message_bytes, std::atomic<int64_t>& open_sockets);
  ~WebSocketTransport() override;

  // Binds the session and starts reading. Call once, after session->Start.
  void Run(std::shared_ptr<Session> session);
  // Starts as the upgrade candidate of a polling session (which must have
  // accepted it with BeginUpgrade): answers "2probe", and on "5" becomes the
  // session's transport. Until then it never takes the session's frames.
  void RunProbe(std::shared_ptr<Session> session);

  void OnFramesQueued() override;
  void Close(uint16_t ws_code, std::string_view reason, bool flush) override;
  metrics::TransportKind kind() const override { return metrics::TransportKind::kWebSocket; }

 private:
  void ReadMore();
  void Consume(std::string_view bytes);
  void HandleMessage(WsMessage& message);
  void HandleProbePacket(const Packet& packet);
  // Tells the session this transport ended: a probe only aborts the upgrade.
  void NotifyClosed(DisconnectReason why);
  void Fail(uint16_t code, std::string_view reason, DisconnectReason why);
  void MaybeWrite();
  void OnWritten(const boost::system::error_code& ec);
  void ShutdownAfterClose();
  void Terminate();

  boost::asio::ip::tcp::socket socket_;
  std::string leftover_;
  WsFrameDecoder decoder_;
  std::shared_ptr<Session> session_;
  std::vector<WsMessage> messages_;

  // Pongs and the close frame go first; empty (no allocation) for most connections.
  boost::container::deque<std::string> control_frames_;
  std::vector<SharedFrame> in_flight_;
  std::vector<std::string> control_in_flight_;
  std::vector<boost::asio::const_buffer> buffers_;
  bool writing_ = false;
  bool closing_ = false;      // a close frame is queued; no more data frames
  bool close_written_ = false;
  bool terminated_ = false;
  bool probing_ = false;
  boost::asio::steady_timer linger_timer_;
  std::atomic<int64_t>& open_sockets_;
};

}  // namespace hub::engineio
