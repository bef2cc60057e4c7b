#include "hub/cluster/redis_link.h"

#include <algorithm>
#include <cstring>

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

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError("redis_url must look like redis://host:port");
  }
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  if (rest.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError("redis_url: credentials are not supported");
  }
  RedisAddress address;
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    if (!absl::SimpleAtoi(ToAbsl(rest.substr(colon + 1)), &address.port) || address.port <= 0 ||
        address.port > 65535) {
      return absl::InvalidArgumentError("redis_url: bad port");
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return absl::InvalidArgumentError("redis_url: missing host");
  address.host = std::string(rest);
  return address;
}

RedisLink::RedisLink(boost::asio::io_context& io, RedisAddress address, std::string name,
                     metrics::ClusterMetrics& metrics)
    : io_(io), address_(std::move(address)), name_(std::move(name)), metrics_(metrics), retry_timer_(io) {}

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
  self->connected_ = true;
  self->backoff_ = kMinBackoff;
  self->metrics_.SetConnected(self->name_, true);
  if (self->ever_connected_) self->metrics_.Reconnect(self->name_);
  HUB_LOG_INFO("event=redis_connected link={} host={} port={} reconnect={}", self->name_,
               self->address_.host, self->address_.port, self->ever_connected_);
  self->ever_connected_ = true;
  if (self->on_ready_) self->on_ready_();
}

void RedisLink::OnDisconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisLink*>(context->data);
  if (self == nullptr) return;
  self->context_ = nullptr;
  self->connected_ = false;
  self->metrics_.SetConnected(self->name_, false);
  HUB_LOG_WARN("event=redis_disconnected link={} error={}", self->name_,
               LogValue(std::string_view(status == REDIS_OK ? "closed" : context->errstr)));
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
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* box = new ReplyBox{std::move(on_reply)};
  if (redisAsyncCommandArgv(context_, &RedisLink::OnCommandReply, box, static_cast<int>(args.size()),
                            args.data(), lengths.data()) != REDIS_OK) {
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
  std::vector<const char*> args{verb};
  std::vector<size_t> lengths{std::strlen(verb)};
  for (const auto& name : names) {
    args.push_back(name.data());
    lengths.push_back(name.size());
  }
  return redisAsyncCommandArgv(context_, &RedisLink::OnSubscriptionReply, nullptr,
                               static_cast<int>(args.size()), args.data(), lengths.data()) == REDIS_OK;
}

}  // namespace hub::cluster
