#include "search/vector_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <unordered_set>

#include "search/hnsw_index.h"

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

// Clustered unit vectors: the shape of real embeddings (neighbourhoods exist), unlike uniform
// random ones in high dimension.
std::vector<float> clustered_rows(size_t n, int dim, uint32_t seed) {
  std::vector<float> centres = random_unit_rows(50, dim, seed + 1000);
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::uniform_int_distribution<size_t> pick(0, 49);
  std::vector<float> m(n * static_cast<size_t>(dim));
  const float sigma = 0.4f / std::sqrt(static_cast<float>(dim));
  for (size_t i = 0; i < n; ++i) {
    size_t c = pick(rng);
    float norm = 0;
    for (int d = 0; d < dim; ++d) {
      m[i * dim + d] = centres[c * dim + d] + sigma * g(rng);
      norm += m[i * dim + d] * m[i * dim + d];
    }
    for (int d = 0; d < dim; ++d) m[i * dim + d] /= std::sqrt(norm);
  }
  return m;
}

std::vector<int64_t> seq_ids(size_t n) {
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i * 7 + 3);
  return ids;
}

double recall_at(const std::vector<ArmHit>& truth, const std::vector<ArmHit>& got, size_t k) {
  std::unordered_set<int64_t> t;
  for (size_t i = 0; i < k && i < truth.size(); ++i) t.insert(truth[i].chunk_id);
  size_t hit = 0;
  for (size_t i = 0; i < k && i < got.size(); ++i) hit += t.count(got[i].chunk_id);
  return t.empty() ? 1.0 : static_cast<double>(hit) / static_cast<double>(t.size());
}

VectorSearchOptions scan_opts(VectorScan s) {
  VectorSearchOptions o;
  o.scan = s;
  return o;
}

TEST(VectorIndex, QuantisedScansRescoreToTheExactTopK) {
  const int dim = 96;
  const size_t n = 3000;
  std::vector<float> m = clustered_rows(n, dim, 11);
  auto ids = seq_ids(n);
  VectorIndex f32(ids, m, dim, VectorScan::kF32), i8(ids, m, dim, VectorScan::kInt8),
      f16(ids, m, dim, VectorScan::kF16);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    std::vector<float> q = clustered_rows(1, dim, 500 + seed);
    auto want = f32.search(q.data(), 10, {}, scan_opts(VectorScan::kF32));
    ASSERT_TRUE(want.ok());
    ASSERT_EQ(want->size(), 10u);
    for (VectorScan s : {VectorScan::kInt8, VectorScan::kF16}) {
      auto got = (s == VectorScan::kInt8 ? i8 : f16).search(q.data(), 10, {}, scan_opts(s));
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(got->size(), 10u);
      for (size_t i = 0; i < 10; ++i) {
        EXPECT_EQ((*got)[i].chunk_id, (*want)[i].chunk_id) << "seed " << seed << " rank " << i;
        EXPECT_FLOAT_EQ((*got)[i].score, (*want)[i].score);  // rescored in f32, not approximate
      }
    }
  }
  // Without the int8 copy, an int8 search is the exact f32 scan.
  std::vector<float> q = clustered_rows(1, dim, 9);
  auto a = f32.search(q.data(), 5, {}, scan_opts(VectorScan::kInt8));
  auto b = f32.search(q.data(), 5, {}, scan_opts(VectorScan::kF32));
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*a)[i].chunk_id, (*b)[i].chunk_id);
}

