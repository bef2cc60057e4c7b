#include "client_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "bench_payload.h"
#include "proc_stats.h"

namespace bench {
namespace {

constexpr size_t kBufferBytes = 256 * 1024;
constexpr uint8_t kMask[4] = {0x12, 0x34, 0x56, 0x78};
// Marks an epoll event as the WebSocket probe's rather than the client's fd.
constexpr uint32_t kProbeEvent = 1u << 31;

// A WebSocket opening request; with a session id, the upgrade of that session.
std::string WebSocketRequest(const std::string& path, const std::string& host, uint16_t port,
                             std::string_view sid) {
  char request[512];
  std::snprintf(request, sizeof(request),
                "GET %s?EIO=4&transport=websocket%s%.*s HTTP/1.1\r\nHost: %s:%u\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                path.c_str(), sid.empty() ? "" : "&sid=", static_cast<int>(sid.size()), sid.data(),
                host.c_str(), port);
  return request;
}

// Writes `text` as one masked text frame into `frame` (at least 6 + 125
// bytes); returns its length.
size_t MaskedTextFrame(std::string_view text, char* frame) {
  frame[0] = static_cast<char>(0x81);
  frame[1] = static_cast<char>(0x80 | text.size());
  std::memcpy(frame + 2, kMask, 4);
  for (size_t i = 0; i < text.size(); ++i) frame[6 + i] = static_cast<char>(text[i] ^ kMask[i % 4]);
  return 6 + text.size();
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The length of a complete "101 Switching Protocols" head at the start of
// `text`: 0 while incomplete, npos when the server answered anything else.
size_t UpgradeResponseLength(std::string_view text) {
  const size_t end = text.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  return StartsWith(text, "HTTP/1.1 101") ? end + 4 : std::string_view::npos;
}

// Copies the "sid" value of a JSON object like {"sid":"abc",...} into `out`.
uint8_t ExtractSid(std::string_view json, char* out, size_t cap) {
  const size_t key = json.find("\"sid\":\"");
  if (key == std::string_view::npos) return 0;
  const size_t start = key + 7;
  const size_t end = json.find('"', start);
  if (end == std::string_view::npos || end - start > cap) return 0;
  std::memcpy(out, json.data() + start, end - start);
  return static_cast<uint8_t>(end - start);
}

// Case-insensitive search for a header name at a line start.
int64_t ContentLength(std::string_view headers) {
  constexpr std::string_view kName = "\ncontent-length:";
  for (size_t i = 0; i + kName.size() <= headers.size(); ++i) {
    size_t k = 0;
    while (k < kName.size() && std::tolower(static_cast<unsigned char>(headers[i + k])) == kName[k]) ++k;
    if (k == kName.size()) {
      const char* p = headers.data() + i + k;
      const char* end = headers.data() + headers.size();
      while (p < end && *p == ' ') ++p;
      int64_t value = -1;
      std::from_chars(p, end, value);
      return value;
    }
  }
  return -1;
}

}  // namespace

ClientPool::ClientPool(PoolOptions options) : options_(std::move(options)), buffer_(kBufferBytes) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (options_.polling) options_.upgrade = false;
  upgrade_request_ = WebSocketRequest(options_.path, options_.host, options_.port, {});
}

ClientPool::~ClientPool() {
  CloseAll();
  close(epoll_fd_);
}

void ClientPool::Open(int n) {
  const size_t first = clients_.size();
  clients_.resize(first + static_cast<size_t>(n));
  for (size_t i = first; i < clients_.size(); ++i) clients_[i].index = static_cast<uint32_t>(i);
}

void ClientPool::CloseAll() {
  for (auto& c : clients_) {
    if (c.fd >= 0) {
      close(c.fd);
      c.fd = -1;
    }
    if (c.probe_fd >= 0) {
      close(c.probe_fd);
      c.probe_fd = -1;
    }
    c.phase = Client::Phase::kClosed;
  }
  ready_ = 0;
  connecting_ = 0;
}

void ClientPool::Resume(Client& c) {
  c.stalled = false;
  if (c.fd < 0) return;
  OnWritable(c);
  // OnReadable stops at a short read, trusting the next edge to report what
  // comes later; an end of stream that came while stalled has no edge left.
  char probe;
  while (c.fd >= 0 && recv(c.fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) >= 0) OnReadable(c);
}

void ClientPool::StartConnect(Client& c) {
  c.connect_started_ns = MonotonicNs();
  c.on_websocket = !options_.polling && !options_.upgrade;
  c.fd = ConnectSocket(c, c.index);
  if (c.fd < 0) {
    Fail(c);
    return;
  }
  c.phase = Client::Phase::kConnecting;
  ++connecting_;
}

int ClientPool::ConnectSocket(const Client& c, uint32_t event_data) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  // Let connect() pick the port per 4-tuple, so each source address has its
  // own ephemeral range.
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (options_.max_segment) {
    if (const int bytes = options_.max_segment(c.index); bytes > 0) {
      setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &bytes, sizeof(bytes));
    }
  }
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(0x7f000001u + c.index % static_cast<uint32_t>(options_.source_addresses));
  if (bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
    close(fd);
    return -1;
  }
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(options_.port2 != 0 && (c.index & 1) ? options_.port2 : options_.port);
  inet_pton(AF_INET, options_.host.c_str(), &target.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
  ev.data.u32 = event_data;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

void ClientPool::Poll(int timeout_ms) {
  while (connecting_ < options_.max_connecting && next_to_connect_ < clients_.size()) {
    StartConnect(clients_[next_to_connect_++]);
  }
  epoll_event events[512];
  if (options_.read_interval_us <= 0) {
    const int n = epoll_wait(epoll_fd_, events, 512, timeout_ms);
    for (int i = 0; i < n; ++i) Dispatch(events[i]);
    return;
  }
  const int64_t now = MonotonicNs();
  if (now < next_read_ns_) {
    const int64_t wait = next_read_ns_ - now;
    timespec ts{wait / 1000000000, wait % 1000000000};
    nanosleep(&ts, nullptr);
  }
  next_read_ns_ = std::max(now, next_read_ns_) + int64_t{options_.read_interval_us} * 1000;
  int n;
  do {
    n = epoll_wait(epoll_fd_, events, 512, 0);
    for (int i = 0; i < n; ++i) Dispatch(events[i]);
  } while (n == 512);
}

void ClientPool::Dispatch(const epoll_event& event) {
  Client& c = clients_[event.data.u32 & ~kProbeEvent];
  if (event.data.u32 & kProbeEvent) {
    OnProbeEvent(c, event.events);
  } else {
    OnEvent(c, event.events);
  }
  FinishUpgradeIfDue(c);
}

void ClientPool::OnEvent(Client& c, uint32_t events) {
  if (c.fd < 0 || c.stalled) return;
  if (events & EPOLLOUT) OnWritable(c);
  if (c.fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) OnReadable(c);
}

void ClientPool::OnWritable(Client& c) {
  if (c.phase == Client::Phase::kConnecting) {
    int error = 0;
    socklen_t len = sizeof(error);
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
      Fail(c);
      return;
    }
    if (!c.on_websocket) {
      c.phase = Client::Phase::kPollHandshake;
      SendPollRequest(c, {});
    } else {
      c.phase = Client::Phase::kUpgrading;
      Send(c, upgrade_request_.data(), upgrade_request_.size());
    }
    return;
  }
  while (!c.out.empty()) {
    const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    c.out.erase(0, static_cast<size_t>(n));
  }
}

