#include "hub/cluster/redis_link.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "hub/base/log.h"
#include "hub/base/strings.h"
#include "hub/cluster/asio_hiredis.h"

namespace hub::cluster {
namespace {
constexpr std::chrono::milliseconds kMinBackoff{100};
// Capped well under the 10 s in which a replica must resubscribe after
// Redis comes back.
constexpr std::chrono::milliseconds kMaxBackoff{2000};
}  // namespace

namespace {

std::vector<RedisLink::SetupStep> SetupSteps(const RedisAddress& address) {
  std::vector<RedisLink::SetupStep> steps;
  if (!address.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!address.user.empty()) auth.push_back(address.user);
    auth.push_back(address.password);
    steps.push_back({"auth", std::move(auth)});
  }
  if (address.db != 0) steps.push_back({"select", {"SELECT", std::to_string(address.db)}});
  // Also tells a server that wants a password (NOAUTH) from one that is up.
  steps.push_back({"ping", {"PING"}});
  return steps;
}

}  // namespace

RedisLink::RedisLink(boost::asio::io_context& io, RedisAddress address, std::string name,
                     metrics::ClusterMetrics& metrics)
    : io_(io),
      address_(std::move(address)),
      name_(std::move(name)),
      metrics_(metrics),
      retry_timer_(io),
      setup_(SetupSteps(address_)) {}

RedisLink::~RedisLink() { Stop(); }

void RedisLink::Start(std::function<void()> on_ready) {
  on_ready_ = std::move(on_ready);
  metrics_.SetConnected(name_, false);
  Connect();
}

void RedisLink::Stop() {
  if (stopping_) return;
  stopping_ = true;
  retry_timer_.cancel();
  if (context_ != nullptr) {
    redisAsyncContext* context = context_;
    context_ = nullptr;
    context->data = nullptr;  // callbacks from the free must not reach us
    redisAsyncFree(context);
  }
  connected_ = false;
}

void RedisLink::Connect() {
  if (stopping_) return;
  redisAsyncContext* context = redisAsyncConnect(address_.host.c_str(), address_.port);
  if (context == nullptr || context->err) {
    HUB_LOG_WARN("event=redis_connect_failed link={} error={}", name_,
                 LogValue(std::string_view(context ? context->errstr : "out of memory")));
    if (context != nullptr) redisAsyncFree(context);
    ScheduleReconnect();
    return;
  }
  context->data = this;
  AttachToAsio(context, io_);
  redisAsyncSetConnectCallback(context, &RedisLink::OnConnect);
  redisAsyncSetDisconnectCallback(context, &RedisLink::OnDisconnect);
  context_ = context;
}

void RedisLink::ScheduleReconnect() {
  if (stopping_) return;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Connect();
  });
}

void RedisLink::OnConnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisLink*>(context->data);
  if (self == nullptr) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    self->context_ = nullptr;
    HUB_LOG_DEBUG("event=redis_connect_failed link={} error={}", self->name_, LogValue(std::string_view(context->errstr)));
    self->ScheduleReconnect();
    return;
  }
  self->dropped_after_refusal_ = false;
  self->Setup(0);
}

void RedisLink::Setup(size_t index) {
  if (index == setup_.size()) {
    Ready();
    return;
  }
  // On failure hiredis is disconnecting already; OnDisconnect retries.
  SendArgv(setup_[index].argv, &RedisLink::OnSetupReply, reinterpret_cast<void*>(index));
}

void RedisLink::OnSetupReply(redisAsyncContext* context, void* raw, void* privdata) {
  auto* self = static_cast<RedisLink*>(context->data);
  auto* reply = static_cast<redisReply*>(raw);
  if (self == nullptr || reply == nullptr) return;  // stopping, or the connection dropped
  const auto index = reinterpret_cast<size_t>(privdata);
  if (reply->type == REDIS_REPLY_ERROR) {
    self->SetupFailed(self->setup_[index], std::string_view(reply->str, reply->len));
    return;
  }
  self->Setup(index + 1);
}

