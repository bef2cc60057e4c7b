#include "inbound.h"

#include <cstdio>
#include <string>
#include <vector>

#include "bench_payload.h"
#include "client_pool.h"
#include "event_subscriber.h"
#include "measure.h"
#include "proc_stats.h"
#include "ramp.h"
#include "scenario_setup.h"

namespace bench {
namespace {

// The clients' side of the scenario: who emits next and each one's next
// sequence number (a client's events are numbered 0, 1, 2, ... in order).
class Emitter {
 public:
  Emitter(ClientPool& pool, size_t payload_bytes) : pool_(pool), payload_bytes_(payload_bytes) {
    for (Client& c : pool.clients()) {
      if (c.ready) clients_.push_back(&c);
    }
    next_seq_.assign(clients_.size(), 0);
  }

  size_t clients() const { return clients_.size(); }

  // One event from client k; false when it could not be sent (closed).
  bool EmitFrom(size_t k) {
    BuildUpstreamPacket(payload_bytes_, k, next_seq_[k], MonotonicNs(), packet_);
    if (!pool_.SendPacket(*clients_[k], packet_)) return false;
    ++next_seq_[k];
    return true;
  }

  // The next event of the round-robin over every client.
  bool EmitNext() { return EmitFrom(cursor_++ % clients_.size()); }

 private:
  ClientPool& pool_;
  size_t payload_bytes_;
  std::vector<Client*> clients_;
  std::vector<uint64_t> next_seq_;
  size_t cursor_ = 0;
  std::string packet_;
};

// Emits from client 0 until the subscriber sees an event: the stream is then
// registered with the server, and the steps count from a known start.
bool WaitForSubscription(ClientPool& pool, Emitter& emitter, const EventSubscriber& subscriber) {
  const int64_t deadline = MonotonicNs() + 10'000'000'000;
  int64_t next_emit = 0;
  while (subscriber.received() == 0 && MonotonicNs() < deadline && subscriber.error().empty()) {
    if (MonotonicNs() >= next_emit) {
      if (!emitter.EmitFrom(0)) return false;
      next_emit = MonotonicNs() + 10'000'000;
    }
    pool.Poll(1);
  }
  return subscriber.received() > 0;
}

// One step: `rate` events/s for `o.step_s`, paced on this thread (the one
// that owns the sockets), then up to `o.grace_s` for stragglers.
Window MeasureStep(const Options& o, ClientPool& pool, Emitter& emitter, EventSubscriber& subscriber,
                   double rate) {
  const uint64_t received0 = subscriber.received();
  const uint64_t dups0 = subscriber.duplicates();
  const uint64_t closed0 = pool.counters().closed;
  subscriber.TakeLatency();
  const CpuMark cpu0 = MarkCpu({o.pid, o.pid2});
  const int64_t t0 = MonotonicNs();

  const uint64_t total = static_cast<uint64_t>(rate * o.step_s + 0.5);
  uint64_t sent = 0;
  int64_t now = t0;
  // Everything due goes out after each poll (every read interval, or each
  // wake-up); give up once half a step late, as the triggers do.
  while (sent < total && now - t0 < static_cast<int64_t>(o.step_s * 1.5e9)) {
    pool.Poll(1);
    now = MonotonicNs();
    uint64_t due = static_cast<uint64_t>(double(now - t0) / 1e9 * rate) + 1;
    if (due > total) due = total;
    for (; sent < due; ++sent) {
      if (!emitter.EmitNext()) break;
    }
  }
  const int64_t trigger_end = MonotonicNs();
  int64_t last_arrival = trigger_end;
  const int64_t deadline = trigger_end + static_cast<int64_t>(o.grace_s * 1e9);
  while (subscriber.received() - received0 < sent && MonotonicNs() < deadline) {
    pool.Poll(1);
    last_arrival = MonotonicNs();
  }

  Window w;
  w.received = subscriber.received() - received0;
  w.expected = sent;
  w.lost = static_cast<int64_t>(sent) - static_cast<int64_t>(w.received);
  w.duplicates = subscriber.duplicates() - dups0;
  w.closed = pool.counters().closed - closed0;
  w.trigger_seconds = double(trigger_end - t0) / 1e9;
  // Arrivals are counted from the step's start: the first event is sent at
  // once and arrives within a millisecond or two.
  w.seconds = double(last_arrival - t0) / 1e9;
  w.span_seconds = w.seconds;
  SetLatency(subscriber.TakeLatency(), w);
  AddCpuSince(cpu0, w);
  return w;
}

}  // namespace

int RunInbound(const Options& o) {
  if (o.polling) {
    std::fprintf(stderr, "--scenario inbound: clients emit over WebSocket only (no --polling)\n");
    return 2;
  }
  if (o.grpc.empty()) {
    std::fprintf(stderr, "--scenario inbound needs --grpc (the Subscribe stream)\n");
    return 2;
  }
  ClientPool pool(PoolFor(o));
  const auto ids = ConnectGrouped(o, pool, [](size_t k) { return static_cast<uint32_t>(k); });
  if (ids.empty()) return 1;
  Emitter emitter(pool, o.payload);
  EventSubscriber subscriber(o.grpc, emitter.clients());
  if (!WaitForSubscription(pool, emitter, subscriber)) {
    std::fprintf(stderr, "no event reached the Subscribe stream: %s\n", subscriber.error().c_str());
    return 1;
  }
  Pump(pool, 0.5);

  const int clients = static_cast<int>(emitter.clients());
  const int status = RunRamp(o, clients, [&](double rate, const char* kind) {
    return FinishStep(o, clients, kind, rate, MeasureStep(o, pool, emitter, subscriber, rate));
  });
  if (subscriber.malformed() > 0) {
    std::fprintf(stderr, "%llu events on the stream were not the bench's\n",
                 static_cast<unsigned long long>(subscriber.malformed()));
    return 1;
  }
  return status;
}

}  // namespace bench
