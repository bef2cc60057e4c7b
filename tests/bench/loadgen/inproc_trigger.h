// The trigger for the reference Node server: the paced broadcast pattern runs
// inside that server (tests/bench/reference_server.mjs, GET /bench/run), the
// best case for it, with no RPC hop; rooms and RPC floods go through its
// @grpc/grpc-js bridge of hub.v1, as a team would build one.
#pragma once

#include <string>

#include "grpc_trigger.h"

namespace bench {

class InprocTrigger : public GrpcTrigger {
 public:
  // `control` is host:port of the reference server's HTTP listener.
  InprocTrigger(const std::string& grpc_target, std::string control);
  uint64_t Run(const Pattern& pattern) override;

 private:
  std::string control_;  // host:port
};

}  // namespace bench