void RedisLink::SetupFailed(const SetupStep& step, std::string_view error) {
  // The label says what to fix: credentials, the db number, or else.
  const bool auth = std::string_view(step.name) == "auth" || error.rfind("NOAUTH", 0) == 0 ||
                    error.rfind("WRONGPASS", 0) == 0;
  const std::string reason = auth ? "auth" : step.name;
  metrics_.SetupFailure(name_, reason);
  // Redis's error text never holds the password.
  if (!refused_) {
    HUB_LOG_ERROR("event=redis_refused link={} host={} port={} step={} reason={} error={} retry=backoff_to_2s",
                  name_, address_.host, address_.port, step.name, reason, LogValue(error));
  } else {
    HUB_LOG_DEBUG("event=redis_refused link={} step={} error={}", name_, step.name, LogValue(error));
  }
  refused_ = true;
  dropped_after_refusal_ = true;
  redisAsyncDisconnect(context_);
}

void RedisLink::Ready() {
  connected_ = true;
  backoff_ = kMinBackoff;
  refused_ = false;
  metrics_.SetConnected(name_, true);
  if (ever_connected_) metrics_.Reconnect(name_);
  HUB_LOG_INFO("event=redis_connected link={} host={} port={} db={} reconnect={}", name_, address_.host,
               address_.port, address_.db, ever_connected_);
  ever_connected_ = true;
  if (on_ready_) on_ready_();
}

void RedisLink::OnDisconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisLink*>(context->data);
  if (self == nullptr) return;
  self->context_ = nullptr;
  self->connected_ = false;
  self->metrics_.SetConnected(self->name_, false);
  if (!self->dropped_after_refusal_) {
    HUB_LOG_WARN("event=redis_disconnected link={} error={}", self->name_,
                 LogValue(std::string_view(status == REDIS_OK ? "closed" : context->errstr)));
  }
  self->ScheduleReconnect();
}

namespace {
struct ReplyBox {
  RedisLink::OnReply on_reply;
};
}  // namespace

void RedisLink::OnCommandReply(redisAsyncContext*, void* reply, void* privdata) {
  auto* box = static_cast<ReplyBox*>(privdata);
  if (box->on_reply) box->on_reply(static_cast<redisReply*>(reply));
  delete box;
}

void RedisLink::OnSubscriptionReply(redisAsyncContext* context, void* raw, void*) {
  auto* self = static_cast<RedisLink*>(context->data);
  auto* reply = static_cast<redisReply*>(raw);
  if (self == nullptr || reply == nullptr || reply->type != REDIS_REPLY_ARRAY) return;
  // ["message", channel, payload] or ["pmessage", pattern, channel, payload].
  auto text = [reply](size_t i) { return std::string_view(reply->element[i]->str, reply->element[i]->len); };
  if (reply->elements == 3 && text(0) == "message") {
    if (self->on_message_) self->on_message_(text(1), text(2), false);
  } else if (reply->elements == 4 && text(0) == "pmessage") {
    if (self->on_message_) self->on_message_(text(2), text(3), true);
  }
}

bool RedisLink::Command(const std::vector<std::string>& argv, OnReply on_reply) {
  if (!connected_ || context_ == nullptr) {
    metrics_.Lost("redis_down");
    return false;
  }
  auto* box = new ReplyBox{std::move(on_reply)};
  if (!SendArgv(argv, &RedisLink::OnCommandReply, box)) {
    delete box;
    metrics_.Lost("redis_down");
    return false;
  }
  return true;
}

bool RedisLink::Subscribe(const std::vector<std::string>& channels) {
  return SendSubscription("SUBSCRIBE", channels);
}

bool RedisLink::PSubscribe(const std::vector<std::string>& patterns) {
  return SendSubscription("PSUBSCRIBE", patterns);
}

bool RedisLink::SendSubscription(const char* verb, const std::vector<std::string>& names) {
  if (!connected_ || context_ == nullptr || names.empty()) return false;
  std::vector<std::string> argv{verb};
  argv.insert(argv.end(), names.begin(), names.end());
  return SendArgv(argv, &RedisLink::OnSubscriptionReply, nullptr);
}

bool RedisLink::SendArgv(const std::vector<std::string>& argv, redisCallbackFn* on_reply, void* privdata) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return redisAsyncCommandArgv(context_, on_reply, privdata, static_cast<int>(args.size()), args.data(),
                               lengths.data()) == REDIS_OK;
}

}  // namespace hub::cluster
