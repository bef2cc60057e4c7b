// Client and Socket driven through a real Session with a fake transport
// that takes every queued frame (or, for the queue-limit tests, none): what
// the server answers a client's packets, and what reaches the queue.
#include "hub/socketio/client.h"

#include <gtest/gtest.h>

#include <optional>

#include "boost/asio/io_context.hpp"
#include "hub/base/utf8.h"
#include "hub/socketio/outbound.h"

namespace hub::socketio {
namespace {
using namespace std::chrono_literals;

class TakingTransport : public engineio::Transport {
 public:
  explicit TakingTransport(std::vector<std::string>& sent) : sent_(sent) {}
  void Bind(engineio::Session* session) { session_ = session; }
  void OnFramesQueued() override {
    if (!take) return;
    std::vector<engineio::SharedFrame> frames;
    session_->TakeFrames(frames, SIZE_MAX, SIZE_MAX);
    for (const auto& frame : frames) sent_.emplace_back(frame->packet());
  }
  void Close(uint16_t, std::string_view, bool) override {}
  metrics::TransportKind kind() const override { return metrics::TransportKind::kWebSocket; }
  bool take = true;

 private:
  std::vector<std::string>& sent_;
  engineio::Session* session_ = nullptr;
};

class NullListener : public SocketListener {
 public:
  void OnConnect(Socket& socket, const engineio::HandshakeInfo&) override {
    ++connects;
    last = &socket;
  }
  bool OnEvent(Socket&, ClientEventData&) override { return false; }
  void OnAck(Socket&, uint64_t, std::vector<std::string_view>, std::vector<std::string>) override {}
  void OnDisconnect(Socket&, DisconnectReason) override { last = nullptr; }
  int connects = 0;
  Socket* last = nullptr;
};

class ClientTest : public ::testing::Test {
 protected:
  // A session on the fake transport; `take` false leaves every frame queued.
  void Open(bool take = true) {
    session_options_.ping_interval = 1h;
    timers_.emplace(io_.get_executor(), session_options_);
    session_ = std::make_shared<engineio::Session>(*timers_, "AAclienttest", session_options_, stats_);
    auto transport = std::make_shared<TakingTransport>(sent_);
    transport->Bind(session_.get());
    transport->take = take;
    session_->Start(transport, std::make_unique<Client>(*session_, engineio::HandshakeInfo(), context_));
    sent_.clear();  // the OPEN packet
  }
  void TearDown() override {
    if (session_ && !session_->closed()) session_->Close(DisconnectReason::kServerShuttingDown, false);
  }

  void Receive(std::string_view text) {
    session_->OnPacket(engineio::Packet{engineio::PacketType::kMessage, false, std::string(text)});
  }

  boost::asio::io_context io_;
  metrics::ShardStats stats_;
  engineio::SessionOptions session_options_;
  std::optional<engineio::SessionTimers> timers_;
  ClientOptions options_;
  NullListener listener_;
  RandomIdGenerator ids_{0};
  DeadlineQueue connect_deadlines_{io_.get_executor(), options_.connect_timeout};
  ClientContext context_{options_, listener_, ids_, connect_deadlines_};
  std::shared_ptr<engineio::Session> session_;
  std::vector<std::string> sent_;
};

TEST_F(ClientTest, ConnectWithAuthThatIsNotAnObjectIsRefused) {
  Open();
  Receive("0/chat,\"token\"");
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0], "44/chat,{\"message\":\"auth must be a JSON object\"}");
  EXPECT_FALSE(session_->closed());
  EXPECT_EQ(listener_.connects, 0);
}

// Found by polling_client_fuzz: the refusal named the namespace back as it
// came, so a namespace that is not UTF-8 went out in a text packet (which a
// browser's WebSocket must fail the connection on). Such a namespace is no
// namespace at all: the packet is malformed, like any other.
TEST_F(ClientTest, ConnectWithNamespaceThatIsNotUtf8ClosesTheConnection) {
  Open();
  Receive("0/\xff,{}");
  for (const std::string& packet : sent_) EXPECT_TRUE(IsValidUtf8(packet)) << packet;
  EXPECT_TRUE(sent_.empty());
  EXPECT_TRUE(session_->closed());
  EXPECT_EQ(listener_.connects, 0);
}

// A text packet and two attachments, three frames.
EncodedPacket BinaryEvent() {
  auto packet = EncodeServerEvent("/", "file",
                                  {"{\"_placeholder\":true,\"num\":0}", "{\"_placeholder\":true,\"num\":1}"},
                                  {"a", "b"});
  EXPECT_TRUE(packet.ok()) << packet.status();
  return *std::move(packet);
}

// Found by polling_client_fuzz: with room for some but not all of a binary
// packet's frames, Socket::Send queued its last attachment alone, an
// attachment the client never had announced (socket.io-client fails on it),
// and applied no overflow policy at all.
TEST_F(ClientTest, BinaryPacketThatDoesNotFitIsDroppedWhole) {
  session_options_.max_outbound_frames = 4;
  session_options_.disconnect_on_overflow = false;
  Open(/*take=*/false);
  Receive("0");  // OPEN and the CONNECT answer: 2 of 4 frames
  ASSERT_NE(listener_.last, nullptr);
  ASSERT_EQ(session_->queued_frames().size(), 2u);

  EXPECT_FALSE(listener_.last->Send(BinaryEvent()));
  EXPECT_EQ(session_->queued_frames().size(), 2u);
  EXPECT_FALSE(session_->queued_frames().back()->binary());
  EXPECT_FALSE(session_->closed());
}

TEST_F(ClientTest, BinaryPacketThatDoesNotFitClosesASlowClient) {
  session_options_.max_outbound_frames = 4;
  session_options_.disconnect_on_overflow = true;
  Open(/*take=*/false);
  Receive("0");
  ASSERT_NE(listener_.last, nullptr);

  EXPECT_FALSE(listener_.last->Send(BinaryEvent()));
  EXPECT_TRUE(session_->closed());
  EXPECT_TRUE(session_->queued_frames().empty());
}

TEST_F(ClientTest, BinaryPacketThatFitsIsQueuedWhole) {
  session_options_.max_outbound_frames = 5;
  Open(/*take=*/false);
  Receive("0");
  ASSERT_NE(listener_.last, nullptr);

  EXPECT_TRUE(listener_.last->Send(BinaryEvent()));
  ASSERT_EQ(session_->queued_frames().size(), 5u);
  EXPECT_EQ(session_->queued_frames()[2]->packet(),
            "452-[\"file\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]");
  EXPECT_TRUE(session_->queued_frames()[3]->binary());
  EXPECT_TRUE(session_->queued_frames()[4]->binary());
}

}  // namespace
}  // namespace hub::socketio