template <typename Consume>
void ClientPool::ReadAll(Client& c, int Client::*fd, std::string Client::*carry, Consume consume) {
  char* buf = buffer_.data();
  for (;;) {
    // An incomplete frame from the last read goes first, then new bytes.
    const size_t carried = std::min((c.*carry).size(), buffer_.size() / 2);
    std::memcpy(buf, (c.*carry).data(), carried);
    const ssize_t n = recv(c.*fd, buf + carried, buffer_.size() - carried, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      Fail(c);
      return;
    }
    if (n < 0) return;
    const size_t total = carried + static_cast<size_t>(n);
    const size_t used = consume(buf, total, static_cast<size_t>(n));
    if (c.*fd < 0) return;
    (c.*carry).assign(buf + used, total - used);
    if (static_cast<size_t>(n) < buffer_.size() - carried) return;  // drained
  }
}

void ClientPool::OnReadable(Client& c) {
  ReadAll(c, &Client::fd, &Client::carry, [&](const char* data, size_t len, size_t fresh) {
    ++counters_.reads;
    counters_.bytes += fresh;
    return Process(c, data, len, MonotonicNs());
  });
}

size_t ClientPool::Process(Client& c, const char* data, size_t len, int64_t now) {
  return c.on_websocket ? ProcessWebSocket(c, data, len, now) : ProcessPolling(c, data, len, now);
}

