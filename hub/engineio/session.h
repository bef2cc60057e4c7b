// One Engine.IO session: the OPEN handshake packet, the heartbeat, the
// bounded outbound queue and the close, independent of the transport that
// carries it. Lives on one shard; every method runs on that shard's thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boost/container/deque.hpp"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/steady_timer.hpp"
#include "hub/base/deadline_queue.h"
#include "hub/base/disconnect_reason.h"
#include "hub/engineio/packet.h"
#include "hub/engineio/transport.h"
#include "hub/engineio/wire_frame.h"
#include "metrics/shard_stats.h"

namespace hub::engineio {

struct SessionOptions {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  uint64_t max_payload = 1000000;
  size_t max_outbound_frames = 10000;
  size_t max_outbound_bytes = 16 << 20;
  bool disconnect_on_overflow = true;  // else drop the frame
  std::chrono::milliseconds upgrade_timeout{10000};
};

// The timers every session of one shard shares, one queue per duration (see
// DeadlineQueue): a session is in at most one of them at a time.
struct SessionTimers {
  SessionTimers(boost::asio::any_io_executor executor, const SessionOptions& options)
      : ping_due(executor, options.ping_interval), pong_due(executor, options.ping_timeout) {}
  DeadlineQueue ping_due;  // then a PING goes out
  DeadlineQueue pong_due;  // a PONG not back by then closes the session
};

// The layer above (a Socket.IO client) as the session sees it.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  // One Engine.IO MESSAGE: text, or binary bytes.
  virtual void OnMessage(std::string_view data, bool binary) = 0;
  // Called exactly once when the session ends, whoever ended it.
  virtual void OnClose(DisconnectReason reason) = 0;
};

class Session : public std::enable_shared_from_this<Session>, private DeadlineQueue::Waiter {
 public:
  enum class SendResult { kQueued, kDropped, kClosed };

  // `timers` are the shard's, made with the same `options`.
  Session(SessionTimers& timers, std::string sid, const SessionOptions& options,
          metrics::ShardStats& stats);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& sid() const { return sid_; }
  bool closed() const { return closed_; }
  metrics::TransportKind transport_kind() const { return transport_kind_; }

  // Sends OPEN and starts the heartbeat.
  void Start(std::shared_ptr<Transport> transport, std::unique_ptr<SessionObserver> observer);

  // Queues one outbound packet, applying the queue bounds: when full, the
  // frame is dropped or the session closed, as configured.
  SendResult Send(SharedFrame frame);
  // Refuses `frames` frames that do not fit the queue bounds together (a
  // binary packet is its text frame and attachments, all or none) and
  // applies the overflow policy to them: dropped, or the session closed.
  SendResult RefuseOverflow(size_t frames);
  // Whether a volatile packet would be taken right now.
  bool CanSendNow() const;
  // Whether `frames` more frames of `bytes` in all fit the queue bounds.
  bool HasRoomFor(size_t frames, size_t bytes) const;

  // Server-side close (backend request, slow client, drain).
  void Close(DisconnectReason reason, bool flush = true);

  // --- Called by the transport. ---
  void OnPacket(const Packet& packet);
  void OnTransportClosed(DisconnectReason reason);
  // Moves up to the given amounts of queued frames into `out`.
  void TakeFrames(std::vector<SharedFrame>& out, size_t max_frames, size_t max_bytes);
  // The queued frames, oldest first, for a transport that writes them
  // straight from the queue; it then calls PopWritten with how many left.
  const boost::container::deque<SharedFrame>& queued_frames() const { return queue_; }
  void PopWritten(size_t frames);
  void PrefetchQueue() const { __builtin_prefetch(&queue_); }
  // Fan-out prefetching (socketio::PrefetchFanOut): first the members Send
  // reads, then, once those arrived, the transport Send notifies.
  void PrefetchSendState() const {
    __builtin_prefetch(&closed_);
    __builtin_prefetch(&queue_);
    __builtin_prefetch(&options_);
    __builtin_prefetch(&transport_);
  }
  void PrefetchTransport() const {
    const char* transport = reinterpret_cast<const char*>(transport_.get());
    __builtin_prefetch(transport - 16);  // the shared_ptr control block sits just before
    __builtin_prefetch(transport + 48);
  }
  bool HasQueuedFrames() const { return !queue_.empty(); }
  void CountInbound(size_t bytes);

  // --- Upgrade (polling -> WebSocket), called by the probing transport. ---
  // Accepts `probe` as the upgrade candidate; false when the session is not
  // on polling, is closed, or already upgrading (the caller refuses it).
  bool BeginUpgrade(std::shared_ptr<Transport> probe);
  // "2probe" was answered with "3probe": the client will pause polling.
  void OnUpgradeProbed(const Transport* probe);
  // "5" arrived on the probe: it becomes the session's transport.
  void CompleteUpgrade(const Transport* probe);
  // The probe closed or misbehaved before "5": stay on the old transport.
  void AbortUpgrade(const Transport* probe);
  bool upgrading() const { return upgrade_transport_ != nullptr; }

 private:
  // Drops the `frames` oldest queued frames (`bytes` in all), which left
  // through the transport, and counts them out.
  void Retire(size_t frames, size_t bytes);
  void SchedulePing();
  void OnDeadline() override;  // of the heartbeat
  void OnHeartbeatTimer();
  void Finish(DisconnectReason reason);

  const std::string sid_;
  const SessionOptions options_;
  metrics::ShardStats& stats_;
  metrics::TransportKind transport_kind_ = metrics::TransportKind::kWebSocket;

  std::shared_ptr<Transport> transport_;
  std::shared_ptr<Transport> upgrade_transport_;  // the probe, until "5" or failure
  // Only while a polling session probes an upgrade: most sessions never do.
  std::unique_ptr<boost::asio::steady_timer> upgrade_timer_;
  std::unique_ptr<SessionObserver> observer_;
  // boost's deque allocates nothing while empty (std::deque takes 576 bytes
  // at construction): idle connections are most connections.
  boost::container::deque<SharedFrame> queue_;
  size_t queued_bytes_ = 0;

  SessionTimers& timers_;  // the heartbeat waits in one of them
  bool awaiting_pong_ = false;
  std::chrono::steady_clock::time_point ping_sent_at_;
  bool closed_ = false;
};

}  // namespace hub::engineio
