#include "hub/api/subscription_hub.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "hub/api/group_picker.h"

namespace hub::api {
namespace {

// The name a Subscribe `events` filter matches for this event.
const std::string& EventNameOf(const hub::v1::ClientEvent& event) {
  static const std::string kConnect = "connect";
  static const std::string kDisconnect = "disconnect";
  if (event.has_connected()) return kConnect;
  if (event.has_disconnected()) return kDisconnect;
  return event.event().payload().event();
}

std::unique_ptr<hub::v1::ClientEvent> ToProto(core::ClientEventRecord&& record) {
  auto event = std::make_unique<hub::v1::ClientEvent>();
  event->set_socket_id(std::move(record.socket_id));
  event->set_namespace_(std::move(record.nsp));
  event->set_timestamp_ms(record.timestamp_ms);
  switch (record.kind) {
    case core::ClientEventRecord::Kind::kConnected: {
      auto* connected = event->mutable_connected();
      connected->set_auth(std::move(record.auth));
      for (auto& [key, value] : record.query) (*connected->mutable_query())[key] = std::move(value);
      for (auto& [key, value] : record.headers) {
        auto& slot = (*connected->mutable_headers())[key];
        // Repeated headers are joined as HTTP allows for most of them.
        slot = slot.empty() ? std::move(value) : slot + ", " + value;
      }
      connected->set_remote_address(std::move(record.remote_address));
      connected->set_transport(std::move(record.transport));
      break;
    }
    case core::ClientEventRecord::Kind::kDisconnected:
      event->mutable_disconnected()->set_reason(std::move(record.reason));
      break;
    case core::ClientEventRecord::Kind::kEvent: {
      auto* data = event->mutable_event();
      auto* payload = data->mutable_payload();
      payload->set_event(std::move(record.event));
      for (auto& arg : record.args) payload->add_args(std::move(arg));
      for (auto& attachment : record.attachments) payload->add_attachments(std::move(attachment));
      data->set_wants_ack(record.ack_id.has_value());
      data->set_ack_id(record.ack_id.value_or(0));
      break;
    }
  }
  return event;
}

}  // namespace

Subscriber::Subscriber(SubscriptionHub& hub, const hub::v1::SubscribeRequest& request,
                       size_t capacity)
    : hub_(hub),
      namespaces_(request.namespaces().begin(), request.namespaces().end()),
      events_(request.events().begin(), request.events().end()),
      group_(request.group()),
      capacity_(capacity) {}

bool Subscriber::HasRoom() {
  std::lock_guard lock(mu_);
  return !finished_ && !ending_ && queue_.size() < capacity_;
}

bool Subscriber::Matches(const std::string& nsp, const std::string& event_name) const {
  return (namespaces_.empty() || namespaces_.count(nsp) > 0) &&
         (events_.empty() || events_.count(event_name) > 0);
}

size_t Subscriber::QueueDepth() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

// Every path that ends the stream calls Finish after releasing mu_ and
// touches nothing afterwards: OnDone may run on another thread as soon as
// Finish is called, and it deletes this object (mutex included).
void Subscriber::Offer(std::unique_ptr<hub::v1::ClientEvent> event) {
  std::optional<grpc::Status> finish;
  {
    std::lock_guard lock(mu_);
    if (finished_ || ending_) return;
    const uint64_t sequence = next_sequence_++;
    if (queue_.size() >= capacity_) {
      hub_.metrics().events_dropped_queue_full.Increment();
      return;
    }
    event->set_sequence(sequence);
    queue_.push_back(std::move(event));
    if (!writing_) finish = WriteNextLocked();
  }
  if (finish) Finish(*finish);
}

std::optional<grpc::Status> Subscriber::WriteNextLocked() {
  if (queue_.empty()) {
    if (ending_) return FinishLocked(grpc::Status::OK);
    return std::nullopt;
  }
  writing_event_ = std::move(queue_.front());
  queue_.pop_front();
  writing_ = true;
  // While more events wait behind this one, let gRPC hold it back and send
  // the whole run in one HTTP/2 write; the last of the run flushes.
  StartWrite(writing_event_.get(),
             queue_.empty() ? grpc::WriteOptions() : grpc::WriteOptions().set_buffer_hint());
  return std::nullopt;
}

void Subscriber::OnWriteDone(bool ok) {
  std::optional<grpc::Status> finish;
  {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (finished_) return;
    if (!ok) {
      // The stream broke (client gone); OnCancel or OnDone follows.
      finish = FinishLocked(grpc::Status::CANCELLED);
    } else {
      hub_.metrics().events_delivered.Increment();
      finish = WriteNextLocked();
    }
  }
  if (finish) Finish(*finish);
}

void Subscriber::EndStream() {
  std::optional<grpc::Status> finish;
  {
    std::lock_guard lock(mu_);
    if (finished_ || ending_) return;
    ending_ = true;
    if (!writing_) finish = WriteNextLocked();
  }
  if (finish) Finish(*finish);
}

void Subscriber::EndWith(const grpc::Status& status) {
  std::optional<grpc::Status> finish;
  {
    std::lock_guard lock(mu_);
    finish = FinishLocked(status);
  }
  if (finish) Finish(*finish);
}

void Subscriber::OnCancel() {
  std::optional<grpc::Status> finish;
  {
    std::lock_guard lock(mu_);
    queue_.clear();
    if (!writing_) {
      finish = FinishLocked(grpc::Status::CANCELLED);
    } else {
      ending_ = true;  // finish when the pending write completes
    }
  }
  if (finish) Finish(*finish);
}

std::optional<grpc::Status> Subscriber::FinishLocked(const grpc::Status& status) {
  if (finished_) return std::nullopt;
  finished_ = true;
  queue_.clear();
  return status;
}

void Subscriber::OnDone() {
  hub_.Remove(this);  // no Offer can start after this
  // Orders the last reaction's writes before the delete visibly to
  // ThreadSanitizer (gRPC's own ordering is in uninstrumented code).
  { std::lock_guard lock(mu_); }
  delete this;
}

SubscriptionHub::SubscriptionHub(size_t queue_capacity, metrics::ApiMetrics& metrics)
    : queue_capacity_(queue_capacity), metrics_(metrics) {}

SubscriptionHub::~SubscriptionHub() = default;

bool SubscriptionHub::Publish(core::ClientEventRecord record) {
  return PublishSelected(std::move(record), nullptr, /*count_unrouted=*/true);
}

bool SubscriptionHub::PublishSelected(core::ClientEventRecord record, const GroupChooser& take_group,
                                      bool count_unrouted) {
  auto event = ToProto(std::move(record));
  std::lock_guard lock(mu_);
  absl::InlinedVector<Subscriber*, 4> recipients;
  {  // nsp and name point into the event, which moves to the last recipient
    const std::string& nsp = event->namespace_();
    const std::string& name = EventNameOf(*event);
    for (Subscriber* subscriber : ungrouped_) {
      if (subscriber->Matches(nsp, name)) recipients.push_back(subscriber);
    }
    for (auto& [group_name, group] : groups_) {
      if (take_group && !take_group(group_name, group.members.size())) continue;
      if (Subscriber* member = PickFromGroup(group, nsp, name)) recipients.push_back(member);
    }
  }
  if (recipients.empty()) {
    if (count_unrouted) metrics_.events_dropped_no_subscriber.Increment();
    return false;
  }
  for (size_t i = 0; i + 1 < recipients.size(); ++i) {
    recipients[i]->Offer(std::make_unique<hub::v1::ClientEvent>(*event));
  }
  recipients.back()->Offer(std::move(event));
  return true;
}

Subscriber* SubscriptionHub::PickFromGroup(Group& group, const std::string& nsp, const std::string& name) {
  const std::vector<Subscriber*>& members = group.members;
  auto picked = PickGroupMember(
      members.size(), group.next, [&](size_t i) { return members[i]->Matches(nsp, name); },
      [&](size_t i) { return members[i]->HasRoom(); });
  if (!picked) return nullptr;
  group.next = *picked + 1;
  return members[*picked];
}

grpc::ServerWriteReactor<hub::v1::ClientEvent>* SubscriptionHub::Subscribe(
    const hub::v1::SubscribeRequest& request) {
  auto* subscriber = new Subscriber(*this, request, queue_capacity_);
  {
    std::lock_guard lock(mu_);
    if (subscriber->group().empty()) {
      ungrouped_.push_back(subscriber);
      if (ungrouped_.size() == 1) MembershipChanged();
    } else {
      groups_[subscriber->group()].members.push_back(subscriber);
      MembershipChanged();
    }
    ++count_;
    if (ended_) {
      subscriber->EndWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "hub is draining"));
      return subscriber;
    }
  }
  // Initial metadata tells the backend the subscription is live.
  subscriber->StartSendInitialMetadata();
  return subscriber;
}