bool ClientPool::NextWsFrame(const char* data, size_t len, size_t* pos, uint8_t* opcode, std::string_view* body,
                             bool* oversized) const {
  *oversized = false;
  const size_t at = *pos;
  if (len - at < 2) return false;
  const uint8_t b0 = static_cast<uint8_t>(data[at]);
  const uint8_t b1 = static_cast<uint8_t>(data[at + 1]);
  size_t header = 2;
  uint64_t payload = b1 & 0x7f;
  if (payload == 126) {
    if (len - at < 4) return false;
    payload = (uint64_t(uint8_t(data[at + 2])) << 8) | uint8_t(data[at + 3]);
    header = 4;
  } else if (payload == 127) {
    if (len - at < 10) return false;
    payload = 0;
    for (int i = 0; i < 8; ++i) payload = (payload << 8) | uint8_t(data[at + 2 + i]);
    header = 10;
  }
  if (payload > buffer_.size() / 2) {  // far larger than anything the bench sends
    *oversized = true;
    return false;
  }
  if (len - at < header + payload) return false;
  *opcode = b0 & 0x0f;
  *body = std::string_view(data + at + header, payload);
  *pos = at + header + payload;
  return true;
}

size_t ClientPool::ProcessWebSocket(Client& c, const char* data, size_t len, int64_t now) {
  size_t pos = 0;
  if (c.phase == Client::Phase::kUpgrading) {
    pos = UpgradeResponseLength({data, len});
    if (pos == 0) return 0;
    if (pos == std::string_view::npos) {
      Fail(c);
      return 0;
    }
    c.phase = Client::Phase::kOpening;
  }
  uint8_t opcode = 0;
  std::string_view body;
  bool oversized = false;
  while (NextWsFrame(data, len, &pos, &opcode, &body, &oversized)) {
    switch (opcode) {
      case 0x1:
        OnEnginePacket(c, body, now);
        break;
      case 0x8:
        Fail(c);
        return 0;
      case 0x9: {
        // WebSocket ping: answer with an empty pong.
        const uint8_t pong[6] = {0x8a, 0x80, kMask[0], kMask[1], kMask[2], kMask[3]};
        Send(c, reinterpret_cast<const char*>(pong), sizeof(pong));
        break;
      }
      default:
        break;
    }
    if (c.fd < 0) return 0;
  }
  if (oversized) {
    Fail(c);
    return 0;
  }
  return pos;
}

size_t ClientPool::ProcessPolling(Client& c, const char* data, size_t len, int64_t now) {
  size_t pos = 0;
  for (;;) {
    const std::string_view text(data + pos, len - pos);
    const size_t end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) return pos;
    const int64_t body_len = ContentLength(text.substr(0, end + 2));
    if (!StartsWith(text, "HTTP/1.1 200") || body_len < 0) {
      std::fprintf(stderr, "polling: unexpected response: %.*s\n",
                   static_cast<int>(std::min<size_t>(end, 200)), text.data());
      Fail(c);
      return 0;
    }
    if (text.size() < end + 4 + static_cast<size_t>(body_len)) return pos;
    const std::string_view body = text.substr(end + 4, static_cast<size_t>(body_len));
    pos += end + 4 + static_cast<size_t>(body_len);

    const Client::Phase answered = c.phase;
    if (answered == Client::Phase::kPollGet || answered == Client::Phase::kPollHandshake) {
      // Packets of a payload are separated by the record separator 0x1e.
      size_t start = 0;
      while (start <= body.size()) {
        size_t sep = body.find('\x1e', start);
        if (sep == std::string_view::npos) sep = body.size();
        if (sep > start) OnEnginePacket(c, body.substr(start, sep - start), now);
        if (c.fd < 0) return 0;
        start = sep + 1;
      }
    }
    // The next request on this connection: the CONNECT, a pong, or a GET;
    // none while the WebSocket probe is out and its held GET came back.
    if (options_.upgrade && answered == Client::Phase::kPollGet && c.probe_fd >= 0) {
      c.poll_paused = true;
      return pos;
    }
    if (options_.upgrade && c.connect_acked && c.probe_fd < 0) StartProbe(c);
    if (c.fd < 0) return 0;
    if (answered == Client::Phase::kPollHandshake) {
      c.phase = Client::Phase::kPollPost;
      c.joining = true;
      SendPollRequest(c, "40");
    } else if (c.pong_owed) {
      c.pong_owed = false;
      c.phase = Client::Phase::kPollPost;
      SendPollRequest(c, "3");
    } else {
      c.phase = Client::Phase::kPollGet;
      SendPollRequest(c, {});
    }
  }
}

