#include "hub/engineio/session.h"

#include "absl/strings/str_cat.h"
#include "hub/base/strings.h"
#include "hub/engineio/ws_frame.h"

namespace hub::engineio {
namespace {

const SharedFrame& PingFrame() {
  static const SharedFrame frame = WireFrame::Text(PacketType::kPing, "");
  return frame;
}

uint16_t CloseCodeFor(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kParseError:
    case DisconnectReason::kTransportError: return ws_close::kProtocolError;
    case DisconnectReason::kServerShuttingDown: return ws_close::kGoingAway;
    case DisconnectReason::kForcedClose: return ws_close::kPolicyViolation;
    default: return ws_close::kNormal;
  }
}

}  // namespace

Session::Session(SessionTimers& timers, std::string sid, const SessionOptions& options,
                 metrics::ShardStats& stats)
    : sid_(std::move(sid)), options_(options), stats_(stats), timers_(timers) {}

Session::~Session() = default;

void Session::Start(std::shared_ptr<Transport> transport, std::unique_ptr<SessionObserver> observer) {
  transport_ = std::move(transport);
  transport_kind_ = transport_->kind();
  observer_ = std::move(observer);
  stats_.connections[static_cast<size_t>(transport_kind_)].Inc();
  stats_.handshakes[static_cast<size_t>(transport_kind_)].Add();

  // Only a polling session can move to WebSocket; a WebSocket one is there.
  const std::string_view upgrades =
      transport_kind_ == metrics::TransportKind::kPolling ? "[\"websocket\"]" : "[]";
  const std::string open = absl::StrCat(
      "{\"sid\":\"", sid_, "\",\"upgrades\":", ToAbsl(upgrades),
      ",\"pingInterval\":", options_.ping_interval.count(),
      ",\"pingTimeout\":", options_.ping_timeout.count(), ",\"maxPayload\":", options_.max_payload,
      "}");
  Send(WireFrame::Text(PacketType::kOpen, open));
  SchedulePing();
}

Session::SendResult Session::Send(SharedFrame frame) {
  if (closed_) {
    stats_.frames_dropped[static_cast<size_t>(metrics::DropReason::kClosed)].Add();
    return SendResult::kClosed;
  }
  if (queue_.size() >= options_.max_outbound_frames ||
      queued_bytes_ + frame->size() > options_.max_outbound_bytes) {
    return RefuseOverflow(1);
  }
  const bool was_empty = queue_.empty();
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (was_empty) transport_->OnFramesQueued();
  return SendResult::kQueued;
}

Session::SendResult Session::RefuseOverflow(size_t frames) {
  if (closed_) {
    stats_.frames_dropped[static_cast<size_t>(metrics::DropReason::kClosed)].Add(frames);
    return SendResult::kClosed;
  }
  if (options_.disconnect_on_overflow) {
    // A client that stops reading must not hold memory without bound: it
    // goes, with these frames and everything queued for it.
    stats_.frames_dropped[static_cast<size_t>(metrics::DropReason::kSlowClient)].Add(frames + queue_.size());
    queue_.clear();
    queued_bytes_ = 0;
    Close(DisconnectReason::kForcedClose, /*flush=*/false);
    return SendResult::kClosed;
  }
  stats_.frames_dropped[static_cast<size_t>(metrics::DropReason::kQueueFull)].Add(frames);
  return SendResult::kDropped;
}

bool Session::CanSendNow() const {
  return !closed_ && queue_.size() < options_.max_outbound_frames &&
         queued_bytes_ < options_.max_outbound_bytes;
}

bool Session::HasRoomFor(size_t frames, size_t bytes) const {
  return !closed_ && queue_.size() + frames <= options_.max_outbound_frames &&
         queued_bytes_ + bytes <= options_.max_outbound_bytes;
}

void Session::TakeFrames(std::vector<SharedFrame>& out, size_t max_frames, size_t max_bytes) {
  size_t frames = 0;
  size_t bytes = 0;
  while (frames < queue_.size() && frames < max_frames &&
         (bytes == 0 || bytes + queue_[frames]->size() <= max_bytes)) {
    bytes += queue_[frames]->size();
    out.push_back(std::move(queue_[frames]));
    ++frames;
  }
  Retire(frames, bytes);
}

void Session::PopWritten(size_t frames) {
  size_t bytes = 0;
  for (size_t i = 0; i < frames; ++i) bytes += queue_[i]->size();
  Retire(frames, bytes);
}

void Session::Retire(size_t frames, size_t bytes) {
  if (frames == 0) return;
  stats_.queue_depth.Observe(static_cast<double>(queue_.size()));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(frames));
  queued_bytes_ -= bytes;
  const size_t kind = static_cast<size_t>(transport_kind_);
  stats_.packets_out[kind].Add(frames);
  stats_.bytes_out[kind].Add(bytes);
}

void Session::CountInbound(size_t bytes) {
  stats_.bytes_in[static_cast<size_t>(transport_kind_)].Add(bytes);
}

