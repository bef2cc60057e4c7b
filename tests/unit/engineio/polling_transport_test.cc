// PollingTransport driven through a real Session with fake HTTP requests and
// a fake probe transport: no sockets, an io_context only for the timers.
#include "hub/engineio/polling_transport.h"

#include <gtest/gtest.h>

#include <optional>

#include "boost/asio/io_context.hpp"

namespace hub::engineio {
namespace {
using namespace std::chrono_literals;

struct FakeRequest : PollResponder {
  std::vector<std::string> payloads;
  int oks = 0;
  std::optional<EngineError> error;
  bool too_large = false;
  void SendPayload(std::string body) override { payloads.push_back(std::move(body)); }
  void SendOk() override { ++oks; }
  void SendError(EngineError e, bool large) override {
    error = e;
    too_large = large;
  }
  bool answered() const { return !payloads.empty() || oks > 0 || error.has_value(); }
};

struct FakeProbe : Transport {
  int frames_queued = 0;
  bool closed = false;
  void OnFramesQueued() override { ++frames_queued; }
  void Close(uint16_t, std::string_view, bool) override { closed = true; }
  metrics::TransportKind kind() const override { return metrics::TransportKind::kWebSocket; }
};

class Recorder : public SessionObserver {
 public:
  Recorder(std::vector<std::string>& messages, std::optional<DisconnectReason>& closed)
      : messages_(messages), closed_(closed) {}
  void OnMessage(std::string_view data, bool binary) override {
    messages_.push_back((binary ? "bin:" : "") + std::string(data));
  }
  void OnClose(DisconnectReason reason) override { closed_ = reason; }

 private:
  std::vector<std::string>& messages_;
  std::optional<DisconnectReason>& closed_;
};

class PollingTransportTest : public ::testing::Test {
 protected:
  // A session and its transport point at each other until the session ends;
  // end every session a test left open so nothing outlives the test.
  void TearDown() override {
    if (session_ && !session_->closed()) session_->Close(DisconnectReason::kServerShuttingDown, false);
    io_.restart();
    io_.run_for(std::chrono::milliseconds(200));
  }

  void Open(SessionOptions options = {}) {
    if (options.ping_interval == SessionOptions{}.ping_interval) options.ping_interval = 1h;
    timers_.emplace(io_.get_executor(), options);
    session_ = std::make_shared<Session>(*timers_, "AAtestsession", options, stats_);
    PollingOptions polling;
    polling.max_packets_per_payload = 3;
    polling.close_linger = 50ms;
    polling.peer_close_grace = 50ms;
    transport_ = std::make_shared<PollingTransport>(io_.get_executor(), polling, open_sockets_,
                                                    [this] { done_ = true; });
    transport_->Bind(session_);
    session_->Start(transport_, std::make_unique<Recorder>(messages_, closed_));
    auto handshake = Get();
    EXPECT_EQ(handshake->payloads.size(), 1u);
    open_packet_ = handshake->payloads.empty() ? "" : handshake->payloads[0];
  }

  std::shared_ptr<FakeRequest> Get() {
    auto request = std::make_shared<FakeRequest>();
    transport_->OnGet(request);
    return request;
  }
  std::shared_ptr<FakeRequest> Post(std::string_view body) {
    auto request = std::make_shared<FakeRequest>();
    transport_->OnPost(request, body);
    return request;
  }
  void Send(std::string_view text) { session_->Send(WireFrame::Text(PacketType::kMessage, text)); }

