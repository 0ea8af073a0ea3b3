// The vector file (search/vector_file.h): round trip, stale stamps, truncated and damaged
// files (refused, never searched), atomic replacement and clean-up of other models' files.
#include "search/vector_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <random>
#include <thread>

#include "../test_util.h"
#include "search/hnsw_index.h"

namespace pampax {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<float> random_unit_rows(size_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> m(n * static_cast<size_t>(dim));
  for (size_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int d = 0; d < dim; ++d) norm += double(m[i * dim + d] = g(rng)) * m[i * dim + d];
    for (int d = 0; d < dim; ++d) m[i * dim + d] = static_cast<float>(m[i * dim + d] / std::sqrt(norm));
  }
  return m;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

class VectorFileTest : public ::testing::Test {
 protected:
  static constexpr size_t kRows = 700;
  static constexpr int kDim = 40;  // not a multiple of 16 or 64: tails and padding are used

  void SetUp() override {
    std::vector<int64_t> ids(kRows);
    for (size_t i = 0; i < kRows; ++i) ids[i] = static_cast<int64_t>(1000 + (i * 7919) % 5003);
    vi_ = std::make_unique<VectorIndex>(ids, random_unit_rows(kRows, kDim, 3), kDim);
    stamp_ = VectorFileStamp{"gguf:test.gguf:abc:mean:40|40", kDim, 17, 750};
    path_ = dir_ / vector_file_name(stamp_.model_key);
    ASSERT_TRUE(write_vector_file(*vi_, path_.string(), stamp_).ok());
  }

