// Percentiles and summaries of the benchmark suite (bench_suite/stats.h).
#include "bench_suite/stats.h"

#include <gtest/gtest.h>

namespace pampax::bench {
namespace {

TEST(BenchStats, PercentileInterpolatesBetweenClosestRanks) {
  std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0), 1);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 1), 4);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.25), 1.75);
  std::vector<double> h;
  for (int i = 1; i <= 100; ++i) h.push_back(i);
  EXPECT_NEAR(percentile_sorted(h, 0.95), 95.05, 1e-9);
  EXPECT_NEAR(percentile_sorted(h, 0.99), 99.01, 1e-9);
  EXPECT_DOUBLE_EQ(percentile_sorted(h, 0.5), 50.5);
}

TEST(BenchStats, PercentileEdgeCases) {
  EXPECT_EQ(percentile_sorted({}, 0.5), 0);
  EXPECT_EQ(percentile_sorted({7}, 0.95), 7);
  std::vector<double> v = {1, 3};
  EXPECT_EQ(percentile_sorted(v, -1), 1);  // clamped
  EXPECT_EQ(percentile_sorted(v, 2), 3);
}

TEST(BenchStats, SummarizeUnorderedSample) {
  Summary s = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.n, 5u);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.p50, 3);
  EXPECT_DOUBLE_EQ(s.p95, 4.8);
  EXPECT_DOUBLE_EQ(s.p99, 4.96);
  EXPECT_LE(s.p50, s.p95);
  EXPECT_LE(s.p95, s.p99);
  Summary e = summarize({});
  EXPECT_EQ(e.n, 0u);
  EXPECT_EQ(e.p95, 0);
}

}  // namespace
}  // namespace pampax::bench
