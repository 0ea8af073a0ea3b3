#include "search/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace pampax {
namespace {

std::vector<float> random_unit_rows(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> m(n * static_cast<size_t>(dim));
  for (size_t i = 0; i < n; ++i) {
    float norm = 0;
    for (int d = 0; d < dim; ++d) norm += (m[i * dim + d] = g(rng)) * m[i * dim + d];
    for (int d = 0; d < dim; ++d) m[i * dim + d] /= std::sqrt(norm);
  }
  return m;
}

TEST(VectorIndex, DotMatchesNaiveSumForEveryLength) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int n : {0, 1, 7, 8, 9, 15, 16, 17, 33, 384, 1000}) {
    std::vector<float> a(n), b(n);
    for (int i = 0; i < n; ++i) a[i] = u(rng), b[i] = u(rng);
    double want = 0;
    for (int i = 0; i < n; ++i) want += double(a[i]) * b[i];
    EXPECT_NEAR(dot(a.data(), b.data(), n), want, 1e-4) << n;
  }
}

TEST(VectorIndex, TopKEqualsBruteForce) {
  const int dim = 48;
  const size_t n = 2000;
  std::vector<float> m = random_unit_rows(n, dim, 2);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i * 3 + 1);
  VectorIndex vi(ids, m, dim);
  std::vector<float> q = random_unit_rows(1, dim, 3);
  auto hits = vi.search(q.data(), 25);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 25u);
  std::vector<std::pair<double, int64_t>> all;
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (int d = 0; d < dim; ++d) s += double(q[d]) * m[i * dim + d];
    all.emplace_back(-s, ids[i]);
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_EQ((*hits)[i].chunk_id, all[i].second) << i;
    EXPECT_NEAR((*hits)[i].score, -all[i].first, 1e-5);
  }
  EXPECT_EQ(vi.search(q.data(), 5000)->size(), n);  // k beyond size: everything
  EXPECT_TRUE(vi.search(q.data(), 0)->empty());
}

TEST(VectorIndex, FilteredSearchKeepsOrderAndFindsRareMatches) {
  const int dim = 16;
  const size_t n = 5000;
  std::vector<float> m = random_unit_rows(n, dim, 4);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i);
  VectorIndex vi(ids, m, dim);
  std::vector<float> q = random_unit_rows(1, dim, 5);
  auto unfiltered = vi.search(q.data(), static_cast<int>(n));
  ASSERT_TRUE(unfiltered.ok());
  // Keep only ids divisible by 997: 6 of them, most far down the ranking.
  int calls = 0;
  auto keep = [&](const std::vector<int64_t>& cand) -> Result<std::vector<int64_t>> {
    ++calls;
    std::vector<int64_t> out;
    for (int64_t id : cand)
      if (id % 997 == 0) out.push_back(id);
    return out;
  };
  auto hits = vi.search(q.data(), 10, keep);
  ASSERT_TRUE(hits.ok());
  std::vector<int64_t> want;
  for (const ArmHit& h : *unfiltered)
    if (h.chunk_id % 997 == 0) want.push_back(h.chunk_id);
  ASSERT_EQ(want.size(), 6u);
  ASSERT_EQ(hits->size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ((*hits)[i].chunk_id, want[i]);
  EXPECT_GE(calls, 2);  // it had to widen the batch
  // A failing filter is reported, not swallowed.
  auto bad = vi.search(q.data(), 10, [](const std::vector<int64_t>&) -> Result<std::vector<int64_t>> {
    return IoError("disk gone");
  });
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace pampax
