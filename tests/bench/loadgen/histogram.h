// Latency histogram with fixed log-linear buckets (64 per power of two, so
// a quantile reads at most ~1.6% above the true value): recording is an
// index computation and an increment, with no allocation on the receive
// path. 32 KiB of counters; the load generator keeps one per pool.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace bench {

class Histogram {
 public:
  void Record(int64_t value_ns) {
    if (value_ns < 0) value_ns = 0;
    ++counts_[Index(static_cast<uint64_t>(value_ns))];
    ++total_;
    if (value_ns > max_) max_ = value_ns;
  }
  void Clear() { *this = Histogram(); }
  uint64_t count() const { return total_; }
  int64_t max() const { return max_; }

  // Upper bound of the bucket holding quantile q (0..1), never above the
  // largest value recorded; 0 when empty.
  int64_t Quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return std::min(UpperBound(i), max_);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per octave
  static constexpr size_t kBuckets = 64 << kSubBits;

  static size_t Index(uint64_t v) {
    if (v < (1u << kSubBits)) return static_cast<size_t>(v);
    const int top = 63 - std::countl_zero(v);  // >= kSubBits
    const uint64_t sub = (v >> (top - kSubBits)) & ((1u << kSubBits) - 1);
    return (static_cast<size_t>(top - kSubBits + 1) << kSubBits) + static_cast<size_t>(sub);
  }
  static int64_t UpperBound(size_t index) {
    if (index < (1u << kSubBits)) return static_cast<int64_t>(index);
    const int top = static_cast<int>(index >> kSubBits) + kSubBits - 1;
    const uint64_t sub = index & ((1u << kSubBits) - 1);
    const uint64_t base = (uint64_t{1} << top) | (sub << (top - kSubBits));
    return static_cast<int64_t>(base + (uint64_t{1} << (top - kSubBits)) - 1);
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

}  // namespace bench