void Session::OnPacket(const Packet& packet) {
  if (closed_) return;
  stats_.packets_in[static_cast<size_t>(transport_kind_)].Add();
  switch (packet.type) {
    case PacketType::kPong:
      stats_.pongs_received.Add();
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        // Between heartbeats an idle connection holds no queue memory.
        if (queue_.empty()) boost::container::deque<SharedFrame>().swap(queue_);
        stats_.pong_latency.Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - ping_sent_at_).count());
        SchedulePing();
      }
      return;
    case PacketType::kMessage:
      observer_->OnMessage(packet.data, packet.binary);
      return;
    case PacketType::kClose:
      Close(DisconnectReason::kTransportClose);
      return;
    case PacketType::kPing:
      // In Engine.IO v4 only the server pings the session (a client's probe
      // ping goes to the probe transport). Answering would also echo bytes
      // unchecked: over polling, invalid UTF-8 in a text response. The
      // reference server closes too ("invalid heartbeat direction").
      Close(DisconnectReason::kParseError, /*flush=*/false);
      return;
    case PacketType::kNoop:
    case PacketType::kUpgrade:
      return;
    case PacketType::kOpen:
      Close(DisconnectReason::kParseError, /*flush=*/false);
      return;
  }
}

void Session::SchedulePing() { timers_.ping_due.Arm(*this); }

void Session::OnDeadline() {
  auto self = shared_from_this();  // closing may drop the last other owner
  OnHeartbeatTimer();
}

void Session::OnHeartbeatTimer() {
  if (closed_) return;
  if (awaiting_pong_) {
    stats_.heartbeat_timeouts.Add();
    Close(DisconnectReason::kPingTimeout, /*flush=*/false);
    return;
  }
  awaiting_pong_ = true;
  ping_sent_at_ = std::chrono::steady_clock::now();
  stats_.pings_sent.Add();
  Send(PingFrame());
  if (!closed_) timers_.pong_due.Arm(*this);
}

bool Session::BeginUpgrade(std::shared_ptr<Transport> probe) {
  if (closed_ || upgrade_transport_ || transport_kind_ != metrics::TransportKind::kPolling) {
    return false;
  }
  upgrade_transport_ = std::move(probe);
  upgrade_timer_ = std::make_unique<boost::asio::steady_timer>(timers_.ping_due.executor());
  upgrade_timer_->expires_after(options_.upgrade_timeout);
  upgrade_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->upgrade_transport_) return;
    // The client never finished: drop the probe, keep the session on polling.
    auto probe = std::move(self->upgrade_transport_);
    if (self->transport_) self->transport_->OnUpgradeAborted();
    probe->Close(ws_close::kNormal, "upgrade timeout", /*flush=*/false);
  });
  return true;
}

void Session::OnUpgradeProbed(const Transport* probe) {
  if (closed_ || upgrade_transport_.get() != probe) return;
  if (transport_) transport_->OnUpgrading();
}

void Session::CompleteUpgrade(const Transport* probe) {
  if (closed_ || upgrade_transport_.get() != probe) return;
  upgrade_timer_.reset();  // cancels its wait
  auto old = std::move(transport_);
  transport_ = std::move(upgrade_transport_);
  stats_.connections[static_cast<size_t>(transport_kind_)].Dec();
  transport_kind_ = transport_->kind();
  stats_.connections[static_cast<size_t>(transport_kind_)].Inc();
  stats_.upgrades.Add();
  // Whatever is still queued was never handed to the old transport, so it
  // goes out on the new one in order: nothing lost, nothing twice.
  if (old) old->OnUpgraded();
  if (!queue_.empty()) transport_->OnFramesQueued();
}

void Session::AbortUpgrade(const Transport* probe) {
  if (upgrade_transport_.get() != probe) return;
  upgrade_timer_.reset();  // cancels its wait
  upgrade_transport_.reset();
  if (!closed_ && transport_) transport_->OnUpgradeAborted();
}

void Session::Close(DisconnectReason reason, bool flush) {
  if (closed_) return;
  auto transport = transport_;
  Finish(reason);
  if (!flush) {
    for (const auto& frame : queue_) {
      (void)frame;
      stats_.frames_dropped[static_cast<size_t>(metrics::DropReason::kClosed)].Add();
    }
    queue_.clear();
    queued_bytes_ = 0;
  }
  if (transport) {
    transport->Close(CloseCodeFor(reason), DisconnectReasonText(reason), flush);
  }
}

void Session::OnTransportClosed(DisconnectReason reason) {
  if (closed_) return;
  Finish(reason);
  queue_.clear();
  queued_bytes_ = 0;
}

void Session::Finish(DisconnectReason reason) {
  closed_ = true;
  DisarmDeadline();
  upgrade_timer_.reset();  // cancels its wait
  if (auto probe = std::move(upgrade_transport_)) {
    probe->Close(CloseCodeFor(reason), DisconnectReasonText(reason), /*flush=*/false);
  }
  stats_.connections[static_cast<size_t>(transport_kind_)].Dec();
  stats_.disconnects[static_cast<size_t>(reason)].Add();
  if (observer_) observer_->OnClose(reason);
  // The transport keeps itself alive while its operations are pending; the
  // session no longer needs it.
  transport_.reset();
}

}  // namespace hub::engineio