void SubscriptionHub::Remove(Subscriber* subscriber) {
  std::lock_guard lock(mu_);
  bool removed = false;
  if (subscriber->group().empty()) {
    auto it = std::find(ungrouped_.begin(), ungrouped_.end(), subscriber);
    if (it != ungrouped_.end()) {
      ungrouped_.erase(it);
      removed = true;
      if (ungrouped_.empty()) MembershipChanged();
    }
  } else if (auto g = groups_.find(subscriber->group()); g != groups_.end()) {
    auto& members = g->second.members;
    auto it = std::find(members.begin(), members.end(), subscriber);
    if (it != members.end()) {
      members.erase(it);
      removed = true;
      MembershipChanged();
    }
    if (members.empty()) groups_.erase(g);
  }
  if (removed) {
    --count_;
  }
  if (count_ == 0) empty_.notify_all();
}

void SubscriptionHub::SetMembershipListener(MembershipListener listener) {
  std::lock_guard lock(mu_);
  membership_listener_ = std::move(listener);
}

void SubscriptionHub::MembershipChanged() {
  if (membership_listener_) membership_listener_();
}

std::vector<SubscriptionHub::GroupStats> SubscriptionHub::Stats() {
  std::lock_guard lock(mu_);
  std::vector<GroupStats> out;
  auto add = [&](const std::string& name, const std::vector<Subscriber*>& members) {
    GroupStats stats{name, members.size(), 0, 0};
    for (Subscriber* member : members) {
      const size_t depth = member->QueueDepth();
      stats.queued += depth;
      stats.max_queued = std::max(stats.max_queued, depth);
    }
    out.push_back(std::move(stats));
  };
  add("", ungrouped_);
  for (const auto& [name, group] : groups_) add(name, group.members);
  return out;
}