TEST(VectorIndex, QuantisedFilteredSearchMatchesExactFilteredSearch) {
  const int dim = 64;
  const size_t n = 4000;
  std::vector<float> m = clustered_rows(n, dim, 12);
  auto ids = seq_ids(n);
  VectorIndex f32(ids, m, dim, VectorScan::kF32), i8(ids, m, dim, VectorScan::kInt8);
  auto keep = [](const std::vector<int64_t>& cand) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (int64_t id : cand)
      if (id % 13 == 0) out.push_back(id);
    return out;
  };
  std::vector<float> q = clustered_rows(1, dim, 77);
  auto want = f32.search(q.data(), 10, keep, scan_opts(VectorScan::kF32));
  auto got = i8.search(q.data(), 10, keep, scan_opts(VectorScan::kInt8));
  ASSERT_TRUE(want.ok() && got.ok());
  ASSERT_EQ(want->size(), 10u);
  ASSERT_EQ(got->size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ((*got)[i].chunk_id, (*want)[i].chunk_id) << i;
    EXPECT_EQ((*got)[i].chunk_id % 13, 0);
  }
}

TEST(HnswIndex, FindsTheExactNeighboursOfClusteredVectors) {
  const int dim = 32;
  const size_t n = 4000;
  const int queries = 50;
  // The last rows are the queries (same clusters), held out of the index.
  std::vector<float> all = clustered_rows(n + queries, dim, 21);
  std::vector<float> m(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n * dim));
  auto ids = seq_ids(n);
  auto graph = HnswIndex::build(m.data(), n, dim, HnswParams{}, 1);
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  EXPECT_EQ((*graph)->size(), n);
  VectorIndex exact(ids, m, dim, VectorScan::kF32), hn(ids, m, dim, VectorScan::kInt8);
  hn.attach_hnsw(std::move(graph).value());
  double recall = 0;
  for (int s = 0; s < queries; ++s) {
    std::vector<float> q(&all[(n + s) * dim], &all[(n + s + 1) * dim]);
    auto want = exact.search(q.data(), 10, {}, scan_opts(VectorScan::kF32));
    VectorSearchOptions o;
    o.hnsw_ef = 64;
    auto got = hn.search(q.data(), 10, {}, o);
    ASSERT_TRUE(want.ok() && got.ok());
    ASSERT_EQ(got->size(), 10u);
    for (const ArmHit& h : *got) {  // scores are exact dot products of the row found
      size_t row = static_cast<size_t>((h.chunk_id - 3) / 7);
      EXPECT_FLOAT_EQ(h.score, dot(q.data(), &m[row * dim], dim));
    }
    recall += recall_at(*want, *got, 10);
  }
  EXPECT_GE(recall / queries, 0.95);
  // With the graph turned off the same index scans.
  std::vector<float> q = clustered_rows(1, dim, 4242);
  VectorSearchOptions off;
  off.use_hnsw = false;
  auto a = hn.search(q.data(), 10, {}, off);
  auto b = exact.search(q.data(), 10, {}, scan_opts(VectorScan::kF32));
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ((*a)[i].chunk_id, (*b)[i].chunk_id);
}

TEST(HnswIndex, SelectiveFilterFallsBackToTheScan) {
  const int dim = 32;
  const size_t n = 3000;
  std::vector<float> m = clustered_rows(n, dim, 31);
  auto ids = seq_ids(n);
  VectorIndex exact(ids, m, dim, VectorScan::kF32), hn(ids, m, dim, VectorScan::kInt8);
  hn.attach_hnsw(HnswIndex::build(m.data(), n, dim, HnswParams{}, 2).value());
  // 1 id in 200 passes: the graph's candidates hold too few, so the scan must answer exactly.
  int calls = 0;
  auto keep = [&](const std::vector<int64_t>& cand) -> Result<std::vector<int64_t>> {
    ++calls;
    std::vector<int64_t> out;
    for (int64_t id : cand)
      if ((id / 7) % 200 == 0) out.push_back(id);
    return out;
  };
  std::vector<float> q = clustered_rows(1, dim, 55);
  auto want = exact.search(q.data(), 10, keep, scan_opts(VectorScan::kF32));
  VectorSearchOptions o;
  o.hnsw_ef = 32;
  auto got = hn.search(q.data(), 10, keep, o);
  ASSERT_TRUE(want.ok() && got.ok());
  ASSERT_EQ(got->size(), want->size());
  ASSERT_EQ(got->size(), 10u);
  for (size_t i = 0; i < got->size(); ++i) EXPECT_EQ((*got)[i].chunk_id, (*want)[i].chunk_id);
  // A broad filter is answered from the graph's candidates, still best first and filtered.
  auto broad = [](const std::vector<int64_t>& cand) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (int64_t id : cand)
      if (id % 2 == 1) out.push_back(id);
    return out;
  };
  auto g2 = hn.search(q.data(), 10, broad, o);
  ASSERT_TRUE(g2.ok());
  ASSERT_EQ(g2->size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ((*g2)[i].chunk_id % 2, 1);
    if (i) {
      EXPECT_GE((*g2)[i - 1].score, (*g2)[i].score);
    }
  }
  // Filter errors come back from the graph path too.
  auto bad = hn.search(q.data(), 10, [](const std::vector<int64_t>&) -> Result<std::vector<int64_t>> {
    return IoError("disk gone");
  });
  EXPECT_FALSE(bad.ok());
}

class HnswFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pampax_hnsw_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> graphs() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  std::filesystem::path dir_;
};

TEST_F(HnswFiles, SavedGraphLoadsAndAnswersTheSame) {
  const int dim = 24;
  const size_t n = 1500;
  std::vector<float> m = clustered_rows(n, dim, 41);
  auto g = HnswIndex::build(m.data(), n, dim, HnswParams{}, 1);
  ASSERT_TRUE(g.ok());
  std::string path = (dir_ / "g.bin").string();
  ASSERT_TRUE((*g)->save(path).ok());
  auto back = HnswIndex::load(path, n, dim);
  ASSERT_TRUE(back.ok()) << back.status().message();
  for (int s = 0; s < 10; ++s) {
    std::vector<float> q = clustered_rows(1, dim, 60 + s);
    EXPECT_EQ((*g)->search(q.data(), 10, 40), (*back)->search(q.data(), 10, 40));
  }
  // Wrong shape, missing, truncated and scribbled files are refused, never walked.
  EXPECT_EQ(HnswIndex::load(path, n + 1, dim).status().code(), Code::kCorrupt);
  EXPECT_EQ(HnswIndex::load(path, n, dim + 1).status().code(), Code::kCorrupt);
  EXPECT_EQ(HnswIndex::load((dir_ / "none.bin").string(), n, dim).status().code(), Code::kNotFound);
  auto size = std::filesystem::file_size(path);
  std::filesystem::copy_file(path, dir_ / "short.bin");
  std::filesystem::resize_file(dir_ / "short.bin", size - 100);
  EXPECT_FALSE(HnswIndex::load((dir_ / "short.bin").string(), n, dim).ok());
  std::filesystem::copy_file(path, dir_ / "bad.bin");
  {
    // Overwrite the first level-0 link list with out-of-range neighbours.
    std::fstream f(dir_ / "bad.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 * 6 + 4 * 2 + 8 * 3 + 8 + 8 + 4);
    uint32_t big = 0x7fffffff;
    f.write(reinterpret_cast<const char*>(&big), 4);
  }
  EXPECT_EQ(HnswIndex::load((dir_ / "bad.bin").string(), n, dim).status().code(), Code::kCorrupt);
  EXPECT_FALSE(HnswIndex::build(m.data(), 0, dim, HnswParams{}, 1).ok());
}

TEST_F(HnswFiles, EnsureBuildsOnceKeepsOneGraphAndRebuildsWhenVectorsChange) {
  const int dim = 16;
  const size_t n = 1200;
  std::vector<float> m = clustered_rows(n, dim, 51);
  auto ids = seq_ids(n);
  HnswPolicy policy;
  policy.min_rows = n + 1;
  policy.threads = 2;
  bool built = true;
  std::string note = "x";
  {
    VectorIndex small(ids, m, dim);
    ASSERT_TRUE(ensure_hnsw(small, dir_.string(), policy, &built, &note).ok());
    EXPECT_FALSE(built);
    EXPECT_EQ(small.hnsw(), nullptr);  // below the threshold: scan only
    EXPECT_TRUE(graphs().empty());
  }
  policy.min_rows = n;
  {
    VectorIndex vi(ids, m, dim);
    ASSERT_TRUE(ensure_hnsw(vi, dir_.string(), policy, &built, &note).ok());
    EXPECT_TRUE(built);
    EXPECT_TRUE(note.empty()) << note;
    ASSERT_NE(vi.hnsw(), nullptr);
  }
  auto first = graphs();
  ASSERT_EQ(first.size(), 1u);
  {
    VectorIndex again(ids, m, dim);  // a new process: the kept graph is loaded, not rebuilt
    ASSERT_TRUE(ensure_hnsw(again, dir_.string(), policy, &built, &note).ok());
    EXPECT_FALSE(built);
    ASSERT_NE(again.hnsw(), nullptr);
  }
  m[5] = -m[5];  // one vector changed: another fingerprint, a new graph, the old one removed
  {
    VectorIndex changed(ids, m, dim);
    ASSERT_TRUE(ensure_hnsw(changed, dir_.string(), policy, &built, &note).ok());
    EXPECT_TRUE(built);
  }
  auto second = graphs();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(first, second);
  // A directory that cannot take the file: the graph is used anyway and the note says why.
  VectorIndex nowhere(ids, m, dim);
  ASSERT_TRUE(ensure_hnsw(nowhere, (dir_ / "missing" / "dir").string(), policy, &built, &note).ok());
  EXPECT_TRUE(built);
  EXPECT_NE(nowhere.hnsw(), nullptr);
  EXPECT_FALSE(note.empty());
}

}  // namespace
}  // namespace pampax

