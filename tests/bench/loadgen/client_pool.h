// Many Socket.IO clients on one thread: non-blocking connects spread over
// 127.0.0.x source addresses, the Engine.IO/Socket.IO handshake over WebSocket
// or long-polling, heartbeat answers, and per-message accounting (latency,
// sequence gaps, duplicates) with no allocation per message.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "histogram.h"

struct epoll_event;

namespace bench {

struct PoolOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  uint16_t port2 = 0;  // >0: odd-numbered clients connect here (a second replica)
  std::string path = "/socket.io/";
  int source_addresses = 8;  // 127.0.0.1 .. 127.0.0.N, so N*28k connections fit
  bool polling = false;
  // As socket.io-client connects by default: the handshake and the CONNECT
  // over long-polling, then a WebSocket probe ("2probe"/"3probe") while a GET
  // is held, the UPGRADE packet, and WebSocket from then on. A client counts
  // as ready once upgraded. Ignored when `polling` is set.
  bool upgrade = false;
  int max_connecting = 1000;  // handshakes in flight at once
  // 0: block in epoll_wait, woken by every arriving frame. >0: sleep, then
  // collect whatever arrived every this many µs. Nobody waits on the sockets
  // meanwhile, so the server's send() does not pay a cross-core wake-up per
  // frame (remote browsers never cost it one), and each recv() takes many
  // frames. Latency figures include up to one interval.
  int read_interval_us = 0;
  // TCP_MAXSEG for client `index`, set before connecting so that the SYN
  // announces it; 0 or no function: the loopback's 65483. The server's kernel
  // sizes its send buffer from the peer's MSS: 4 MB on loopback, ~100 KB for
  // an Internet client's 1460.
  std::function<int(uint32_t index)> max_segment;
};

struct Client {
  enum class Phase : uint8_t {
    kPending, kConnecting, kUpgrading, kOpening, kJoining, kReady, kClosed,
    // Long-polling: which request is outstanding on the one connection.
    kPollHandshake, kPollPost, kPollGet,
  };
  int fd = -1;
  Phase phase = Phase::kPending;
  bool ready = false;      // CONNECT acknowledged by the server (and upgraded, if asked)
  bool on_websocket = false;  // which protocol `fd` speaks
  // Upgrade (PoolOptions::upgrade): the WebSocket being probed beside `fd`.
  int probe_fd = -1;
  Phase probe_phase = Phase::kPending;
  bool connect_acked = false;   // CONNECT acknowledged; ready at once, or once upgraded
  bool probe_answered = false;  // "3probe" came back
  bool poll_paused = false;     // the GET held during the probe came back
  bool pong_owed = false;  // polling: answer "2" before the next GET
  bool joining = false;    // polling: the POSTed "40" is not answered yet
  bool stalled = false;    // reads nothing (a client that stopped reading), see ClientPool::Stall
  uint8_t sid_len = 0;     // Socket.IO socket id (from the CONNECT reply)
  uint8_t eio_sid_len = 0;
  uint32_t index = 0;
  uint32_t group = 0;
  int64_t last_seq = -1;
  uint64_t received = 0;
  uint64_t duplicates = 0;
  int64_t connect_started_ns = 0;
  int64_t ready_ns = 0;
  char sid[24] = {};
  char eio_sid[24] = {};
  std::string carry;  // bytes of an incomplete frame / response, kept between reads
  std::string out;    // bytes the kernel would not take yet
  std::string probe_carry;  // as `carry`, for probe_fd

  std::string_view socket_id() const { return {sid, sid_len}; }
};

struct PoolCounters {
  uint64_t messages = 0;     // bench events received
  uint64_t duplicates = 0;   // seq not above the last one seen by that client
  uint64_t gaps = 0;         // seqs skipped (lost or still in flight)
  uint64_t misrouted = 0;    // events for a group the client is not in
  uint64_t other_events = 0;
  uint64_t pings = 0;
  uint64_t reads = 0;        // recv() calls that returned data
  uint64_t bytes = 0;
  uint64_t connect_errors = 0;
  uint64_t closed = 0;       // clients the server closed after they were ready
};