  // Search results of the file's index equal the in-memory index's, for several queries.
  void expect_same_answers(const VectorIndex& got) {
    auto qs = random_unit_rows(8, kDim, 99);
    for (int k : {1, 10, 50}) {
      for (size_t q = 0; q < 8; ++q) {
        for (VectorScan scan : {VectorScan::kInt8, VectorScan::kF32}) {
          VectorSearchOptions o;
          o.scan = scan;
          auto a = vi_->search(&qs[q * kDim], k, {}, o);
          auto b = got.search(&qs[q * kDim], k, {}, o);
          ASSERT_TRUE(a.ok() && b.ok());
          ASSERT_EQ(a->size(), b->size());
          for (size_t i = 0; i < a->size(); ++i) {
            EXPECT_EQ((*a)[i].chunk_id, (*b)[i].chunk_id) << "k=" << k << " q=" << q << " i=" << i;
            EXPECT_EQ((*a)[i].score, (*b)[i].score);
          }
        }
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<VectorIndex> vi_;
  VectorFileStamp stamp_;
  fs::path path_;
};

TEST_F(VectorFileTest, NameDependsOnTheModelKey) {
  EXPECT_EQ(vector_file_name("m|384"), vector_file_name("m|384"));
  EXPECT_NE(vector_file_name("m|384"), vector_file_name("m|256"));
  EXPECT_EQ(vector_file_name("m|384").rfind("vectors-", 0), 0u);
}

TEST_F(VectorFileTest, RoundTripGivesTheSameRowsAndAnswers) {
  int64_t chunks = 0;
  auto f = open_vector_file(path_.string(), stamp_, &chunks);
  ASSERT_TRUE(f.ok()) << f.status().message();
  const VectorIndex& got = **f;
  EXPECT_TRUE(got.mapped());
  EXPECT_FALSE(vi_->mapped());
  EXPECT_EQ(chunks, 750);
  ASSERT_EQ(got.size(), kRows);
  EXPECT_EQ(got.dim(), kDim);
  EXPECT_EQ(got.ids(), vi_->ids());
  EXPECT_EQ(std::memcmp(got.row(0), vi_->row(0), kRows * kDim * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(got.codes(), vi_->codes(), kRows * kDim), 0);
  EXPECT_EQ(std::memcmp(got.scales(), vi_->scales(), kRows * sizeof(float)), 0);
  EXPECT_EQ(got.fingerprint(), vi_->fingerprint());
  expect_same_answers(got);
}

TEST_F(VectorFileTest, EmptyIndexRoundTrips) {
  VectorIndex empty({}, {}, kDim);
  const fs::path p = dir_ / "vectors-empty.bin";
  ASSERT_TRUE(write_vector_file(empty, p.string(), stamp_).ok());
  auto f = open_vector_file(p.string(), stamp_);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ((*f)->size(), 0u);
  float q[kDim] = {1};
  auto r = (*f)->search(q, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(VectorFileTest, StaleStampsAreRefusedAsUnsupported) {
  VectorFileStamp s = stamp_;
  s.generation = 18;
  auto f = open_vector_file(path_.string(), s);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kUnsupported);
  EXPECT_NE(f.status().message().find("stale"), std::string::npos) << f.status().message();

  s = stamp_;
  s.model_key = "gguf:other.gguf:abc:mean:40|40";
  f = open_vector_file(path_.string(), s);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kUnsupported);

  s = stamp_;
  s.dim = 41;
  f = open_vector_file(path_.string(), s);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kUnsupported);

  s = stamp_;
  s.chunks = 1;  // not compared: the file's own count is returned
  int64_t chunks = 0;
  EXPECT_TRUE(open_vector_file(path_.string(), s, &chunks).ok());
  EXPECT_EQ(chunks, 750);
}

TEST_F(VectorFileTest, MissingFileIsNotFound) {
  auto f = open_vector_file((dir_ / "vectors-none.bin").string(), stamp_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kNotFound);
}

TEST_F(VectorFileTest, TruncatedFilesAreCorrupt) {
  const std::string full = read_all(path_);
  ASSERT_GT(full.size(), 128u + kRows * (8 + 4 + kDim * 5));
  for (size_t len : {size_t(0), size_t(1), size_t(64), size_t(127), size_t(128), size_t(129),
                     full.size() / 2, full.size() - 4, full.size() - 1}) {
    write_all(path_, full.substr(0, len));
    auto f = open_vector_file(path_.string(), stamp_);
    ASSERT_FALSE(f.ok()) << len;
    EXPECT_EQ(f.status().code(), Code::kCorrupt) << len << ": " << f.status().message();
  }
  write_all(path_, full + std::string(8, '\0'));  // grown: also not what the header says
  auto f = open_vector_file(path_.string(), stamp_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kCorrupt);
}

TEST_F(VectorFileTest, EveryDamagedByteIsDetected) {
  const std::string full = read_all(path_);
  // One flipped bit in every region: magic, header fields, header hash, ids, scales, codes
  // (and padding), f32 rows, the very last byte. A damaged header field other than the stamp
  // fails the header hash; a damaged payload fails the payload hash.
  const size_t codes = ((128 + kRows * 12) + 63) / 64 * 64;
  std::vector<size_t> at = {0, 7, 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 100, 120, 127,
                            128, 128 + 8 * 350, 128 + 8 * kRows + 5, codes - 1, codes,
                            codes + kRows * kDim / 2, full.size() - 4 * kDim, full.size() - 1};
  for (size_t pos : at) {
    std::string bad = full;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    write_all(path_, bad);
    auto f = open_vector_file(path_.string(), stamp_);
    ASSERT_FALSE(f.ok()) << "byte " << pos << " damaged but accepted";
    EXPECT_TRUE(f.status().code() == Code::kCorrupt || f.status().code() == Code::kUnsupported)
        << pos << ": " << f.status().message();
  }
  write_all(path_, full);
  EXPECT_TRUE(open_vector_file(path_.string(), stamp_).ok());
}

TEST_F(VectorFileTest, ForeignFileIsCorrupt) {
  write_all(path_, std::string(4096, 'x'));
  auto f = open_vector_file(path_.string(), stamp_);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kCorrupt);
}

TEST_F(VectorFileTest, RewriteReplacesAtomicallyAndRemovesOtherModelsFiles) {
  write_all(dir_ / "vectors-0123456789abcdef.bin", "old model");
  write_all(dir_ / "vectors-0123456789abcdef.bin.tmp-1", "another writer's temporary file");
  write_all(dir_ / "hnsw-0123456789abcdef.bin", "a graph");
  // A mapping taken before the rewrite stays valid: the file is replaced, not changed.
  auto before = open_vector_file(path_.string(), stamp_);
  ASSERT_TRUE(before.ok());
  VectorFileStamp next = stamp_;
  next.generation = 18;
  std::vector<int64_t> ids = vi_->ids();
  std::vector<float> rows(vi_->row(0), vi_->row(0) + kRows * kDim);
  std::swap(rows[0], rows[kDim]);  // another vector
  VectorIndex changed(ids, rows, kDim);
  ASSERT_TRUE(write_vector_file(changed, path_.string(), next).ok());
  EXPECT_FALSE(fs::exists(dir_ / "vectors-0123456789abcdef.bin"));
  EXPECT_TRUE(fs::exists(dir_ / "vectors-0123456789abcdef.bin.tmp-1"));
  EXPECT_TRUE(fs::exists(dir_ / "hnsw-0123456789abcdef.bin"));
  for (const auto& e : fs::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-" + std::to_string(getpid()) + "-"), std::string::npos);
  EXPECT_EQ((*before)->row(0)[0], vi_->row(0)[0]);
  expect_same_answers(**before);
  EXPECT_FALSE(open_vector_file(path_.string(), stamp_).ok());  // old generation now
  auto after = open_vector_file(path_.string(), next);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ((*after)->row(0)[0], rows[0]);
}

TEST_F(VectorFileTest, ConcurrentWritersLeaveOneValidFileAndNoTemporaries) {
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      for (int i = 0; i < 3; ++i) ok += write_vector_file(*vi_, path_.string(), stamp_).ok();
    });
  for (auto& t : writers) t.join();
  EXPECT_EQ(ok.load(), 12);
  auto f = open_vector_file(path_.string(), stamp_);
  ASSERT_TRUE(f.ok()) << f.status().message();
  expect_same_answers(**f);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    ++files;
    EXPECT_EQ(e.path(), path_);
  }
  EXPECT_EQ(files, 1);
}

TEST_F(VectorFileTest, UnwritableDirectoryIsAnIoErrorAndLeavesNothing) {
  const fs::path p = dir_ / "no-such-dir" / "vectors-x.bin";
  Status st = write_vector_file(*vi_, p.string(), stamp_);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kIoError);
  EXPECT_FALSE(fs::exists(dir_ / "no-such-dir"));
}

