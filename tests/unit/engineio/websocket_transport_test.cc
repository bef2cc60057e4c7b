// WebSocketTransport writing through a real loopback TCP connection with
// small socket buffers, so writes are cut short and must resume exactly
// where they stopped: every frame arrives whole, in order, and a close sent
// while a frame is half written still leaves a well-formed stream.
#include "hub/engineio/websocket_transport.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <optional>
#include <thread>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"

namespace hub::engineio {
namespace {
using namespace std::chrono_literals;
namespace asio = boost::asio;

struct ServerFrame {
  uint8_t opcode = 0;
  std::string payload;
};

// Splits the byte stream into unmasked server frames as it arrives.
class ServerFrameReader {
 public:
  void Feed(std::string_view bytes) {
    buffer_.append(bytes);
    while (!malformed_) {
      const size_t left = buffer_.size() - at_;
      if (left < 2) return;
      const uint8_t b0 = static_cast<uint8_t>(buffer_[at_]);
      const uint8_t b1 = static_cast<uint8_t>(buffer_[at_ + 1]);
      if ((b0 & 0x80) == 0 || (b1 & 0x80) != 0) {
        malformed_ = true;  // every server frame is final and unmasked
        return;
      }
      size_t header = 2;
      uint64_t length = b1 & 0x7f;
      if (length >= 126) {
        header = length == 126 ? 4 : 10;
        if (left < header) return;
        length = 0;
        for (size_t i = 2; i < header; ++i) length = (length << 8) | uint8_t(buffer_[at_ + i]);
      }
      if (left < header + length) return;
      frames_.push_back({static_cast<uint8_t>(b0 & 0x0f), buffer_.substr(at_ + header, length)});
      at_ += header + length;
    }
  }
  const std::vector<ServerFrame>& frames() const { return frames_; }
  bool malformed() const { return malformed_; }
  bool closed() const { return !frames_.empty() && frames_.back().opcode == 0x8; }

 private:
  std::string buffer_;
  size_t at_ = 0;
  bool malformed_ = false;
  std::vector<ServerFrame> frames_;
};

class NullObserver : public SessionObserver {
 public:
  explicit NullObserver(std::optional<DisconnectReason>& closed) : closed_(closed) {}
  void OnMessage(std::string_view, bool) override {}
  void OnClose(DisconnectReason reason) override { closed_ = reason; }

 private:
  std::optional<DisconnectReason>& closed_;
};

// Run once with writes one send() at a time and once batched (io_uring).
class WebSocketTransportTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    WriteFlushOptions flush_options;
    flush_options.batch_writes = GetParam();
    flusher_ = std::make_shared<WriteFlusher>(io_, flush_options);
    if (GetParam() && !flusher_->batching()) {
      GTEST_SKIP() << "io_uring unavailable here: " << flusher_->batching_unavailable();
    }
    asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    client_.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket server(io_);
    acceptor.accept(server);
    // A small send buffer: writes keep being cut short.
    const int small = 4096;
    setsockopt(server.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);

    SessionOptions options;
    options.ping_interval = 1h;
    options.max_outbound_frames = 100000;
    options.max_outbound_bytes = 1 << 30;
    timers_.emplace(io_.get_executor(), options);
    session_ = std::make_shared<Session>(*timers_, "AAtestsession", options, stats_);
    transport_ = std::make_shared<WebSocketTransport>(
        std::move(server), "", 1 << 20, open_sockets_, flusher_);
    session_->Start(transport_, std::make_unique<NullObserver>(closed_));
    transport_->Run(session_);
  }

  void TearDown() override {
    if (!session_) return;  // skipped
    if (!session_->closed()) session_->Close(DisconnectReason::kServerShuttingDown, false);
    client_.close();
    io_.restart();
    io_.run_for(100ms);
  }

