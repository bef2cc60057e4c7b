// Google Benchmark of the hub's hot paths, without I/O: Socket.IO and
// WebSocket codecs, selector resolution over the room index, and a broadcast
// fan-out to 10k local sessions (encode once, queue the shared frame on each
// session, then take it off as the transport's gathered write would).
// Figures only: performance targets are judged by run.sh, never by ctest.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "hub/core/room_index.h"
#include "hub/engineio/packet.h"
#include "hub/engineio/session.h"
#include "hub/engineio/ws_frame.h"
#include "hub/socketio/outbound.h"
#include "hub/socketio/packet.h"
#include "metrics/shard_stats.h"

namespace {

using hub::engineio::SharedFrame;

// The load generator's 100-byte event.
const std::vector<std::string> kArgs = {"7", "123456", "9876543210123",
                                        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""};
const std::string kEventText = "2[\"m\",7,123456,9876543210123,\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]";
// The same as one Engine.IO MESSAGE packet ("4" + Socket.IO packet).
const std::string kEnginePacket = std::string(1, '4').append(kEventText);

void BM_SocketIoDecodeEvent(benchmark::State& state) {
  hub::socketio::DecodeLimits limits;
  for (auto _ : state) {
    auto packet = hub::socketio::DecodePacket(kEventText, limits);
    auto event = hub::socketio::ParseEvent(packet->data);
    benchmark::DoNotOptimize(event);
  }
}
BENCHMARK(BM_SocketIoDecodeEvent);

void BM_SocketIoEncodeServerEvent(benchmark::State& state) {
  // Validation of backend JSON + packet text + the shared WebSocket frame:
  // the per-broadcast cost, paid once whatever the fan-out.
  for (auto _ : state) {
    auto encoded = hub::socketio::EncodeServerEvent("/", "m", kArgs, {});
    benchmark::DoNotOptimize(encoded);
  }
}
BENCHMARK(BM_SocketIoEncodeServerEvent);

// A masked client frame carrying "42[...]", as a browser sends it.
std::string MaskedClientFrame(const std::string& payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else {  // RFC 6455 wants the shortest length encoding
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  }
  const char mask[4] = {1, 2, 3, 4};
  frame.append(mask, 4);
  for (size_t i = 0; i < payload.size(); ++i) frame.push_back(payload[i] ^ mask[i % 4]);
  return frame;
}

void BM_WsDecodeClientFrames(benchmark::State& state) {
  // 16 frames per read, as a busy client connection delivers them.
  std::string bytes;
  const std::string frame = MaskedClientFrame(kEnginePacket);
  for (int i = 0; i < 16; ++i) bytes += frame;
  hub::engineio::WsFrameDecoder decoder(1 << 20);
  std::vector<hub::engineio::WsMessage> out;
  for (auto _ : state) {
    out.clear();
    if (decoder.Feed(bytes, out)) state.SkipWithError("decoder refused the frames");
    for (auto& message : out) {
      auto packet = hub::engineio::DecodeTextPacket(message.payload);
      benchmark::DoNotOptimize(packet);
    }
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_WsDecodeClientFrames);

void BM_WsEncodeServerFrame(benchmark::State& state) {
  for (auto _ : state) {
    auto frame = hub::engineio::EncodeWsFrame(hub::engineio::WsOpcode::kText, kEnginePacket);
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(BM_WsEncodeServerFrame);

struct FakeMember {
  int id;
};

// range(0) members, in rooms of 10: the whole namespace or one room.
void BM_SelectorResolution(benchmark::State& state) {
  const int members = static_cast<int>(state.range(0));
  const bool whole = state.range(1) == 0;
  std::vector<FakeMember> storage(static_cast<size_t>(members));
  hub::core::RoomIndex<FakeMember> index;
  for (int i = 0; i < members; ++i) {
    storage[i].id = i;
    index.Add(&storage[i], "s" + std::to_string(i), "/");
    index.Join(&storage[i], "r" + std::to_string(i / 10));
  }
  hub::core::Selection selection;
  if (!whole) selection.rooms = {"r7"};
  for (auto _ : state) {
    auto selected = index.Select(selection);
    benchmark::DoNotOptimize(selected);
  }
  state.SetItemsProcessed(state.iterations() * (whole ? members : 10));
}
BENCHMARK(BM_SelectorResolution)->Args({1000, 0})->Args({10000, 0})->Args({10000, 1});

// The transport side of fan-out, without a socket: counts wake-ups only.
class NullTransport : public hub::engineio::Transport {
 public:
  void OnFramesQueued() override { ++wakeups; }
  void Close(uint16_t, std::string_view, bool) override {}
  hub::metrics::TransportKind kind() const override { return hub::metrics::TransportKind::kWebSocket; }
  uint64_t wakeups = 0;
};

class NullObserver : public hub::engineio::SessionObserver {
 public:
  void OnMessage(std::string_view, bool) override {}
  void OnClose(hub::DisconnectReason) override {}
};

// One broadcast to 10k sessions on one shard: encode once, resolve the whole
// namespace, queue the shared frame on every session, then drain each queue
// as the transport's gathered write does. Everything but the send() itself.
void BM_FanOut10k(benchmark::State& state) {
  constexpr int kSessions = 10000;
  boost::asio::io_context io;  // never run: timers are armed, never fire
  hub::metrics::ShardStats stats;
  hub::engineio::SessionOptions options;
  hub::engineio::SessionTimers timers(io.get_executor(), options);
  std::vector<std::shared_ptr<hub::engineio::Session>> sessions;
  std::vector<FakeMember> storage(kSessions);
  hub::core::RoomIndex<FakeMember> index;
  std::vector<SharedFrame> taken;
  for (int i = 0; i < kSessions; ++i) {
    auto session = std::make_shared<hub::engineio::Session>(timers, "sid" + std::to_string(i),
                                                            options, stats);
    session->Start(std::make_shared<NullTransport>(), std::make_unique<NullObserver>());
    taken.clear();
    session->TakeFrames(taken, SIZE_MAX, SIZE_MAX);  // the OPEN packet
    sessions.push_back(std::move(session));
    storage[i].id = i;
    index.Add(&storage[i], "s" + std::to_string(i), "/");
  }
  hub::core::Selection all;
  for (auto _ : state) {
    auto packet = hub::socketio::EncodeServerEvent("/", "m", kArgs, {});
    for (FakeMember* member : index.Select(all)) {
      sessions[static_cast<size_t>(member->id)]->Send(packet->frames[0]);
    }
    for (auto& session : sessions) {
      taken.clear();
      session->TakeFrames(taken, 256, 1 << 20);
    }
  }
  state.SetItemsProcessed(state.iterations() * kSessions);
}
BENCHMARK(BM_FanOut10k)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