void ClientPool::OnEnginePacket(Client& c, std::string_view packet, int64_t now) {
  if (packet.empty()) return;
  switch (packet[0]) {
    case '0':  // OPEN
      if (!c.on_websocket) {
        c.eio_sid_len = ExtractSid(packet.substr(1), c.eio_sid, sizeof(c.eio_sid));
      } else {
        c.phase = Client::Phase::kJoining;
        SendWsText(c, "40");
      }
      return;
    case '2':  // PING
      ++counters_.pings;
      if (!c.on_websocket) {
        c.pong_owed = true;
      } else {
        SendWsText(c, "3");
      }
      return;
    case '1':  // CLOSE
      Fail(c);
      return;
    case '4':
      break;
    default:
      return;
  }
  const std::string_view sio = packet.substr(1);
  Parsed event;
  if (ParseEvent(sio, event)) {
    latency_.Record(now - event.t_ns);
    ++counters_.messages;
    ++c.received;
    if (event.group != c.group) ++counters_.misrouted;
    const int64_t seq = static_cast<int64_t>(event.seq);
    if (seq <= c.last_seq) {
      ++c.duplicates;
      ++counters_.duplicates;
    } else {
      counters_.gaps += static_cast<uint64_t>(seq - c.last_seq - 1);
      c.last_seq = seq;
    }
    return;
  }
  if (StartsWith(sio, "0") && !c.connect_acked) {  // CONNECT reply: 0{"sid":"..."}
    c.sid_len = ExtractSid(sio.substr(1), c.sid, sizeof(c.sid));
    c.connect_acked = true;
    if (!options_.upgrade) MarkReady(c, now);  // else once upgraded
    return;
  }
  if (StartsWith(sio, "4") || StartsWith(sio, "1")) {  // CONNECT_ERROR, DISCONNECT
    Fail(c);
    return;
  }
  ++counters_.other_events;
}

void ClientPool::MarkReady(Client& c, int64_t now) {
  c.ready = true;
  c.ready_ns = now;
  if (c.on_websocket) c.phase = Client::Phase::kReady;
  ++ready_;
  --connecting_;
}

void ClientPool::SendWsText(Client& c, std::string_view text) {
  char frame[2 + 4 + 125];
  Send(c, frame, MaskedTextFrame(text, frame));
}

bool ClientPool::SendPacket(Client& c, std::string_view sio_packet) {
  constexpr size_t kMaxShortFrame = 125;
  if (!c.ready || !c.on_websocket || c.fd < 0 || sio_packet.size() + 1 > kMaxShortFrame) return false;
  char text[kMaxShortFrame];
  text[0] = '4';  // Engine.IO MESSAGE
  std::memcpy(text + 1, sio_packet.data(), sio_packet.size());
  SendWsText(c, std::string_view(text, sio_packet.size() + 1));
  return true;
}

void ClientPool::StartProbe(Client& c) {
  c.probe_fd = ConnectSocket(c, c.index | kProbeEvent);
  if (c.probe_fd < 0) {
    Fail(c);
    return;
  }
  c.probe_phase = Client::Phase::kConnecting;
}

void ClientPool::OnProbeEvent(Client& c, uint32_t events) {
  if (c.probe_fd < 0) return;
  if ((events & EPOLLOUT) && c.probe_phase == Client::Phase::kConnecting) {
    int error = 0;
    socklen_t len = sizeof(error);
    getsockopt(c.probe_fd, SOL_SOCKET, SO_ERROR, &error, &len);
    const std::string request =
        WebSocketRequest(options_.path, options_.host, options_.port, {c.eio_sid, c.eio_sid_len});
    if (error != 0 || send(c.probe_fd, request.data(), request.size(), MSG_NOSIGNAL) !=
                          static_cast<ssize_t>(request.size())) {
      Fail(c);
      return;
    }
    c.probe_phase = Client::Phase::kUpgrading;
  }
  if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
  ReadAll(c, &Client::probe_fd, &Client::probe_carry,
          [&](const char* data, size_t len, size_t) { return ProcessProbe(c, data, len); });
}

