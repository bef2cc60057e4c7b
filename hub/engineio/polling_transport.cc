#include "hub/engineio/polling_transport.h"

#include <vector>

#include "hub/engineio/packet.h"
#include "hub/engineio/polling_payload.h"

namespace hub::engineio {
namespace {
constexpr std::string_view kNoopPayload = "6";
constexpr std::string_view kClosePayload = "1";
}  // namespace

PollingTransport::PollingTransport(boost::asio::any_io_executor executor,
                                   const PollingOptions& options,
                                   std::atomic<int64_t>& open_sockets,
                                   std::function<void()> on_done)
    : options_(options),
      open_sockets_(open_sockets),
      on_done_(std::move(on_done)),
      linger_timer_(executor) {}

PollingTransport::~PollingTransport() {
  if (lingering_) open_sockets_.fetch_sub(1, std::memory_order_relaxed);
}

void PollingTransport::Bind(std::shared_ptr<Session> session) { session_ = std::move(session); }

void PollingTransport::OnGet(std::shared_ptr<PollResponder> request) {
  auto self = shared_from_this();
  if (done_) {
    request->SendError(EngineError::kUnknownSid);
    return;
  }
  if (lingering_) {
    std::string body = std::move(final_bodies_.front());
    final_bodies_.pop_front();
    request->SendPayload(std::move(body));
    if (final_bodies_.empty()) Done();
    return;
  }
  if (held_) {
    // Two GETs at once: the client is broken (or two clients share a sid).
    request->SendError(EngineError::kBadRequest);
    session_->Close(DisconnectReason::kTransportError, /*flush=*/false);
    return;
  }
  held_ = std::move(request);
  if (session_->HasQueuedFrames()) {
    Flush();
  } else if (upgrading_) {
    // The client is pausing polling for the upgrade; do not hold it.
    Answer(std::string(kNoopPayload));
  }
}

void PollingTransport::OnPost(const std::shared_ptr<PollResponder>& request, std::string_view body) {
  auto self = shared_from_this();
  if (done_ || closing_ || session_->closed()) {
    request->SendError(EngineError::kUnknownSid);
    return;
  }
  session_->CountInbound(body.size());
  auto packets = DecodePayload(body, options_.max_packets_per_payload);
  if (!packets.ok()) {
    request->SendError(EngineError::kBadRequest);
    session_->Close(DisconnectReason::kParseError, /*flush=*/false);
    return;
  }
  for (const Packet& packet : *packets) {
    if (packet.type == PacketType::kClose) peer_closed_ = true;
    session_->OnPacket(packet);
    if (session_ == nullptr || session_->closed()) break;
  }
  request->SendOk();
}

void PollingTransport::OnPollAborted(const PollResponder* request) {
  if (held_.get() != request) return;
  auto self = shared_from_this();
  held_.reset();
  if (done_ || closing_) return;
  if (upgrading_) return;  // the client may drop its poll while switching
  session_->OnTransportClosed(DisconnectReason::kTransportClose);
  Done();
}

void PollingTransport::OnFramesQueued() {
  if (held_ && !closing_) Flush();
}

void PollingTransport::Flush() {
  std::vector<SharedFrame> frames;
  session_->TakeFrames(frames, SIZE_MAX, SIZE_MAX);
  if (frames.empty()) return;
  Answer(EncodeFramesPayload(frames));
}

void PollingTransport::Answer(std::string body) {
  auto request = std::move(held_);
  request->SendPayload(std::move(body));
}

void PollingTransport::Close(uint16_t /*ws_code*/, std::string_view /*reason*/, bool flush) {
  if (closing_ || done_) return;
  auto self = shared_from_this();
  closing_ = true;
  if (peer_closed_) {
    // The client asked to close: it only needs its held GET released.
    if (held_) {
      Answer(std::string(kNoopPayload));
      Done();
      return;
    }
    // Or the GET it sent just before the close, still on its way.
    final_bodies_.emplace_back(kNoopPayload);
    Linger(options_.peer_close_grace);
    return;
  }
  std::vector<SharedFrame> frames;
  session_->TakeFrames(frames, SIZE_MAX, SIZE_MAX);
  if (!flush) frames.clear();
  if (frames.empty()) {
    if (held_) {
      Answer(std::string(kClosePayload));
      Done();
      return;
    }
    if (!flush) {
      Done();
      return;
    }
  } else {
    // The last frames go out first and the close packet in the poll after:
    // socket.io-client handles a payload's packets on a later tick but a
    // close at once, so a DISCONNECT batched with the close would be lost
    // behind it (the reference server also waits for a drain before closing).
    std::string data = EncodeFramesPayload(frames);
    if (held_) {
      Answer(std::move(data));
    } else {
      final_bodies_.push_back(std::move(data));
    }
  }
  // The client is between two polls: keep the close for its next GET so it
  // learns why, for a bounded time.
  final_bodies_.emplace_back(kClosePayload);
  Linger(options_.close_linger);
}

void PollingTransport::Linger(std::chrono::milliseconds how_long) {
  lingering_ = true;
  open_sockets_.fetch_add(1, std::memory_order_relaxed);
  linger_timer_.expires_after(how_long);
  linger_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->Done();
  });
}

void PollingTransport::OnUpgrading() {
  upgrading_ = true;
  if (held_ && !session_->HasQueuedFrames()) Answer(std::string(kNoopPayload));
}

void PollingTransport::OnUpgradeAborted() { upgrading_ = false; }

void PollingTransport::OnUpgraded() {
  auto self = shared_from_this();
  // Frames still queued belong to the new transport; only release the GET.
  if (held_) Answer(std::string(kNoopPayload));
  Done();
}

void PollingTransport::Done() {
  if (done_) return;
  auto self = shared_from_this();
  done_ = true;
  linger_timer_.cancel();
  if (lingering_) {
    lingering_ = false;
    open_sockets_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (held_) {
    auto request = std::move(held_);
    request->SendError(EngineError::kUnknownSid);
  }
  session_.reset();
  if (auto on_done = std::move(on_done_)) on_done();
}

}  // namespace hub::engineio
