// An ordered stream of backend emits (the Publish RPC): the caller pushes
// emits one after the other and learns, in reports, how many have been
// delivered. Every socket receives a stream's emits in the order they were
// pushed. The local hub hands them to each shard in batches (see
// batched_emit_stream.h); an adapter without batching sends them one by one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/core/adapter.h"

namespace hub::core {

// One emit: to socket ids (EmitTo) or, when `selection` is set, to a
// selection (Broadcast).
struct StreamEmit {
  SharedEmit emit;
  std::vector<std::string> socket_ids;
  std::optional<Selection> selection;
  bool is_volatile = false;
};

// What some of a stream's emits did: `emits` of them are now delivered
// (queued to every target socket), to `recipients` sockets in all. Every
// report has emits > 0, so none comes after the one that completes the
// last emit pushed.
struct StreamReport {
  uint64_t emits = 0;
  uint64_t recipients = 0;
  // EmitTo emits none of whose sockets is connected to the namespace (the
  // unary EmitTo's NOT_FOUND).
  uint64_t unreached = 0;
  // Recipients of each broadcast among the delivered emits.
  std::vector<uint64_t> broadcast_fanouts;
};

class EmitStream {
 public:
  // Called on any thread, possibly from several shards at once, until every
  // pushed emit has been reported; never after that.
  using OnReport = std::function<void(const StreamReport&)>;

  virtual ~EmitStream() = default;
  // Queues one emit. Never blocks; may report at once (an EmitTo whose ids
  // no shard issued). Calls must not overlap.
  virtual void Push(StreamEmit emit) = 0;
};

// The stream of an adapter that has no batching of its own: each emit is one
// Adapter::EmitTo or Adapter::Broadcast, in push order.
std::shared_ptr<EmitStream> OpenPerEmitStream(Adapter& adapter, EmitStream::OnReport on_report);

}  // namespace hub::core
