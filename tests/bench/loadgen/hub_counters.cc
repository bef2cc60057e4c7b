#include "hub_counters.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "http_get.h"

namespace bench {
namespace {

// Metric family → key prefix; each sample has one label, `reason`.
constexpr std::pair<std::string_view, std::string_view> kFamilies[] = {
    {"hub_frames_dropped_total", "dropped_"},
    {"hub_disconnects_total", "disconnects_"},
};

// "forced close" → "forced_close", so the key stays one key=value word.
std::string KeyPart(std::string_view label) {
  std::string out(label);
  for (char& ch : out) {
    if (ch == ' ' || ch == '-') ch = '_';
  }
  return out;
}

}  // namespace

HubCounters ScrapeHubCounters(const std::string& admin) {
  HubCounters out;
  if (admin.empty()) return out;
  const std::string body = HttpBody(HttpGet(admin, "/metrics"));
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    const std::string_view line(body.data() + start, end - start);
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    for (const auto& [family, prefix] : kFamilies) {
      // family{reason="..."} value
      if (line.substr(0, family.size()) != family || line.size() <= family.size() ||
          line[family.size()] != '{') {
        continue;
      }
      const size_t label = line.find("reason=\"");
      const size_t label_end = label == std::string_view::npos ? label : line.find('"', label + 8);
      const size_t space = line.rfind(' ');
      if (label_end == std::string_view::npos || space == std::string_view::npos) continue;
      const std::string key = std::string(prefix) + KeyPart(line.substr(label + 8, label_end - label - 8));
      out.emplace_back(key, std::strtod(std::string(line.substr(space + 1)).c_str(), nullptr));
    }
  }
  return out;
}

std::string DescribeCounterDeltas(const HubCounters& before, const HubCounters& after) {
  std::string out;
  for (const auto& [key, value] : after) {
    double base = 0;
    for (const auto& [k, v] : before) {
      if (k == key) base = v;
    }
    char field[160];
    std::snprintf(field, sizeof(field), " %s=%.0f", key.c_str(), value - base);
    out += field;
  }
  return out;
}

}  // namespace bench