  boost::asio::io_context io_;
  metrics::ShardStats stats_;
  std::optional<SessionTimers> timers_;
  std::atomic<int64_t> open_sockets_{0};
  std::shared_ptr<Session> session_;
  std::shared_ptr<PollingTransport> transport_;
  std::vector<std::string> messages_;
  std::optional<DisconnectReason> closed_;
  std::string open_packet_;
  bool done_ = false;
};

TEST_F(PollingTransportTest, HandshakeAnswersOpenOfferingWebSocket) {
  Open();
  EXPECT_EQ(open_packet_.substr(0, 2), "0{");
  EXPECT_NE(open_packet_.find("\"upgrades\":[\"websocket\"]"), std::string::npos);
  EXPECT_EQ(session_->transport_kind(), metrics::TransportKind::kPolling);
  EXPECT_EQ(stats_.connections[1].Get(), 1);
}

TEST_F(PollingTransportTest, GetIsHeldUntilAFrameIsQueued) {
  Open();
  auto get = Get();
  EXPECT_FALSE(get->answered());
  Send("x");
  ASSERT_EQ(get->payloads.size(), 1u);
  EXPECT_EQ(get->payloads[0], "4x");
}

TEST_F(PollingTransportTest, FramesQueuedBetweenPollsGoOutAsOnePayload) {
  Open();
  Send("a");
  session_->Send(WireFrame::Binary(std::string("\x01\x02\x03", 3)));
  Send("b");
  auto get = Get();
  ASSERT_EQ(get->payloads.size(), 1u);
  EXPECT_EQ(get->payloads[0], "4a\x1e" "bAQID\x1e" "4b");
}

TEST_F(PollingTransportTest, PostDeliversEveryPacketInOrder) {
  Open();
  auto post = Post("4a\x1e" "bAQID\x1e" "4b");
  EXPECT_EQ(post->oks, 1);
  EXPECT_EQ(messages_, (std::vector<std::string>{"a", std::string("bin:\x01\x02\x03", 7), "b"}));
}

TEST_F(PollingTransportTest, ClientPingClosesTheSession) {
  // Only the server pings in Engine.IO v4; the answer would echo the bytes
  // unchecked (here not UTF-8) in a text response.
  Open();
  Post("2\xff");
  ASSERT_TRUE(closed_.has_value());
  EXPECT_EQ(*closed_, DisconnectReason::kParseError);
}

TEST_F(PollingTransportTest, SecondConcurrentGetClosesTheSession) {
  Open();
  auto first = Get();
  auto second = Get();
  EXPECT_EQ(second->error, EngineError::kBadRequest);
  ASSERT_EQ(first->payloads.size(), 1u);
  EXPECT_EQ(first->payloads[0], "1");
  EXPECT_EQ(closed_, DisconnectReason::kTransportError);
  EXPECT_TRUE(done_);
}

TEST_F(PollingTransportTest, MalformedPostClosesTheSession) {
  Open();
  auto post = Post("x");
  EXPECT_EQ(post->error, EngineError::kBadRequest);
  EXPECT_EQ(closed_, DisconnectReason::kParseError);
  EXPECT_TRUE(done_);
}

TEST_F(PollingTransportTest, TooManyPacketsInOnePostClosesTheSession) {
  Open();
  EXPECT_EQ(Post("6\x1e" "6\x1e" "6")->oks, 1);
  EXPECT_EQ(Post("6\x1e" "6\x1e" "6\x1e" "6")->error, EngineError::kBadRequest);
  EXPECT_EQ(closed_, DisconnectReason::kParseError);
}

TEST_F(PollingTransportTest, ClientCloseReleasesTheHeldGetWithNoop) {
  Open();
  auto get = Get();
  auto post = Post("1");
  EXPECT_EQ(post->oks, 1);
  ASSERT_EQ(get->payloads.size(), 1u);
  EXPECT_EQ(get->payloads[0], "6");
  EXPECT_EQ(closed_, DisconnectReason::kTransportClose);
  EXPECT_TRUE(done_);
}

TEST_F(PollingTransportTest, ClientCloseWithNoGetHeldAnswersTheGetStillOnItsWayWithNoop) {
  Open();
  EXPECT_EQ(Post("1")->oks, 1);
  EXPECT_EQ(closed_, DisconnectReason::kTransportClose);
  // A GET sent before the close that arrives after it (another connection,
  // another shard) gets what it would have got had it been held.
  EXPECT_EQ(Get()->payloads, std::vector<std::string>{"6"});
  EXPECT_TRUE(done_);
  EXPECT_EQ(Get()->error, EngineError::kUnknownSid);
  EXPECT_EQ(open_sockets_.load(), 0);
}

TEST_F(PollingTransportTest, ClientCloseWithNoGetHeldForgetsTheSidAfterTheGrace) {
  Open();
  Post("1");
  EXPECT_FALSE(done_);
  EXPECT_EQ(open_sockets_.load(), 1);
  EXPECT_EQ(Post("40")->error, EngineError::kUnknownSid);  // nothing more is accepted
  io_.run_for(200ms);
  EXPECT_TRUE(done_);
  EXPECT_EQ(open_sockets_.load(), 0);
  EXPECT_EQ(Get()->error, EngineError::kUnknownSid);
}

TEST_F(PollingTransportTest, GracefulCloseWaitsForTheNextGetWithQueuedFramesThenClose) {
  Open();
  Send("last");
  session_->Close(DisconnectReason::kServerShuttingDown, /*flush=*/true);
  EXPECT_EQ(closed_, DisconnectReason::kServerShuttingDown);
  EXPECT_FALSE(done_);
  EXPECT_EQ(open_sockets_.load(), 1);
  // The frames first, the close packet in the next poll (never batched).
  EXPECT_EQ(Get()->payloads, std::vector<std::string>{"4last"});
  EXPECT_FALSE(done_);
  EXPECT_EQ(Get()->payloads, std::vector<std::string>{"1"});
  EXPECT_TRUE(done_);
  EXPECT_EQ(open_sockets_.load(), 0);
}

TEST_F(PollingTransportTest, GracefulCloseWithAHeldGetSendsFramesThenCloseNextPoll) {
  Open();
  auto held = Get();
  Send("a");  // answers the held GET at once
  auto held2 = Get();
  Send("b");
  session_->Close(DisconnectReason::kForcedServerClose, /*flush=*/true);
  EXPECT_EQ(held2->payloads, std::vector<std::string>{"4b"});
  EXPECT_EQ(Get()->payloads, std::vector<std::string>{"1"});
  EXPECT_TRUE(done_);
}

TEST_F(PollingTransportTest, GracefulCloseWithNothingQueuedAnswersTheHeldGetWithClose) {
  Open();
  auto held = Get();
  session_->Close(DisconnectReason::kServerShuttingDown, /*flush=*/true);
  EXPECT_EQ(held->payloads, std::vector<std::string>{"1"});
  EXPECT_TRUE(done_);
}

TEST_F(PollingTransportTest, GracefulCloseGivesUpAfterTheLinger) {
  Open();
  session_->Close(DisconnectReason::kForcedClose, /*flush=*/true);
  io_.run_for(200ms);
  EXPECT_TRUE(done_);
  EXPECT_EQ(open_sockets_.load(), 0);
}

TEST_F(PollingTransportTest, ErrorCloseForgetsTheSidAtOnce) {
  Open();
  Send("dropped");
  session_->Close(DisconnectReason::kPingTimeout, /*flush=*/false);
  EXPECT_TRUE(done_);
  EXPECT_EQ(Get()->error, EngineError::kUnknownSid);
}

TEST_F(PollingTransportTest, AbortedGetEndsTheSession) {
  Open();
  auto get = Get();
  transport_->OnPollAborted(get.get());
  EXPECT_EQ(closed_, DisconnectReason::kTransportClose);
  EXPECT_TRUE(done_);
}

TEST_F(PollingTransportTest, HeartbeatPingsThroughTheHeldGetAndTimesOut) {
  SessionOptions options;
  options.ping_interval = 20ms;
  options.ping_timeout = 20ms;
  Open(options);
  auto get = Get();
  while (!get->answered()) io_.run_one();
  EXPECT_EQ(get->payloads[0], "2");
  io_.run_for(200ms);
  EXPECT_EQ(closed_, DisconnectReason::kPingTimeout);
}

TEST_F(PollingTransportTest, UpgradeReleasesThePollAndHandsTheQueueToTheNewTransport) {
  Open();
  auto get = Get();
  auto probe = std::make_shared<FakeProbe>();
  ASSERT_TRUE(session_->BeginUpgrade(probe));
  EXPECT_FALSE(session_->BeginUpgrade(std::make_shared<FakeProbe>()));  // one probe at a time
  session_->OnUpgradeProbed(probe.get());
  ASSERT_EQ(get->payloads.size(), 1u);
  EXPECT_EQ(get->payloads[0], "6");
  EXPECT_EQ(Get()->payloads, std::vector<std::string>{"6"});  // not held while upgrading

  Send("after-probe");  // no GET is held: stays queued for the new transport
  session_->CompleteUpgrade(probe.get());
  EXPECT_TRUE(done_);
  EXPECT_EQ(probe->frames_queued, 1);
  EXPECT_EQ(session_->transport_kind(), metrics::TransportKind::kWebSocket);
  EXPECT_EQ(stats_.upgrades.Get(), 1u);
  EXPECT_EQ(stats_.connections[0].Get(), 1);
  EXPECT_EQ(stats_.connections[1].Get(), 0);
  std::vector<SharedFrame> frames;
  session_->TakeFrames(frames, 10, 1 << 20);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]->packet(), "4after-probe");
}

TEST_F(PollingTransportTest, UpgradeTimeoutDropsTheProbeAndKeepsPolling) {
  SessionOptions options;
  options.upgrade_timeout = 20ms;
  Open(options);
  auto probe = std::make_shared<FakeProbe>();
  ASSERT_TRUE(session_->BeginUpgrade(probe));
  session_->OnUpgradeProbed(probe.get());
  io_.run_for(100ms);
  EXPECT_TRUE(probe->closed);
  EXPECT_FALSE(session_->upgrading());
  auto get = Get();
  EXPECT_FALSE(get->answered());  // held again, as before the probe
  Send("still polling");
  EXPECT_EQ(get->payloads, std::vector<std::string>{"4still polling"});
}

TEST_F(PollingTransportTest, SessionCloseAlsoClosesTheProbe) {
  Open();
  auto probe = std::make_shared<FakeProbe>();
  ASSERT_TRUE(session_->BeginUpgrade(probe));
  session_->Close(DisconnectReason::kForcedClose, /*flush=*/false);
  EXPECT_TRUE(probe->closed);
}

}  // namespace
}  // namespace hub::engineio