namespace pampax {
namespace {

// Duplicated code has one vector per content: groups of identical rows. The exact scan returns
// the lowest rows of a group; the graph, whichever copies it reached. Rows identical to a graph
// candidate are rescored with it, so the graph answers exactly like the scan, by id.
TEST(HnswIndex, IdenticalVectorsAnswerLikeTheScanById) {
  const int dim = 32;
  const size_t distinct = 1500, copies = 60, groups = 20;
  std::vector<float> base = clustered_rows(distinct, dim, 5);
  std::vector<float> m;
  // Each of the first `groups` vectors appears `copies` times, spread over the rows.
  std::vector<size_t> source;
  for (size_t i = 0; i < distinct; ++i) source.push_back(i);
  for (size_t c = 1; c < copies; ++c)
    for (size_t g = 0; g < groups; ++g) source.push_back(g);
  std::mt19937 rng(9);
  std::shuffle(source.begin(), source.end(), rng);
  for (size_t s : source) m.insert(m.end(), &base[s * dim], &base[(s + 1) * dim]);
  const size_t n = source.size();
  auto ids = seq_ids(n);
  VectorIndex exact(ids, m, dim, VectorScan::kF32), hn(ids, m, dim, VectorScan::kInt8);
  auto graph = HnswIndex::build(m.data(), n, dim, HnswParams{}, 1);
  ASSERT_TRUE(graph.ok());
  hn.attach_hnsw(std::move(graph).value());
  int same = 0, asked = 0;
  for (size_t g = 0; g < groups; ++g) {
    // A query next to a duplicated vector: its copies (60 > k) fill the top k.
    std::vector<float> q(&base[g * dim], &base[(g + 1) * dim]);
    q[0] += 0.01f;
    for (int k : {5, 10, 30}) {
      auto want = exact.search(q.data(), k, {}, scan_opts(VectorScan::kF32));
      VectorSearchOptions o;
      o.hnsw_ef = 16;  // far fewer candidates than copies
      auto got = hn.search(q.data(), k, {}, o);
      ASSERT_TRUE(want.ok() && got.ok());
      ASSERT_EQ(got->size(), want->size());
      bool all = true;
      for (size_t i = 0; i < got->size(); ++i) all &= (*got)[i].chunk_id == (*want)[i].chunk_id;
      same += all;
      ++asked;
    }
  }
  EXPECT_EQ(same, asked);
}

}  // namespace
}  // namespace pampax
