#include "hub/socketio/socket.h"

#include "hub/socketio/client.h"

namespace hub::socketio {

bool Socket::Send(const EncodedPacket& packet) {
  auto& session = client_.session();
  // A binary packet is several frames that must arrive together: check room
  // for all of them first so a full queue never cuts one in half.
  if (packet.frames.size() > 1) {
    size_t bytes = 0;
    for (const auto& frame : packet.frames) bytes += frame->size();
    if (!session.HasRoomFor(packet.frames.size(), bytes)) {
      // The overflow policy (drop or disconnect) applies to the packet as a
      // whole. Sending one of its frames to trigger it would queue that
      // frame alone whenever part of the packet still fits: an attachment
      // nobody announced, which the client cannot place.
      session.RefuseOverflow(packet.frames.size());
      return false;
    }
  }
  for (const auto& frame : packet.frames) {
    if (session.Send(frame) != engineio::Session::SendResult::kQueued) return false;
  }
  return true;
}

bool Socket::CanSendNow() const { return client_.session().CanSendNow(); }

void Socket::RememberClientAck(uint64_t ack_id, size_t limit) {
  if (!client_acks_) client_acks_ = std::make_unique<std::unordered_set<uint64_t>>();
  auto& acks = *client_acks_;
  if (acks.size() >= limit && !acks.empty()) {
    // Client ack ids grow monotonically; the smallest is the oldest.
    auto oldest = acks.begin();
    for (auto it = acks.begin(); it != acks.end(); ++it) {
      if (*it < *oldest) oldest = it;
    }
    acks.erase(oldest);
  }
  acks.insert(ack_id);
}

bool Socket::TakeClientAck(uint64_t ack_id) {
  return client_acks_ && client_acks_->erase(ack_id) > 0;
}

}  // namespace hub::socketio
