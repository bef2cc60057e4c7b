#include "hub/engineio/websocket_transport.h"

#include "boost/asio/write.hpp"
#include "hub/engineio/packet.h"

namespace hub::engineio {
namespace {
// One gathered write carries at most this much, so a huge backlog does not
// monopolise the shard between two reads.
constexpr size_t kMaxFramesPerWrite = 256;
constexpr size_t kMaxBytesPerWrite = 1 << 20;
// After our close frame, how long the peer gets to answer before we cut.
constexpr auto kCloseLinger = std::chrono::seconds(2);
constexpr size_t kShardReadBufferBytes = 64 * 1024;
constexpr int kMaxReadsPerWakeup = 4;
}  // namespace

WebSocketTransport::WebSocketTransport(boost::asio::ip::tcp::socket socket, std::string leftover,
                                       size_t max_message_bytes,
                                       std::atomic<int64_t>& open_sockets)
    : socket_(std::move(socket)),
      leftover_(std::move(leftover)),
      decoder_(max_message_bytes),
      linger_timer_(socket_.get_executor()),
      open_sockets_(open_sockets) {
  open_sockets_.fetch_add(1, std::memory_order_relaxed);
}

WebSocketTransport::~WebSocketTransport() {
  if (!terminated_) open_sockets_.fetch_sub(1, std::memory_order_relaxed);
}

void WebSocketTransport::Run(std::shared_ptr<Session> session) {
  session_ = std::move(session);
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  // Reads happen after a readiness wait, straight into the shard's buffer.
  socket_.non_blocking(true, ignored);
  if (!leftover_.empty()) {
    std::string bytes = std::move(leftover_);
    Consume(bytes);
  }
  if (terminated_) return;
  MaybeWrite();  // the OPEN packet was queued before the session was bound
  ReadMore();
}

void WebSocketTransport::RunProbe(std::shared_ptr<Session> session) {
  probing_ = true;
  Run(std::move(session));
}

void WebSocketTransport::NotifyClosed(DisconnectReason why) {
  if (!session_) return;
  if (probing_) {
    session_->AbortUpgrade(this);
  } else {
    session_->OnTransportClosed(why);
  }
}

void WebSocketTransport::HandleProbePacket(const Packet& packet) {
  if (packet.type == PacketType::kPing && packet.data == "probe") {
    control_frames_.push_back(EncodeWsFrame(WsOpcode::kText, "3probe"));
    MaybeWrite();
    session_->OnUpgradeProbed(this);
    return;
  }
  if (packet.type == PacketType::kUpgrade) {
    // From here on this is the session's transport: take its queue.
    probing_ = false;
    session_->CompleteUpgrade(this);
    MaybeWrite();
    return;
  }
  // Anything else before "5" is not an upgrade: drop the probe only.
  NotifyClosed(DisconnectReason::kTransportError);
  Close(ws_close::kProtocolError, "invalid upgrade packet", /*flush=*/false);
}

namespace {
// One read buffer per shard thread instead of one per connection: a
// connection waits for readability with no buffer of its own and reads into
// this one only when bytes are there (an idle connection then costs a few
// hundred bytes instead of a 16 KiB buffer).
char* ShardReadBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kShardReadBufferBytes]);
  return buffer.get();
}
}  // namespace

void WebSocketTransport::ReadMore() {
  socket_.async_wait(
      boost::asio::ip::tcp::socket::wait_read,
      [self = shared_from_this()](const boost::system::error_code& wait_error) {
        if (self->terminated_) return;
        boost::system::error_code ec = wait_error;
        char* buffer = ShardReadBuffer();
        // Drain what is there now (bounded, so one busy peer cannot starve
        // the shard), then wait again.
        for (int round = 0; !ec && round < kMaxReadsPerWakeup; ++round) {
          const size_t n = self->socket_.read_some(boost::asio::buffer(buffer, kShardReadBufferBytes), ec);
          if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
            ec = {};
            break;
          }
          if (ec) break;
          self->Consume(std::string_view(buffer, n));
          if (self->terminated_) return;
          if (n < kShardReadBufferBytes) break;  // drained
        }
        if (ec) {
          // EOF or reset: the client went away (after our close frame, that
          // is the expected end of the closing handshake).
          self->NotifyClosed(DisconnectReason::kTransportClose);
          self->Terminate();
          return;
        }
        self->ReadMore();
      });
}

void WebSocketTransport::Consume(std::string_view bytes) {
  if (closing_) return;  // after our close frame, input is only drained
  if (session_) session_->CountInbound(bytes.size());
  messages_.clear();
  if (auto error = decoder_.Feed(bytes, messages_)) {
    // Deliver what arrived intact before the bad frame, then fail.
    for (auto& message : messages_) {
      if (closing_) break;
      HandleMessage(message);
    }
    Fail(error->close_code, error->reason, DisconnectReason::kTransportError);
    return;
  }
  for (auto& message : messages_) {
    if (closing_ || terminated_) break;
    HandleMessage(message);
  }
}

