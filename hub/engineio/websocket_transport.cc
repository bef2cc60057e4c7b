#include "hub/engineio/websocket_transport.h"

#include <sys/uio.h>

#include <cerrno>

#include "hub/engineio/packet.h"
#include "hub/engineio/send_gathered.h"

namespace hub::engineio {
namespace {
// One writev carries at most this much, and one flush at most a few of
// them, so a huge backlog does not monopolise the shard between two reads.
constexpr size_t kMaxBuffersPerWrite = 256;  // under IOV_MAX (1024)
constexpr size_t kMaxBytesPerWrite = 1 << 20;
constexpr int kMaxWritesPerFlush = 4;
// After our close frame, how long the peer gets to answer before we cut.
constexpr auto kCloseLinger = std::chrono::seconds(2);
constexpr size_t kShardReadBufferBytes = 64 * 1024;
constexpr int kMaxReadsPerWakeup = 4;
}  // namespace

WebSocketTransport::WebSocketTransport(boost::asio::ip::tcp::socket socket, std::string leftover,
                                       size_t max_message_bytes,
                                       std::atomic<int64_t>& open_sockets,
                                       std::shared_ptr<WriteFlusher> flusher)
    : socket_(std::move(socket)),
      leftover_(std::move(leftover)),
      decoder_(max_message_bytes),
      flusher_(std::move(flusher)),
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
  RequestFlush();  // the OPEN packet was queued before the session was bound
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
    RequestFlush();
    session_->OnUpgradeProbed(this);
    return;
  }
  if (packet.type == PacketType::kUpgrade) {
    // From here on this is the session's transport: take its queue.
    probing_ = false;
    session_->CompleteUpgrade(this);
    RequestFlush();
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
      RequestFlush();
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

void WebSocketTransport::OnFramesQueued() { RequestFlush(); }

void WebSocketTransport::Close(uint16_t ws_code, std::string_view reason, bool flush) {
  if (closing_ || terminated_) return;
  closing_ = true;
  if (!flush && session_ && !probing_) {
    std::vector<SharedFrame> discarded;
    session_->TakeFrames(discarded, SIZE_MAX, SIZE_MAX);
  }
  control_frames_.push_back(EncodeWsCloseFrame(ws_code, reason));
  if (awaiting_writable_) ArmLinger();
  RequestFlush();
}

void WebSocketTransport::RequestFlush() {
  if (flush_requested_ || awaiting_writable_ || terminated_) return;
  flush_requested_ = true;
  flusher_->Request(shared_from_this());
}

void WebSocketTransport::PrefetchForFlush() const {
  if (session_) session_->PrefetchQueue();
}

bool WebSocketTransport::HasOutput() const {
  if (!partial_.empty() || !control_frames_.empty()) return true;
  return !close_written_ && session_ && !probing_ && session_->HasQueuedFrames();
}

size_t WebSocketTransport::Flush() {
  flush_requested_ = false;
  size_t frames = 0;
  if (terminated_ || awaiting_writable_) return frames;
  for (int i = 0; i < kMaxWritesPerFlush && HasOutput(); ++i) {
    if (!WriteOnce(frames)) return frames;  // waiting for writability, or failed
  }
  AfterWrites();
  return frames;
}

void WebSocketTransport::AfterWrites() {
  if (HasOutput()) {
    RequestFlush();  // a big backlog: the rest in the next round
  } else if (close_written_) {
    ShutdownAfterClose();
  }
}

bool WebSocketTransport::PrepareBatchedWrite(BatchedWrite& write, std::vector<iovec>& iov) {
  if (terminated_ || awaiting_writable_ || !HasOutput()) return false;
  flush_requested_ = false;
  write.fd = socket_.native_handle();
  write.iov_offset = iov.size();
  write.parts = GatherWrite(iov);
  write.iov_count = iov.size() - write.iov_offset;
  return true;
}

size_t WebSocketTransport::CompleteBatchedWrite(const BatchedWrite& write) {
  // Between this connection's gather and now only other connections'
  // results were handled, and those never touch this one's queue; a
  // connection that ended meanwhile has nothing left to account for.
  if (terminated_) return 0;
  size_t frames = 0;
  if (FinishWrite(write.result, write.parts, frames)) AfterWrites();
  return frames;
}

bool WebSocketTransport::WriteOnce(size_t& frames_written) {
  // The shard thread's scratch list: keeps its capacity between writes.
  thread_local std::vector<iovec> iov;
  iov.clear();
  const WriteParts parts = GatherWrite(iov);
  return FinishWrite(SendGathered(socket_.native_handle(), iov.data(), iov.size()), parts, frames_written);
}

WriteParts WebSocketTransport::GatherWrite(std::vector<iovec>& iov) const {
  const size_t first = iov.size();
  const auto full = [&] { return iov.size() - first == kMaxBuffersPerWrite; };
  size_t bytes = 0;
  auto add = [&](std::string_view buffer) {
    iov.push_back(iovec{const_cast<char*>(buffer.data()), buffer.size()});
    bytes += buffer.size();
  };
  if (!partial_.empty()) add(partial_);
  // Control frames (pongs) go before data; the close frame goes last, once
  // every data frame is out.
  const bool takes_data = !close_written_ && session_ && !probing_;
  const bool data_queued = takes_data && session_->HasQueuedFrames();
  WriteParts parts;
  for (const auto& control : control_frames_) {
    const bool is_close = closing_ && parts.controls + 1 == control_frames_.size();
    if (full() || (is_close && data_queued)) break;
    add(control);
    ++parts.controls;
  }
  if (data_queued) {
    for (const auto& frame : session_->queued_frames()) {
      if (full() || (parts.frames > 0 && bytes + frame->size() > kMaxBytesPerWrite)) break;
      add(frame->ws_frame());
      ++parts.frames;
    }
  }
  return parts;
}

bool WebSocketTransport::FinishWrite(ssize_t result, const WriteParts& parts, size_t& frames_written) {
  if (result < 0) {
    if (result == -EAGAIN || result == -EWOULDBLOCK || result == -EINTR) {
      AwaitWritable();
    } else {
      NotifyClosed(DisconnectReason::kTransportError);
      Terminate();
    }
    return false;
  }

  // Retire what left, in the order it was gathered. A buffer the write cut
  // in two leaves its unsent end in partial_, which goes first next time.
  size_t left = static_cast<size_t>(result);
  if (!partial_.empty()) {
    if (left < partial_.size()) {
      partial_.erase(0, left);
      AwaitWritable();
      return false;
    }
    left -= partial_.size();
    std::string().swap(partial_);
  }
  for (size_t i = 0; i < parts.controls; ++i) {
    const std::string& control = control_frames_.front();
    const bool is_close = closing_ && control_frames_.size() == 1;
    if (left < control.size()) {
      if (left > 0) {
        partial_.assign(control, left);
        PopControlFrame();
        if (is_close) close_written_ = true;
      }
      AwaitWritable();
      return false;
    }
    left -= control.size();
    PopControlFrame();
    if (is_close) close_written_ = true;
  }
  if (parts.frames > 0) {
    const auto& queue = session_->queued_frames();
    size_t written = 0;
    while (written < parts.frames && written < queue.size() && left >= queue[written]->size()) {
      left -= queue[written]->size();
      ++written;
    }
    const bool cut = written < parts.frames;
    if (cut && left > 0 && written < queue.size()) {
      partial_.assign(queue[written]->ws_frame().substr(left));
      ++written;
    }
    session_->PopWritten(written);
    frames_written += written;
    if (cut) {
      AwaitWritable();
      return false;
    }
  }
  return true;
}

void WebSocketTransport::PopControlFrame() {
  control_frames_.pop_front();
  if (control_frames_.empty()) control_frames_.shrink_to_fit();  // frees the map and block
}

void WebSocketTransport::AwaitWritable() {
  if (terminated_) return;
  awaiting_writable_ = true;
  // A closing connection whose peer stopped reading does not get forever:
  // it is cut after kCloseLinger without progress.
  if (closing_) ArmLinger();
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->awaiting_writable_ = false;
                       if (self->terminated_) return;
                       if (ec) {
                         self->NotifyClosed(DisconnectReason::kTransportError);
                         self->Terminate();
                         return;
                       }
                       self->Flush();
                     });
}

void WebSocketTransport::ArmLinger() {
  if (!linger_timer_) linger_timer_ = std::make_unique<boost::asio::steady_timer>(socket_.get_executor());
  // Re-arming cancels the previous wait (its handler sees an error).
  linger_timer_->expires_after(kCloseLinger);
  linger_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->Terminate();
  });
}

void WebSocketTransport::ShutdownAfterClose() {
  // Our close frame is out: stop sending and give the peer a moment to close
  // its side, then cut the connection whatever it does.
  if (shut_down_) return;
  shut_down_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  ArmLinger();
}

void WebSocketTransport::Terminate() {
  if (terminated_) return;
  terminated_ = true;
  open_sockets_.fetch_sub(1, std::memory_order_relaxed);
  if (linger_timer_) linger_timer_->cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (session_) {
    NotifyClosed(DisconnectReason::kTransportClose);
    session_.reset();
  }
}

}  // namespace hub::engineio