std::vector<prometheus::MetricFamily> SubscriberFamilies(
    const std::vector<SubscriptionHub::GroupStats>& stats) {
  auto family = [](const char* name, const char* help) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = prometheus::MetricType::Gauge;
    return f;
  };
  auto subscribers = family("hub_subscribers", "Open Subscribe streams by consumer group (\"\" for none).");
  auto depth = family("hub_subscriber_queue_depth", "Events queued in Subscribe streams, summed by group.");
  auto max_depth = family("hub_subscriber_queue_depth_max", "Deepest Subscribe queue of each group.");
  for (const auto& group : stats) {
    auto sample = [&](prometheus::MetricFamily& f, double value) {
      prometheus::ClientMetric metric;
      metric.label = {{"group", group.group}};
      metric.gauge.value = value;
      f.metric.push_back(std::move(metric));
    };
    sample(subscribers, static_cast<double>(group.subscribers));
    sample(depth, static_cast<double>(group.queued));
    sample(max_depth, static_cast<double>(group.max_queued));
  }
  return {std::move(subscribers), std::move(depth), std::move(max_depth)};
}

void SubscriptionHub::EndAll() {
  std::lock_guard lock(mu_);
  ended_ = true;
  std::vector<Subscriber*> all = ungrouped_;
  for (auto& [name, group] : groups_) all.insert(all.end(), group.members.begin(), group.members.end());
  // Each EndStream may remove only its own subscriber, already visited.
  for (Subscriber* subscriber : all) subscriber->EndStream();
}

void SubscriptionHub::AwaitEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  empty_.wait_for(lock, timeout, [this] { return count_ == 0; });
}

}  // namespace hub::api
