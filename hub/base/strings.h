// Debian's abseil is built without std::string_view aliasing, so
// absl::string_view is its own type. These two conversions bridge the gap
// where the hub's std::string_view meets absl::StrCat and Status::message().
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace hub {

inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace hub
