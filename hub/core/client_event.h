// Client events as core hands them to the backend API: a socket joined, left,
// or emitted an event. Plain data, so core does not depend on protobuf; the
// API layer turns each record into one ClientEvent message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hub::core {

struct ClientEventRecord {
  enum class Kind { kConnected, kDisconnected, kEvent };
  Kind kind = Kind::kEvent;
  std::string socket_id;
  std::string nsp;
  int64_t timestamp_ms = 0;

  // kConnected
  std::string auth;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote_address;
  std::string transport;

  // kDisconnected
  std::string reason;

  // kEvent
  std::string event;
  std::vector<std::string> args;
  std::vector<std::string> attachments;
  std::optional<uint64_t> ack_id;
};

// Receives client events; called concurrently from every shard thread.
class ClientEventSink {
 public:
  virtual ~ClientEventSink() = default;
  // Returns whether any subscriber took the event (queued or dropped on a
  // full queue): an event nobody matched gets no ack.
  virtual bool Publish(ClientEventRecord record) = 0;
};

}  // namespace hub::core