TEST_F(VectorFileTest, IndexWithoutInt8CodesOrOtherDimensionIsRefused) {
  VectorIndex f32only(vi_->ids(), std::vector<float>(vi_->row(0), vi_->row(0) + kRows * kDim), kDim,
                      VectorScan::kF32);
  EXPECT_EQ(write_vector_file(f32only, path_.string(), stamp_).code(), Code::kInvalidArgument);
  VectorFileStamp s = stamp_;
  s.dim = 8;
  EXPECT_EQ(write_vector_file(*vi_, path_.string(), s).code(), Code::kInvalidArgument);
  EXPECT_TRUE(open_vector_file(path_.string(), stamp_).ok());  // the good file is untouched
}

// Another program truncates the file while it is mapped (the same inode, not a rename): reads
// of the lost pages must fail cleanly (kCorrupt, lost()) instead of killing the process with
// SIGBUS, in every path that reads the rows: int8 scan, f32 scan, rescoring, filtered search,
// graph search, attaching a graph; from several threads at once.
void truncate_file(const fs::path& p, off_t to) {
  int fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, to), 0);
  ::close(fd);
}

void expect_lost(const VectorIndex& vi, const float* q, const VectorSearchOptions& o,
                 const VectorIndex::KeepFn& keep = {}) {
  auto r = vi.search(q, 10, keep, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
  EXPECT_NE(r.status().message().find("was truncated or changed while in use"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(vi.lost());
}

TEST_F(VectorFileTest, TruncatedWhileMappedEverySearchPathFailsCleanly) {
  const size_t size = fs::file_size(path_);
  const auto qs = random_unit_rows(1, kDim, 5);
  VectorIndex::KeepFn keep_even = [](const std::vector<int64_t>& ids) -> Result<std::vector<int64_t>> {
    std::vector<int64_t> out;
    for (int64_t id : ids)
      if (id % 2 == 0) out.push_back(id);
    return out;
  };
  // Cut points: everything, inside the int8 codes (the scan faults), inside the f32 rows (the
  // int8 scan still reads, the exact rescoring faults).
  for (off_t to : {off_t(0), off_t(128 + kRows * 12 + 4096), off_t(size - size / 4)}) {
    SCOPED_TRACE("truncated to " + std::to_string(to));
    ASSERT_TRUE(write_vector_file(*vi_, path_.string(), stamp_).ok());
    for (int path = 0; path < 4; ++path) {
      auto f = open_vector_file(path_.string(), stamp_);
      ASSERT_TRUE(f.ok()) << f.status().message();
      const VectorIndex& vi = **f;
      ASSERT_TRUE(vi.search(qs.data(), 10).ok());
      truncate_file(path_, to);
      VectorSearchOptions o;
      if (path == 1) o.scan = VectorScan::kF32;
      expect_lost(vi, qs.data(), o, path == 2 ? keep_even : VectorIndex::KeepFn{});
      if (path == 3) {  // a second search does not touch the mapping again; same error
        expect_lost(vi, qs.data(), o);
        expect_lost(vi, qs.data(), o, keep_even);
      }
      ASSERT_TRUE(write_vector_file(*vi_, path_.string(), stamp_).ok());  // a new inode
    }
  }
}

TEST_F(VectorFileTest, TruncatedWhileMappedGraphSearchAndAttachFailCleanly) {
  const auto qs = random_unit_rows(1, kDim, 6);
  {
    auto f = open_vector_file(path_.string(), stamp_);
    ASSERT_TRUE(f.ok());
    auto g = HnswIndex::build(vi_->row(0), kRows, kDim, HnswParams{}, 1);
    ASSERT_TRUE(g.ok());
    (*f)->attach_hnsw(std::move(g).value());
    ASSERT_NE((*f)->hnsw(), nullptr);
    ASSERT_TRUE((*f)->search(qs.data(), 10).ok());
    truncate_file(path_, 0);
    expect_lost(**f, qs.data(), VectorSearchOptions{});  // the graph's candidates are rescored
  }
  ASSERT_TRUE(write_vector_file(*vi_, path_.string(), stamp_).ok());
  auto f = open_vector_file(path_.string(), stamp_);
  ASSERT_TRUE(f.ok());
  truncate_file(path_, 0);
  auto g = HnswIndex::build(vi_->row(0), kRows, kDim, HnswParams{}, 1);
  ASSERT_TRUE(g.ok());
  (*f)->attach_hnsw(std::move(g).value());  // reads every row: fails, no graph
  EXPECT_EQ((*f)->hnsw(), nullptr);
  EXPECT_TRUE((*f)->lost());
  expect_lost(**f, qs.data(), VectorSearchOptions{});
}

// The scan is single-threaded per query, but a server may search one index from several
// threads: each faulting thread gets its own clean error.
TEST_F(VectorFileTest, TruncatedWhileMappedConcurrentSearchesAllFailCleanly) {
  const auto qs = random_unit_rows(8, kDim, 7);
  auto f = open_vector_file(path_.string(), stamp_);
  ASSERT_TRUE(f.ok());
  const VectorIndex& vi = **f;
  std::atomic<bool> go{false};
  std::atomic<int> wrong{0}, corrupt{0}, other{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      // Until this thread sees the error (bounded, in case it never came).
      for (int i = 0; i < 1000000; ++i) {
        const float* q = &qs[static_cast<size_t>((t + i) % 8) * kDim];
        auto r = vi.search(q, 10);
        if (r.ok()) {
          auto want = vi_->search(q, 10);  // an answer given before the cut is the right one
          if (!want.ok() || want->size() != r->size() || (*want)[0].chunk_id != (*r)[0].chunk_id) ++wrong;
          continue;
        }
        if (r.status().code() == Code::kCorrupt) ++corrupt;
        else ++other;
        break;
      }
    });
  go = true;
  truncate_file(path_, 0);  // while the threads search
  for (auto& t : ts) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(corrupt.load(), 4) << "every thread got the clean error";
  EXPECT_TRUE(vi.lost());
  expect_lost(vi, qs.data(), VectorSearchOptions{});
}

}  // namespace
}  // namespace pampax
