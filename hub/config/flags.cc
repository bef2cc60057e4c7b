#include "hub/config/flags.h"
#include "hub/base/strings.h"

#include <cstdlib>
#include <limits>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hub {
namespace {

// One row per flag: the single place that names a setting, its environment
// variable, its default (as shown by --help) and how its text becomes a value.
struct FlagSpec {
  std::string_view name;
  std::string_view help;
  std::function<std::string(const Config&)> show;
  std::function<absl::Status(std::string_view, Config&)> set;
};

std::string EnvName(std::string_view flag) {
  std::string env = "HUB_";
  for (char c : flag) env.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  return env;
}

template <typename T>
absl::Status ParseUnsigned(std::string_view text, T min, T max, T& out) {
  uint64_t value = 0;
  if (!absl::SimpleAtoi(ToAbsl(text), &value) || text.empty() || text[0] == '-' || text[0] == '+') {
    return absl::InvalidArgumentError("not a non-negative integer");
  }
  if (value < static_cast<uint64_t>(min) || value > static_cast<uint64_t>(max)) {
    return absl::InvalidArgumentError(absl::StrCat("out of range [", min, ", ", max, "]"));
  }
  out = static_cast<T>(value);
  return absl::OkStatus();
}

template <typename T>
FlagSpec UnsignedFlag(std::string_view name, std::string_view help, T Config::*field, T min,
                      T max) {
  return FlagSpec{
      name, help, [field](const Config& c) { return absl::StrCat(c.*field); },
      [field, min, max](std::string_view text, Config& c) {
        return ParseUnsigned<T>(text, min, max, c.*field);
      }};
}

FlagSpec StringFlag(std::string_view name, std::string_view help, std::string Config::*field,
                    std::function<absl::Status(std::string_view)> check = nullptr) {
  return FlagSpec{name, help, [field](const Config& c) { return c.*field; },
                  [field, check](std::string_view text, Config& c) {
                    if (check) {
                      if (auto s = check(text); !s.ok()) return s;
                    }
                    c.*field = std::string(text);
                    return absl::OkStatus();
                  }};
}

FlagSpec BoolFlag(std::string_view name, std::string_view help, bool Config::*field) {
  return FlagSpec{name, help, [field](const Config& c) { return std::string(c.*field ? "true" : "false"); },
                  [field](std::string_view text, Config& c) {
                    if (text == "true" || text == "1") c.*field = true;
                    else if (text == "false" || text == "0") c.*field = false;
                    else return absl::InvalidArgumentError("want true or false");
                    return absl::OkStatus();
                  }};
}

FlagSpec ListFlag(std::string_view name, std::string_view help,
                  std::vector<std::string> Config::*field, std::string_view empty_means) {
  return FlagSpec{name, help,
                  [field, empty_means](const Config& c) {
                    return (c.*field).empty() ? std::string(empty_means)
                                              : absl::StrJoin(c.*field, ",");
                  },
                  [field](std::string_view text, Config& c) {
                    std::vector<std::string> items;
                    for (absl::string_view item : absl::StrSplit(ToAbsl(text), ',', absl::SkipWhitespace())) {
                      items.emplace_back(absl::StripAsciiWhitespace(item));
                    }
                    c.*field = std::move(items);
                    return absl::OkStatus();
                  }};
}

absl::Status CheckLogLevel(std::string_view text) {
  for (std::string_view level : {"trace", "debug", "info", "warn", "error", "off"}) {
    if (text == level) return absl::OkStatus();
  }
  return absl::InvalidArgumentError("want trace, debug, info, warn, error or off");
}

absl::Status CheckPath(std::string_view text) {
  if (text.empty() || text.front() != '/') return absl::InvalidArgumentError("must start with '/'");
  return absl::OkStatus();
}

const std::vector<FlagSpec>& Flags() {
  static const auto* flags = new std::vector<FlagSpec>{
      StringFlag("bind", "Address every listener binds to.", &Config::bind),
      UnsignedFlag<uint16_t>("sio_port", "Socket.IO port (WebSocket and polling); 0 picks a free port.",
                             &Config::sio_port, 0, 65535),
      UnsignedFlag<uint16_t>("grpc_port", "gRPC port of hub.v1.Hub, health and reflection; 0 picks a free port.",
                             &Config::grpc_port, 0, 65535),
      UnsignedFlag<uint16_t>("admin_port", "Admin port: /metrics, /healthz, /readyz; 0 picks a free port.",
                             &Config::admin_port, 0, 65535),
      StringFlag("path", "HTTP path the Socket.IO endpoint is served under.", &Config::path, CheckPath),
      FlagSpec{"shards", "Event-loop threads, each owning its connections; 0 means one per core.",
               [](const Config& c) { return c.shards == 0 ? std::string("number of cores") : absl::StrCat(c.shards); },
               [](std::string_view text, Config& c) {
                 uint32_t n = 0;
                 if (auto s = ParseUnsigned<uint32_t>(text, 0, 256, n); !s.ok()) return s;
                 c.shards = static_cast<int>(n);
                 return absl::OkStatus();
               }},
      UnsignedFlag<uint32_t>("ping_interval_ms", "Engine.IO heartbeat: a PING every this many ms.",
                             &Config::ping_interval_ms, 1, 3600000),
      UnsignedFlag<uint32_t>("ping_timeout_ms", "Engine.IO heartbeat: close when no PONG comes within this many ms.",
                             &Config::ping_timeout_ms, 1, 3600000),
      UnsignedFlag<uint64_t>("max_http_buffer_size", "Largest WebSocket message or polling POST body in bytes (Engine.IO maxPayload).",
                             &Config::max_http_buffer_size, 1, uint64_t{1} << 32),
      UnsignedFlag<uint32_t>("upgrade_timeout_ms", "Time a polling session has to complete a WebSocket upgrade.",
                             &Config::upgrade_timeout_ms, 1, 3600000),
      UnsignedFlag<uint32_t>("handshake_timeout_ms", "Time a new TCP connection has to send its HTTP request.",
                             &Config::handshake_timeout_ms, 1, 3600000),
      UnsignedFlag<uint32_t>("max_connections", "Concurrent Engine.IO connections; more are refused with HTTP 503.",
                             &Config::max_connections, 1, 10000000),
      ListFlag("cors_origins", "Comma-separated allowed origins for polling CORS and WebSocket upgrades; * allows any.",
               &Config::cors_origins, ""),
      BoolFlag("cors_credentials", "Polling CORS: answer Access-Control-Allow-Credentials: true (and name the origin instead of *).",
               &Config::cors_credentials),
      UnsignedFlag<uint32_t>("max_packets_per_payload", "Most Engine.IO packets in one polling POST; more closes the session.",
                             &Config::max_packets_per_payload, 1, 10000000),
      UnsignedFlag<uint32_t>("http_compression_threshold", "Polling responses of at least this many bytes are gzip/deflate-compressed when the client accepts it; 0 disables.",
                             &Config::http_compression_threshold, 0, 1 << 30),
      StringFlag("echo_path", "DIAGNOSTIC ONLY, off by default: HTTP path of a raw Engine.IO echo endpoint (every message sent back), for protocol test suites.",
                 &Config::echo_path, [](std::string_view text) {
                   if (text.empty()) return absl::OkStatus();
                   return CheckPath(text);
                 }),
      UnsignedFlag<uint32_t>("max_outbound_frames", "Frames a connection may have queued before the overflow policy applies.",
                             &Config::max_outbound_frames, 1, 10000000),
      UnsignedFlag<uint64_t>("max_outbound_bytes", "Bytes a connection may have queued before the overflow policy applies.",
                             &Config::max_outbound_bytes, 1024, uint64_t{1} << 34),
      FlagSpec{"outbound_overflow", "What a full outbound queue does: disconnect (the slow client) or drop (the frame).",
               [](const Config& c) { return std::string(c.outbound_overflow == OverflowPolicy::kDrop ? "drop" : "disconnect"); },
               [](std::string_view text, Config& c) {
                 if (text == "drop") c.outbound_overflow = OverflowPolicy::kDrop;
                 else if (text == "disconnect") c.outbound_overflow = OverflowPolicy::kDisconnect;
                 else return absl::InvalidArgumentError("want drop or disconnect");
                 return absl::OkStatus();
               }},
      UnsignedFlag<uint32_t>("write_pacing_percent", "After a shard's write round that took D, the next waits this percentage of D, so frames queued meanwhile leave in one write per connection; 0 writes at every turn.",
                             &Config::write_pacing_percent, 0, 10000),
      UnsignedFlag<uint32_t>("max_write_delay_us", "Longest wait write pacing may add before a shard's next write round, in microseconds.",
                             &Config::max_write_delay_us, 0, 1000000),
      BoolFlag("io_uring", "Submit each shard write round's sends together through io_uring where the kernel allows it (else, and with false, one send() per connection).",
               &Config::io_uring),
      BoolFlag("sched_batch", "Run the hub's threads under SCHED_BATCH: a thread woken by another (a shard handing events to gRPC, or back) waits for the running one to block instead of preempting it; false keeps the default policy.",
               &Config::sched_batch),
      UnsignedFlag<uint32_t>("connect_timeout_ms", "Time a connection has to join a namespace before it is closed.",
                             &Config::connect_timeout_ms, 1, 3600000),
      ListFlag("namespaces", "Comma-separated namespaces clients may join; empty allows every namespace.",
               &Config::namespaces, "every namespace allowed"),
      UnsignedFlag<uint32_t>("max_attachments", "Binary attachments allowed in one Socket.IO packet.",
                             &Config::max_attachments, 0, 10000),
      UnsignedFlag<uint32_t>("max_auth_bytes", "Largest CONNECT auth object in bytes; larger gets CONNECT_ERROR.",
                             &Config::max_auth_bytes, 2, 1 << 24),
      UnsignedFlag<uint32_t>("max_event_name_bytes", "Longest client event name in bytes; longer closes the connection.",
                             &Config::max_event_name_bytes, 1, 1 << 20),
      UnsignedFlag<uint32_t>("max_event_args", "Most arguments in one client event; more closes the connection.",
                             &Config::max_event_args, 0, 1 << 20),
      UnsignedFlag<uint32_t>("max_client_acks", "Client acks per socket awaiting a backend's Ack; past it the oldest is forgotten.",
                             &Config::max_client_acks, 1, 1 << 24),
      UnsignedFlag<uint32_t>("subscriber_queue_size", "Events a Subscribe stream may have queued before new ones are dropped.",
                             &Config::subscriber_queue_size, 1, 10000000),
      StringFlag("grpc_token", "Bearer token every gRPC call must carry (authorization metadata); empty disables the check.",
                 &Config::grpc_token),
      StringFlag("shutdown_token", "Bearer token for the Shutdown RPC; empty means --grpc_token applies.",
                 &Config::shutdown_token),
      UnsignedFlag<uint32_t>("publish_max_in_flight", "Emits of one Publish stream being delivered before the hub stops reading it.",
                             &Config::publish_max_in_flight, 1, 1 << 20),
      UnsignedFlag<uint32_t>("drain_grace_ms", "Graceful drain: time queues get to flush before connections close.",
                             &Config::drain_grace_ms, 0, 3600000),
      UnsignedFlag<uint32_t>("drain_delay_ms", "Graceful drain: time between readiness turning false (new handshakes refused) and connections being closed, for load balancers to notice.",
                             &Config::drain_delay_ms, 0, 3600000),
      StringFlag("admin_token", "Bearer token for /admin/stats and /admin/drain; empty leaves them open (probes and /metrics never need it).",
                 &Config::admin_token),
      StringFlag("log_level", "trace, debug, info, warn, error or off.", &Config::log_level, CheckLogLevel),
      StringFlag("redis_url", "Redis that joins replicas into one hub: redis://[user[:password]@]host[:port][/db] "
                 "(AUTH and SELECT after every connect; percent-encode @ : / in the password; rediss:// (TLS) "
                 "is not supported). Empty runs a single replica.",
                 &Config::redis_url),
  };
  return *flags;
}

const FlagSpec* FindFlag(std::string_view name) {
  for (const auto& flag : Flags()) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                   const EnvLookup& env) {
  ParsedCommandLine parsed;
  // Environment first, so the command line overrides it.
  for (const auto& flag : Flags()) {
    const std::string env_name = EnvName(flag.name);
    if (auto value = env(env_name)) {
      if (auto s = flag.set(*value, parsed.config); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid value '", *value, "' for ",
                                                       env_name, " (--", ToAbsl(flag.name),
                                                       "): ", s.message()));
      }
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.show_help = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", ToAbsl(arg), "'"));
    }
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::string value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("flag --", ToAbsl(name), " needs a value"));
      }
      value = args[++i];
    }
    const FlagSpec* flag = FindFlag(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", ToAbsl(name), " (see --help)"));
    }
    if (auto s = flag->set(value, parsed.config); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid value '", value, "' for --", ToAbsl(name), ": ", s.message()));
    }
  }
  if (parsed.config.shards == 0) {
    parsed.config.shards = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  return parsed;
}

std::string HelpText() {
  const Config defaults;
  std::string out =
      "hub: a Socket.IO v5 server driven by backends over gRPC (hub.v1.Hub).\n\n"
      "Usage: hub [--flag value | --flag=value]...\n"
      "Each flag can also be set by its environment variable; the command line wins.\n\n";
  for (const auto& flag : Flags()) {
    std::string shown = flag.show(defaults);
    absl::StrAppend(&out, "  --", ToAbsl(flag.name), "  ", EnvName(flag.name), "  (default: ",
                    shown.empty() ? "empty" : shown, ")\n      ", ToAbsl(flag.help), "\n");
  }
  return out;
}

}  // namespace hub
