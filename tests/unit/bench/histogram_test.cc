// The load generator's latency histogram: every p50/p99/p999 in
// tests/bench/RESULTS.md is one of its quantiles.
#include "loadgen/histogram.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace bench {
namespace {

// How far above the true value a quantile may read: one bucket, 1/64 of
// the value's power of two.
constexpr double kBucketWidth = 1.0 / 64;

TEST(HistogramTest, EmptyReadsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Quantile(0.99), 0);
}

TEST(HistogramTest, QuantileIsTheBucketAboveTheValue) {
  // A value alone would read as the maximum; a much larger one beside it
  // leaves the smaller value's bucket bound to read.
  for (int64_t value = 1; value < (int64_t{1} << 40); value = value * 3 / 2 + 1) {
    Histogram h;
    h.Record(value);
    h.Record(int64_t{1} << 50);
    const int64_t low = h.Quantile(0.0);
    EXPECT_GE(low, value) << value;
    EXPECT_LE(static_cast<double>(low), static_cast<double>(value) * (1 + kBucketWidth) + 1) << value;
  }
}

TEST(HistogramTest, QuantilesOfAUniformSpread) {
  Histogram h;
  for (int64_t us = 1; us <= 100000; ++us) h.Record(us * 1000);
  for (const double q : {0.5, 0.99, 0.999}) {
    const double exact = q * 100000 * 1000;
    const auto read = static_cast<double>(h.Quantile(q));
    EXPECT_GE(read, exact) << q;
    EXPECT_LE(read, exact * (1 + kBucketWidth)) << q;
  }
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), int64_t{100000} * 1000);
}

TEST(HistogramTest, NeverReadsAboveTheLargestValue) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.Record(70'000'000 + i);  // all in one bucket
  EXPECT_EQ(h.Quantile(0.99), h.max());
  EXPECT_EQ(h.Quantile(1.0), 70'000'999);
}

TEST(HistogramTest, NegativeAndHugeValuesStayInRange) {
  Histogram h;
  h.Record(-5);
  h.Record(INT64_MAX);
  EXPECT_EQ(h.Quantile(0.0), 0);
  EXPECT_EQ(h.Quantile(1.0), INT64_MAX);
}

}  // namespace
}  // namespace bench