class ClientPool {
 public:
  explicit ClientPool(PoolOptions options);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // Queues n more clients; they connect as Poll() runs, at most
  // max_connecting handshakes at a time.
  void Open(int n);
  // Starts queued connects and handles at most one epoll_wait worth of events.
  void Poll(int timeout_ms);
  // Closes every connection.
  void CloseAll();
  // Stops reading from a client: what the server sends piles up in the
  // socket buffers and then in the server, as with a browser tab that hangs.
  // Nothing is sent either (pings go unanswered).
  void Stall(Client& c) { c.stalled = true; }
  // Reads again: takes whatever is waiting at once (the edge-triggered
  // wake-ups it slept through are gone).
  void Resume(Client& c);
  // Emits a Socket.IO packet (2["u",...]) from a ready WebSocket client, as
  // one masked text frame like a browser's. False, sending nothing, for a
  // client that is not ready on WebSocket or a packet longer than 124 bytes
  // (the frames here are all short ones).
  bool SendPacket(Client& c, std::string_view sio_packet);

  int ready() const { return ready_; }
  int failed() const { return failed_; }
  int opened() const { return static_cast<int>(clients_.size()); }
  std::vector<Client>& clients() { return clients_; }
  PoolCounters& counters() { return counters_; }
  Histogram& latency() { return latency_; }

 private:
  void StartConnect(Client& c);
  // A non-blocking connect from the client's source address, registered for
  // epoll with `event_data`; -1 on failure.
  int ConnectSocket(const Client& c, uint32_t event_data);
  void Dispatch(const epoll_event& event);
  void OnEvent(Client& c, uint32_t events);
  void OnWritable(Client& c);
  void OnReadable(Client& c);
  // Reads c.*fd until it would block, handing `consume(data, len, fresh)`
  // the bytes after c.*carry (the incomplete end of the last read), `fresh`
  // of them just read; `consume` returns how many it used, and the rest is
  // carried.
  template <typename Consume>
  void ReadAll(Client& c, int Client::*fd, std::string Client::*carry, Consume consume);
  // Upgrade: connects the WebSocket probe, feeds what it reads to
  // ProcessProbe, and swaps it in for the polling connection once both the
  // probe and the held GET have been answered.
  void StartProbe(Client& c);
  void OnProbeEvent(Client& c, uint32_t events);
  size_t ProcessProbe(Client& c, const char* data, size_t len);
  void FinishUpgradeIfDue(Client& c);
  void MarkReady(Client& c, int64_t now);
  // The next WebSocket frame at data[*pos]: false when incomplete or, with
  // `*oversized` set, larger than half the receive buffer.
  bool NextWsFrame(const char* data, size_t len, size_t* pos, uint8_t* opcode, std::string_view* body,
                   bool* oversized) const;
  // Parses what arrived; returns bytes consumed (the rest waits for more).
  size_t Process(Client& c, const char* data, size_t len, int64_t now);
  size_t ProcessWebSocket(Client& c, const char* data, size_t len, int64_t now);
  size_t ProcessPolling(Client& c, const char* data, size_t len, int64_t now);
  // One Engine.IO packet (text), from either transport.
  void OnEnginePacket(Client& c, std::string_view packet, int64_t now);
  void SendWsText(Client& c, std::string_view text);
  void SendPollRequest(Client& c, std::string_view body);  // empty body: GET
  void Send(Client& c, const char* data, size_t len);
  // Writes a whole frame to the WebSocket probe; a fresh connection always
  // takes these few bytes, so a short write fails the client.
  void SendProbeText(Client& c, std::string_view text);
  void Fail(Client& c);

  PoolOptions options_;
  int epoll_fd_ = -1;
  std::vector<Client> clients_;
  size_t next_to_connect_ = 0;
  int64_t next_read_ns_ = 0;
  int connecting_ = 0;
  int ready_ = 0;
  int failed_ = 0;
  std::string upgrade_request_;
  std::vector<char> buffer_;  // one receive buffer for every connection
  PoolCounters counters_;
  Histogram latency_;
};

}  // namespace bench