size_t ClientPool::ProcessProbe(Client& c, const char* data, size_t len) {
  size_t pos = 0;
  if (c.probe_phase == Client::Phase::kUpgrading) {
    pos = UpgradeResponseLength({data, len});
    if (pos == 0) return 0;
    if (pos == std::string_view::npos) {
      Fail(c);
      return 0;
    }
    c.probe_phase = Client::Phase::kOpening;
    SendProbeText(c, "2probe");
    if (c.fd < 0) return 0;
  }
  uint8_t opcode = 0;
  std::string_view body;
  bool oversized = false;
  // Until the UPGRADE packet the server sends nothing else on the probe.
  while (!c.probe_answered && NextWsFrame(data, len, &pos, &opcode, &body, &oversized)) {
    if (opcode != 0x1 || body != "3probe") {
      Fail(c);
      return 0;
    }
    c.probe_answered = true;
  }
  if (oversized) Fail(c);
  return pos;
}

void ClientPool::FinishUpgradeIfDue(Client& c) {
  if (c.fd < 0 || c.probe_fd < 0 || !c.probe_answered || !c.poll_paused) return;
  SendProbeText(c, "5");
  if (c.fd < 0) return;
  // The probe becomes the client's connection; the polling one is done.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = c.probe_fd;
  c.probe_fd = -1;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
  ev.data.u32 = c.index;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.carry.clear();  // nothing follows "3probe" until the server has the UPGRADE
  c.probe_carry.clear();
  c.out.clear();
  c.on_websocket = true;
  MarkReady(c, MonotonicNs());
  if (c.pong_owed) {
    c.pong_owed = false;
    SendWsText(c, "3");
  }
}

void ClientPool::SendProbeText(Client& c, std::string_view text) {
  char frame[2 + 4 + 125];
  const size_t n = MaskedTextFrame(text, frame);
  if (send(c.probe_fd, frame, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) Fail(c);
}

void ClientPool::SendPollRequest(Client& c, std::string_view body) {
  char request[512];
  const std::string_view sid(c.eio_sid, c.eio_sid_len);
  int n;
  if (c.eio_sid_len == 0) {
    n = std::snprintf(request, sizeof(request),
                      "GET %s?EIO=4&transport=polling HTTP/1.1\r\nHost: %s:%u\r\n\r\n",
                      options_.path.c_str(), options_.host.c_str(), options_.port);
  } else if (body.empty()) {
    n = std::snprintf(request, sizeof(request),
                      "GET %s?EIO=4&transport=polling&sid=%.*s HTTP/1.1\r\nHost: %s:%u\r\n\r\n",
                      options_.path.c_str(), static_cast<int>(sid.size()), sid.data(),
                      options_.host.c_str(), options_.port);
  } else {
    n = std::snprintf(request, sizeof(request),
                      "POST %s?EIO=4&transport=polling&sid=%.*s HTTP/1.1\r\nHost: %s:%u\r\n"
                      "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %zu\r\n\r\n%.*s",
                      options_.path.c_str(), static_cast<int>(sid.size()), sid.data(),
                      options_.host.c_str(), options_.port, body.size(),
                      static_cast<int>(body.size()), body.data());
  }
  Send(c, request, static_cast<size_t>(n));
}

void ClientPool::Send(Client& c, const char* data, size_t len) {
  if (c.out.empty()) {
    const ssize_t n = send(c.fd, data, len, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(len)) return;
    if (n > 0) {
      data += n;
      len -= static_cast<size_t>(n);
    }
  }
  c.out.append(data, len);  // EPOLLOUT (edge-triggered) flushes it
}

void ClientPool::Fail(Client& c) {
  if (c.fd >= 0) {
    close(c.fd);
    c.fd = -1;
  }
  if (c.probe_fd >= 0) {
    close(c.probe_fd);
    c.probe_fd = -1;
  }
  if (c.ready) {
    --ready_;
    ++counters_.closed;
  } else if (c.phase != Client::Phase::kClosed) {
    ++counters_.connect_errors;
    ++failed_;
    if (c.phase != Client::Phase::kPending) --connecting_;
  }
  c.ready = false;
  c.phase = Client::Phase::kClosed;
}

}  // namespace bench
