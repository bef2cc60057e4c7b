// Logging: spdlog with one logfmt line per lifecycle event, e.g.
//   2026-11-25T05:06:07.123Z level=info event=listening service=grpc port=50051
// Tests read the bound ports from these lines, so keep `event=` keys stable.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

namespace hub {

// Installs the process-wide stderr logger at the given level
// (trace, debug, info, warn, error, off).
absl::Status InitLogging(std::string_view level);

// Quotes a value for logfmt when it holds spaces, quotes or '='.
std::string LogValue(std::string_view value);
inline std::string LogValue(absl::string_view value) { return LogValue(std::string_view(value.data(), value.size())); }
inline std::string LogValue(const std::string& value) { return LogValue(std::string_view(value)); }
inline std::string LogValue(const char* value) { return LogValue(std::string_view(value)); }

}  // namespace hub

#define HUB_LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define HUB_LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define HUB_LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
#define HUB_LOG_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
