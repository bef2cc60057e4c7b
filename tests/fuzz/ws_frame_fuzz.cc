// Fuzzes the WebSocket frame decoder. The first two bytes pick the message
// size limit and where to split the rest into two Feed calls; the outcome
// must not depend on the split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "hub/base/utf8.h"
#include "hub/engineio/ws_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hub::engineio;
  if (size < 2) return 0;
  const size_t max_message = size_t{data[0]} * 16;
  const std::string_view input(reinterpret_cast<const char*>(data + 2),
                               size - 2);
  const size_t split = input.empty() ? 0 : data[1] % (input.size() + 1);

  WsFrameDecoder whole(max_message);
  std::vector<WsMessage> whole_out;
  const std::optional<WsError> whole_err = whole.Feed(input, whole_out);

  WsFrameDecoder parts(max_message);
  std::vector<WsMessage> parts_out;
  std::optional<WsError> parts_err = parts.Feed(input.substr(0, split),
                                                parts_out);
  if (!parts_err) parts_err = parts.Feed(input.substr(split), parts_out);

  if (whole_err != parts_err) std::abort();
  if (whole_out != parts_out) std::abort();
  if (whole_err && (whole_err->reason.empty() || whole_err->reason.size() > 123)) {
    std::abort();
  }
  for (const WsMessage& m : whole_out) {
    switch (m.opcode) {
      case WsOpcode::kText:
        if (!hub::IsValidUtf8(m.payload)) std::abort();
        [[fallthrough]];
      case WsOpcode::kBinary:
        if (m.payload.size() > max_message) std::abort();
        break;
      case WsOpcode::kClose:
      case WsOpcode::kPing:
      case WsOpcode::kPong:
        if (m.payload.size() > 125) std::abort();
        break;
      case WsOpcode::kContinuation:
        std::abort();  // never surfaces: fragments are reassembled
    }
  }
  // The encoder must never produce something longer than its header claims.
  const std::string frame = EncodeWsFrame(WsOpcode::kBinary, input);
  uint8_t header[10];
  if (frame.size() !=
      EncodeWsFrameHeader(WsOpcode::kBinary, input.size(), header) +
          input.size()) {
    std::abort();
  }
  EncodeWsCloseFrame(static_cast<uint16_t>(data[0] << 8 | data[1]), input);
  return 0;
}
