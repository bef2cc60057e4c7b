// The physical floor of a delivery: the sending core's CPU per frame when one
// thread send()s small frames round-robin to many loopback TCP sockets, as a
// broadcast does. Every hub figure in run.sh is quoted against this number.
//
//   sendfloor --sockets 1000 --frames_per_send 4 --frame_bytes 130 --seconds 2 [--idle_us 10000]
//             [--idle_spin 1] [--io_uring 1]
//
// Prints one line: "sendfloor sockets=... ns_per_frame=... ns_per_send=...
// segs_per_frame=... fastpath_per_frame=... frames_per_read=...". On loopback
// the receiving TCP stack runs in the sender's context (softirq on the
// sending core), so the figure includes it, as it does for the server; which
// receive path that is depends on the traffic's shape (tcp_counters.h).
// frames_per_read says how far the receiver let frames pile up: above 1, a
// frame often found another still queued, which the kernel takes more
// cheaply than a frame to an empty socket.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#ifdef HUB_HAVE_LIBURING
#include <liburing.h>
#endif

#include "tcp_counters.h"

namespace {

struct Options {
  int sockets = 1000;
  int frames_per_send = 1;
  int frame_bytes = 130;
  double seconds = 2.0;
  int sender_cpu = 0;
  int receiver_cpu = 1;
  // As the load generator's --read_interval_us: 0 blocks in epoll_wait (each
  // frame may wake the receiver, a cost the sender pays); >0 polls.
  int read_interval_us = 0;
  // Sleep this long after each pass over all sockets. A server that keeps
  // up with a broadcast rate sends in bursts and idles between them, and
  // after an idle spell the kernel's socket state is colder than in a tight
  // loop; this measures the floor of that shape.
  int idle_us = 0;
  // Busy-wait the idle spells instead of sleeping, and count the sender's
  // CPU over the passes only: whether a send after idle costs more because
  // the core slept or because the sockets did.
  bool idle_spin = false;
  // Each pass as one io_uring submission of a send per socket (registered
  // files, MSG_DONTWAIT so a full buffer completes with EAGAIN in this
  // thread instead of going to a kernel worker): what batching the system
  // calls would save. Needs the build to have found liburing.
  bool io_uring = false;
};

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(1);
}

void Pin(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) Die("sched_setaffinity");
}

int64_t ThreadCpuNs() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  auto ns = [](const timeval& tv) { return int64_t(tv.tv_sec) * 1000000000 + int64_t(tv.tv_usec) * 1000; };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--sockets") o.sockets = std::atoi(value);
    else if (key == "--frames_per_send") o.frames_per_send = std::atoi(value);
    else if (key == "--frame_bytes") o.frame_bytes = std::atoi(value);
    else if (key == "--seconds") o.seconds = std::atof(value);
    else if (key == "--sender_cpu") o.sender_cpu = std::atoi(value);
    else if (key == "--receiver_cpu") o.receiver_cpu = std::atoi(value);
    else if (key == "--read_interval_us") o.read_interval_us = std::atoi(value);
    else if (key == "--idle_us") o.idle_us = std::atoi(value);
    else if (key == "--idle_spin") o.idle_spin = std::atoi(value) != 0;
    else if (key == "--io_uring") o.io_uring = std::atoi(value) != 0;
    else {
      std::fprintf(stderr, "unknown flag %s\n", key.c_str());
      std::exit(2);
    }
  }
  return o;
}

// N connected pairs over one listener: `senders[i]` talks to `receivers[i]`.
void MakePairs(int n, std::vector<int>& senders, std::vector<int>& receivers) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("bind");
  if (listen(listener, 4096) != 0) Die("listen");
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  for (int i = 0; i < n; ++i) {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) Die("socket (raise ulimit -n)");
    if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) Die("connect");
    const int r = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
    if (r < 0) Die("accept");
    const int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as the servers do
    fcntl(s, F_SETFL, O_NONBLOCK);
    senders.push_back(s);
    receivers.push_back(r);
  }
  close(listener);
}

// What the receiver read; written by its thread, read by the sender's.
struct ReadCounts {
  std::atomic<int64_t> reads{0};  // read() calls that returned data
  std::atomic<int64_t> bytes{0};
};

// Drains every receiving socket until told to stop; many frames per read.
void Receive(const std::vector<int>& receivers, int cpu, int interval_us, std::atomic<bool>& stop,
             ReadCounts& counts) {
  Pin(cpu);
  const int ep = epoll_create1(0);
  for (int fd : receivers) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  std::vector<epoll_event> events(1024);
  std::vector<char> buffer(1 << 16);
  while (!stop.load(std::memory_order_relaxed)) {
    if (interval_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(interval_us));
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), interval_us > 0 ? 0 : 50);
    for (int i = 0; i < n; ++i) {
      ssize_t got;
      while ((got = read(events[i].data.fd, buffer.data(), buffer.size())) > 0) {
        counts.reads.fetch_add(1, std::memory_order_relaxed);
        counts.bytes.fetch_add(got, std::memory_order_relaxed);
      }
    }
  }
  close(ep);
}

// One pass over every socket with plain send(); counts into sends and
// would_block.
void SendPass(const std::vector<int>& senders, const std::string& burst, int64_t& sends, int64_t& would_block) {
  for (int fd : senders) {  // one "broadcast": every socket once
    if (send(fd, burst.data(), burst.size(), MSG_NOSIGNAL) > 0) {
      ++sends;
    } else {
      ++would_block;
    }
  }
}

