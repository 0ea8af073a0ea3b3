// Latency statistics of the benchmark suite (`pampax bench`): percentiles and summaries of a
// sample of durations. Pure functions, thread-safe.
#pragma once
#include <cstddef>
#include <vector>

namespace pampax::bench {

// The p-quantile (p in [0, 1]) of `sorted` (ascending) by linear interpolation between the
// two closest ranks (the "type 7" estimator: p=0 is the minimum, p=1 the maximum, p=0.5 of an
// even-sized sample the mean of the two middle values). 0 for an empty sample; p outside
// [0, 1] is clamped.
double percentile_sorted(const std::vector<double>& sorted, double p);

struct Summary {
  size_t n = 0;
  double min = 0, max = 0, mean = 0, p50 = 0, p95 = 0, p99 = 0;
};

// Summary of an unordered sample (all zero when it is empty).
Summary summarize(std::vector<double> samples);

}  // namespace pampax::bench
