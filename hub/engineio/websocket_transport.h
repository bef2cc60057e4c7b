// The WebSocket transport: reads client frames through WsFrameDecoder and,
// when the shard's WriteFlusher calls, writes everything queued for the
// connection in one non-blocking writev straight from the session's queue.
// Only a full socket buffer makes it wait (for writability) before the rest.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/container/deque.hpp"
#include "hub/engineio/session.h"
#include "hub/engineio/transport.h"
#include "hub/engineio/write_flusher.h"
#include "hub/engineio/ws_frame.h"

namespace hub::engineio {

class WebSocketTransport : public Transport,
                           public FlushTarget,
                           public std::enable_shared_from_this<WebSocketTransport> {
 public:
  // `leftover` holds bytes read past the HTTP upgrade request.
  // `open_sockets` is decremented when the TCP connection is finally closed.
  WebSocketTransport(boost::asio::ip::tcp::socket socket, std::string leftover,
                     size_t max_message_bytes, std::atomic<int64_t>& open_sockets,
                     std::shared_ptr<WriteFlusher> flusher);
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
  size_t Flush() override;
  void PrefetchForFlush() const override;
  bool PrepareBatchedWrite(BatchedWrite& write, std::vector<iovec>& iov) override;
  size_t CompleteBatchedWrite(const BatchedWrite& write) override;

  // Whether storage for control frames is still held (none should be once
  // they have all left).
  bool HoldsControlStorageForTest() const { return control_frames_.begin().get_node() != nullptr; }

 private:
  void ReadMore();
  void Consume(std::string_view bytes);
  void HandleMessage(WsMessage& message);
  void HandleProbePacket(const Packet& packet);
  // Tells the session this transport ended: a probe only aborts the upgrade.
  void NotifyClosed(DisconnectReason why);
  void Fail(uint16_t code, std::string_view reason, DisconnectReason why);
  // Asks the flusher for a turn, unless one is due or we wait for writability.
  void RequestFlush();
  // One writev of what is queued; false when the socket buffer is full
  // (or the connection failed) and the rest must wait.
  bool WriteOnce(size_t& frames_written);
  // Appends the next write's buffers to `iov`: the cut end of the last
  // write, control frames, then queued frames, within the per-write bounds.
  WriteParts GatherWrite(std::vector<iovec>& iov) const;
  // Accounts for a write of those parts that returned `result` (bytes, or
  // -errno); false when the rest must wait or the connection failed.
  bool FinishWrite(ssize_t result, const WriteParts& parts, size_t& frames_written);
  // After a turn's writes: another turn for a backlog, or the shutdown
  // that follows our close frame.
  void AfterWrites();
  void AwaitWritable();
  // Drops the control frame that has left, and the storage once none is left.
  void PopControlFrame();
  bool HasOutput() const;
  // Cuts the connection kCloseLinger from now, whatever the peer does.
  void ArmLinger();
  void ShutdownAfterClose();
  void Terminate();

  // Write-path state first: a flush round touches these for every
  // connection, so they share the object's first cache lines.
  std::shared_ptr<Session> session_;
  bool flush_requested_ = false;
  bool awaiting_writable_ = false;
  bool closing_ = false;        // a close frame is queued; no more data frames
  bool close_written_ = false;  // the close frame has left control_frames_
  bool shut_down_ = false;      // our sending side is shut
  bool terminated_ = false;
  bool probing_ = false;
  boost::asio::ip::tcp::socket socket_;
  // The unsent end of a frame a short write cut; it leaves before anything else.
  std::string partial_;
  // Pongs, the probe's answer and the close frame go before data. A deque:
  // a gathered write points into these strings (short ones live inside the
  // container), and adding a frame never moves the others. Its storage is
  // given back once drained: every upgraded connection answered one probe
  // and must not keep paying for it.
  boost::container::deque<std::string> control_frames_;

  std::string leftover_;
  WsFrameDecoder decoder_;
  std::vector<WsMessage> messages_;
  std::shared_ptr<WriteFlusher> flusher_;
  // Only a closing connection needs one.
  std::unique_ptr<boost::asio::steady_timer> linger_timer_;
  std::atomic<int64_t>& open_sockets_;
};

}  // namespace hub::engineio
