#include "hub/base/scheduling.h"

#include <sched.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hub {

absl::Status UseBatchScheduling() {
  sched_param param{};
  param.sched_priority = 0;  // the only priority SCHED_BATCH has
  if (sched_setscheduler(0, SCHED_BATCH, &param) != 0) {
    return absl::UnavailableError(absl::StrCat("sched_setscheduler: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace hub