  // Reads on another thread until `enough` says so or the peer closes,
  // while this thread runs the shard.
  ServerFrameReader ReadWhileRunning(const std::function<bool(const ServerFrameReader&)>& enough) {
    ServerFrameReader received;
    std::atomic<bool> done{false};
    std::thread reader([&] {
      char buffer[3000];  // odd-sized reads, so frames straddle them
      boost::system::error_code ec;
      while (!received.malformed() && !enough(received)) {
        const size_t n = client_.read_some(asio::buffer(buffer), ec);
        if (ec) break;
        received.Feed(std::string_view(buffer, n));
      }
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(5ms);
    }
    if (!done) client_.shutdown(asio::ip::tcp::socket::shutdown_both);
    reader.join();
    return received;
  }

  static std::string PayloadOf(size_t i) {
    // Sizes cross the 7-bit, 16-bit and 64-bit length encodings.
    const size_t sizes[] = {10, 125, 126, 300, 65535, 65536, 70001};
    return std::string(sizes[i % 7], static_cast<char>('a' + i % 26));
  }

  asio::io_context io_;
  std::shared_ptr<WriteFlusher> flusher_;
  asio::ip::tcp::socket client_{io_};
  metrics::ShardStats stats_;
  std::optional<SessionTimers> timers_;
  std::atomic<int64_t> open_sockets_{0};
  std::shared_ptr<Session> session_;
  std::shared_ptr<WebSocketTransport> transport_;
  std::optional<DisconnectReason> closed_;
};

TEST_P(WebSocketTransportTest, ASlowReaderGetsEveryFrameWholeAndInOrder) {
  constexpr size_t kFrames = 70;
  for (size_t i = 0; i < kFrames; ++i) {
    ASSERT_EQ(session_->Send(WireFrame::Binary(PayloadOf(i))), Session::SendResult::kQueued);
  }
  io_.run_for(50ms);
  // Nobody reads yet: the socket buffer is full and the rest waits queued.
  EXPECT_TRUE(session_->HasQueuedFrames());

  const auto received =
      ReadWhileRunning([&](const ServerFrameReader& r) { return r.frames().size() >= kFrames + 1; });
  const auto& frames = received.frames();
  ASSERT_FALSE(received.malformed());
  ASSERT_EQ(frames.size(), kFrames + 1);
  EXPECT_EQ(frames[0].opcode, 0x1);  // the OPEN packet
  EXPECT_EQ(frames[0].payload[0], '0');
  for (size_t i = 0; i < kFrames; ++i) {
    ASSERT_EQ(frames[i + 1].opcode, 0x2) << i;
    ASSERT_EQ(frames[i + 1].payload, PayloadOf(i)) << i;
  }
  EXPECT_FALSE(session_->HasQueuedFrames());
  EXPECT_FALSE(closed_.has_value());
  // The writes took the path this run is for.
  if (GetParam()) {
    EXPECT_GT(flusher_->batched_writes(), 0u);
  } else {
    EXPECT_EQ(flusher_->batched_writes(), 0u);
  }
}

TEST_P(WebSocketTransportTest, ACloseDuringACutWriteStillEndsWithAWholeCloseFrame) {
  for (size_t i = 0; i < 50; ++i) session_->Send(WireFrame::Binary(PayloadOf(i)));
  io_.run_for(50ms);
  ASSERT_TRUE(session_->HasQueuedFrames());
  // Dropping the queue must keep the frame the kernel took half of whole.
  session_->Close(DisconnectReason::kForcedClose, /*flush=*/false);
  ASSERT_EQ(closed_, DisconnectReason::kForcedClose);

  const auto received = ReadWhileRunning([](const ServerFrameReader& r) { return r.closed(); });
  const auto& frames = received.frames();
  ASSERT_FALSE(received.malformed());
  ASSERT_GE(frames.size(), 2u);
  EXPECT_EQ(frames.back().opcode, 0x8);
  ASSERT_GE(frames.back().payload.size(), 2u);
  const int code = (uint8_t(frames.back().payload[0]) << 8) | uint8_t(frames.back().payload[1]);
  EXPECT_EQ(code, ws_close::kPolicyViolation);
  // Whatever data got out before the close is intact and in order.
  for (size_t i = 1; i + 1 < frames.size(); ++i) EXPECT_EQ(frames[i].payload, PayloadOf(i - 1)) << i;
}

TEST_P(WebSocketTransportTest, ClosingWithFlushSendsEverythingFirst) {
  for (size_t i = 0; i < 30; ++i) session_->Send(WireFrame::Binary(PayloadOf(i)));
  session_->Close(DisconnectReason::kServerShuttingDown, /*flush=*/true);
  const auto received = ReadWhileRunning([](const ServerFrameReader& r) { return r.closed(); });
  const auto& frames = received.frames();
  ASSERT_FALSE(received.malformed());
  ASSERT_EQ(frames.size(), 32u);  // OPEN, 30 frames, close
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(frames[i + 1].payload, PayloadOf(i)) << i;
  EXPECT_EQ(frames.back().opcode, 0x8);
}

// A masked client frame with a payload under 126 bytes.
std::string MaskedClientFrame(uint8_t opcode, std::string_view payload) {
  const uint8_t mask[4] = {1, 2, 3, 4};
  std::string frame;
  frame += static_cast<char>(0x80 | opcode);
  frame += static_cast<char>(0x80 | payload.size());
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) frame += static_cast<char>(payload[i] ^ mask[i % 4]);
  return frame;
}

TEST_P(WebSocketTransportTest, AnsweredPingsLeaveNoControlStorageBehind) {
  // Most connections answer a few control frames (a probe, a ping) in their
  // whole life; the storage for them is given back once they have left.
  const std::string pings = MaskedClientFrame(0x9, "one") + MaskedClientFrame(0x9, "two");
  asio::write(client_, asio::buffer(pings));
  const ServerFrameReader received = ReadWhileRunning([](const ServerFrameReader& r) {
    size_t pongs = 0;
    for (const auto& frame : r.frames()) pongs += frame.opcode == 0xA;
    return pongs == 2;
  });
  std::vector<std::string> pongs;
  for (const auto& frame : received.frames()) {
    if (frame.opcode == 0xA) pongs.push_back(frame.payload);
  }
  EXPECT_EQ(pongs, (std::vector<std::string>{"one", "two"}));
  EXPECT_FALSE(transport_->HoldsControlStorageForTest());
}

INSTANTIATE_TEST_SUITE_P(WritePaths, WebSocketTransportTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Batched" : "OneByOne";
                         });

}  // namespace
}  // namespace hub::engineio