#ifdef HUB_HAVE_LIBURING
class UringSender {
 public:
  explicit UringSender(const std::vector<int>& senders) : count_(static_cast<int>(senders.size())) {
    if (io_uring_queue_init(kEntries, &ring_, 0) < 0) Die("io_uring_queue_init");
    if (io_uring_register_files(&ring_, senders.data(), static_cast<unsigned>(senders.size())) < 0) {
      Die("io_uring_register_files");
    }
  }
  ~UringSender() { io_uring_queue_exit(&ring_); }

  void Pass(const std::string& burst, int64_t& sends, int64_t& would_block) {
    int in_flight = 0;
    for (int i = 0; i < count_; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      if (sqe == nullptr) {  // the submission queue is full: send what is there
        io_uring_submit(&ring_);
        in_flight -= Reap(sends, would_block);
        sqe = io_uring_get_sqe(&ring_);
      }
      io_uring_prep_send(sqe, i, burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      sqe->flags |= IOSQE_FIXED_FILE;
      ++in_flight;
    }
    io_uring_submit(&ring_);
    while (in_flight > 0) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring_, &cqe) < 0) Die("io_uring_wait_cqe");
      in_flight -= Reap(sends, would_block);
    }
  }

 private:
  static constexpr unsigned kEntries = 4096;

  int Reap(int64_t& sends, int64_t& would_block) {
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    int seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      if (cqe->res > 0) {
        ++sends;
      } else {
        ++would_block;
      }
      ++seen;
    }
    io_uring_cq_advance(&ring_, static_cast<unsigned>(seen));
    return seen;
  }

  io_uring ring_{};
  const int count_;
};
#endif

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  std::vector<int> senders, receivers;
  MakePairs(o.sockets, senders, receivers);

  std::atomic<bool> stop{false};
  ReadCounts read_counts;
  std::thread receiver(Receive, std::cref(receivers), o.receiver_cpu, o.read_interval_us, std::ref(stop),
                       std::ref(read_counts));
  Pin(o.sender_cpu);

  const std::string burst(static_cast<size_t>(o.frame_bytes) * o.frames_per_send, 'x');
  // Warm up (page in buffers, grow socket memory) before measuring.
  for (int fd : senders) (void)send(fd, burst.data(), burst.size(), MSG_NOSIGNAL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

#ifdef HUB_HAVE_LIBURING
  std::unique_ptr<UringSender> uring;
  if (o.io_uring) uring = std::make_unique<UringSender>(senders);
#else
  if (o.io_uring) {
    std::fprintf(stderr, "sendfloor was built without liburing (install liburing-dev and reconfigure)\n");
    return 2;
  }
#endif
  int64_t sends = 0, would_block = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.seconds);
  int64_t cpu_ns = 0;  // over the passes, or over everything without idle_spin
  const int64_t cpu_start = ThreadCpuNs();
  const bench::TcpCounters tcp_start = bench::ReadTcpCounters();
  const int64_t reads_start = read_counts.reads.load();
  const int64_t bytes_start = read_counts.bytes.load();
  while (std::chrono::steady_clock::now() < deadline) {
    const int64_t pass_start = o.idle_spin ? ThreadCpuNs() : 0;
#ifdef HUB_HAVE_LIBURING
    if (uring) {
      uring->Pass(burst, sends, would_block);
    } else {
      SendPass(senders, burst, sends, would_block);
    }
#else
    SendPass(senders, burst, sends, would_block);
#endif
    if (o.idle_spin) cpu_ns += ThreadCpuNs() - pass_start;
    if (o.idle_us > 0 && o.idle_spin) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(o.idle_us);
      while (std::chrono::steady_clock::now() < until) {
      }
    } else if (o.idle_us > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(o.idle_us));
    }
  }
  if (!o.idle_spin) cpu_ns = ThreadCpuNs() - cpu_start;
  const bench::TcpCounters tcp_end = bench::ReadTcpCounters();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  receiver.join();
  // Frames of the last pass still queued when the receiver stopped are not
  // counted; a pass is small against the window.
  const int64_t reads = read_counts.reads.load() - reads_start;
  const double frames_read = double(read_counts.bytes.load() - bytes_start) / o.frame_bytes;

  const int64_t frames = sends * o.frames_per_send;
  std::printf(
      "sendfloor sockets=%d frames_per_send=%d frame_bytes=%d read_interval_us=%d idle_us=%d idle_spin=%d io_uring=%d "
      "frames=%lld "
      "would_block=%lld "
      "frames_per_s=%.0f cpu_util=%.2f ns_per_frame=%.0f ns_per_send=%.0f segs_per_frame=%.2f "
      "fastpath_per_frame=%.2f frames_per_read=%.2f\n",
      o.sockets, o.frames_per_send, o.frame_bytes, o.read_interval_us, o.idle_us, o.idle_spin ? 1 : 0,
      o.io_uring ? 1 : 0,
      static_cast<long long>(frames),
      static_cast<long long>(would_block), frames / wall, cpu_ns / 1e9 / wall,
      frames ? double(cpu_ns) / frames : 0.0, sends ? double(cpu_ns) / sends : 0.0,
      frames ? double(tcp_end.out_segs - tcp_start.out_segs) / frames : 0.0,
      frames ? double(tcp_end.hp_hits - tcp_start.hp_hits) / frames : 0.0, reads ? frames_read / reads : 0.0);
  return 0;
}
