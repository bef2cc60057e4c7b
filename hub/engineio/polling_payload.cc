#include "hub/engineio/polling_payload.h"

#include "hub/engineio/base64.h"

namespace hub::engineio {

std::string EncodeFramesPayload(const std::vector<SharedFrame>& frames) {
  size_t size = 0;
  for (const auto& frame : frames) {
    const size_t n = frame->packet().size();
    size += 2 + (frame->binary() ? (n + 2) / 3 * 4 : n);
  }
  std::string out;
  out.reserve(size);
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i > 0) out.push_back(kRecordSeparator);
    if (frames[i]->binary()) {
      out.push_back('b');
      out.append(Base64Encode(frames[i]->packet()));
    } else {
      out.append(frames[i]->packet());
    }
  }
  return out;
}

}  // namespace hub::engineio