void WebSocketTransport::HandleMessage(WsMessage& message) {
  switch (message.opcode) {
    case WsOpcode::kText: {
      auto packet = DecodeTextPacket(message.payload);
      if (!packet.ok()) {
        Fail(ws_close::kProtocolError, "invalid engine.io packet", DisconnectReason::kParseError);
        return;
      }
      if (!session_) return;
      if (probing_) {
        HandleProbePacket(*packet);
      } else {
        session_->OnPacket(*packet);
      }
      return;
    }
    case WsOpcode::kBinary:
      if (!session_) return;
      if (probing_) {
        HandleProbePacket(DecodeBinaryPacket(message.payload));
      } else {
        session_->OnPacket(DecodeBinaryPacket(message.payload));
      }
      return;
    case WsOpcode::kPing:
      control_frames_.push_back(EncodeWsFrame(WsOpcode::kPong, message.payload));
      MaybeWrite();
      return;
    case WsOpcode::kPong:
      return;
    case WsOpcode::kClose: {
      // Echo the peer's close code as RFC 6455 asks, then end.
      NotifyClosed(DisconnectReason::kTransportClose);
      uint16_t code = ws_close::kNormal;
      if (message.payload.size() >= 2) {
        code = static_cast<uint16_t>((static_cast<uint8_t>(message.payload[0]) << 8) |
                                     static_cast<uint8_t>(message.payload[1]));
      }
      Close(code, "", /*flush=*/false);
      return;
    }
    case WsOpcode::kContinuation:
      return;  // the decoder reassembles fragments; never surfaces alone
  }
}

void WebSocketTransport::Fail(uint16_t code, std::string_view reason, DisconnectReason why) {
  NotifyClosed(why);
  Close(code, reason, /*flush=*/false);
}

void WebSocketTransport::OnFramesQueued() { MaybeWrite(); }

void WebSocketTransport::Close(uint16_t ws_code, std::string_view reason, bool flush) {
  if (closing_ || terminated_) return;
  closing_ = true;
  if (!flush && session_ && !probing_) {
    std::vector<SharedFrame> discarded;
    session_->TakeFrames(discarded, SIZE_MAX, SIZE_MAX);
  }
  control_frames_.push_back(EncodeWsCloseFrame(ws_code, reason));
  MaybeWrite();
}

void WebSocketTransport::MaybeWrite() {
  if (writing_ || terminated_) return;
  buffers_.clear();
  control_in_flight_.clear();
  in_flight_.clear();
  // Control frames first (pongs, then the close frame once data is flushed).
  while (!control_frames_.empty()) {
    const bool is_close = control_frames_.size() == 1 && closing_;
    if (is_close && session_ && !probing_ && session_->HasQueuedFrames()) break;  // flush data first
    control_in_flight_.push_back(std::move(control_frames_.front()));
    control_frames_.pop_front();
    if (is_close) close_written_ = true;
  }
  if (!close_written_ && session_ && !probing_) {
    session_->TakeFrames(in_flight_, kMaxFramesPerWrite, kMaxBytesPerWrite);
  }
  for (const auto& control : control_in_flight_) buffers_.emplace_back(boost::asio::buffer(control));
  for (const auto& frame : in_flight_) buffers_.emplace_back(boost::asio::buffer(frame->ws_frame()));
  if (buffers_.empty()) return;
  writing_ = true;
  boost::asio::async_write(socket_, buffers_,
                           [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                             self->OnWritten(ec);
                           });
}

void WebSocketTransport::OnWritten(const boost::system::error_code& ec) {
  writing_ = false;
  in_flight_.clear();
  control_in_flight_.clear();
  if (terminated_) return;
  if (ec) {
    NotifyClosed(DisconnectReason::kTransportError);
    Terminate();
    return;
  }
  bool close_done = close_written_ && control_frames_.empty();
  if (close_done) {
    ShutdownAfterClose();
    return;
  }
  MaybeWrite();
  if (!writing_ && close_written_) ShutdownAfterClose();
}

void WebSocketTransport::ShutdownAfterClose() {
  // Our close frame is out: stop sending and give the peer a moment to close
  // its side, then cut the connection whatever it does.
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  linger_timer_.expires_after(kCloseLinger);
  linger_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->Terminate();
  });
}

void WebSocketTransport::Terminate() {
  if (terminated_) return;
  terminated_ = true;
  open_sockets_.fetch_sub(1, std::memory_order_relaxed);
  linger_timer_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (session_) {
    NotifyClosed(DisconnectReason::kTransportClose);
    session_.reset();
  }
}

}  // namespace hub::engineio
