// The trigger as a backend would be: hub.v1 over gRPC. Paced broadcasts go
// over one Publish stream (no per-emit round trip), EmitTo floods keep a
// fixed number of unary calls in flight on a completion queue.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hub/v1/hub.grpc.pb.h"
#include "trigger.h"

namespace bench {

class GrpcTrigger : public Trigger {
 public:
  explicit GrpcTrigger(const std::string& target);

  bool JoinRooms(const std::vector<std::string>& ids, uint32_t rooms) override;
  uint64_t Run(const Pattern& pattern) override;
  FloodResult FloodEmitTo(const std::vector<std::string>& ids, double seconds, int in_flight,
                          size_t payload_bytes) override;
  FloodResult FloodPublish(const std::vector<std::string>& ids, double seconds,
                           size_t payload_bytes) override;

 protected:
  // The group of broadcast number `k` of a pattern.
  static uint32_t GroupOf(const Pattern& pattern, uint64_t k) {
    return pattern.target == Pattern::Target::kAll ? 0 : static_cast<uint32_t>(k % pattern.rooms);
  }

 private:
  void FillPayload(hub::v1::Payload& payload, uint32_t group, size_t payload_bytes);

  std::unique_ptr<hub::v1::Hub::Stub> stub_;
  std::vector<std::string> args_;  // reused between emits
};

}  // namespace bench
