// The operations block of IndexStore on real SQLite files: index generation, maintenance,
// backup, hot query plans, cache tables and persisted metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "../test_util.h"
#include "store/index_store.h"
#include "util/compress.h"
#include "util/hash.h"

namespace pampax {
namespace {

using testing::TempDir;

FileWrite file(const std::string& path, const std::string& body, uint64_t hash,
               const std::string& name = "f") {
  FileWrite w;
  w.path = path;
  w.lang = "python";
  w.content_hash = content_hash(body);
  w.size = body.size();
  w.mtime_ns = 1;
  w.lines = 2;
  w.status = "ok";
  w.text_zstd = zstd_compress(body);
  StoredChunk c;
  c.kind = "function";
  c.name = name;
  c.start_line = 1;
  c.end_line = 2;
  c.end_byte = static_cast<uint32_t>(body.size());
  c.tokens = 3;
  c.hash = hash;
  w.chunks.push_back(c);
  StoredSymbol s;
  s.name = name;
  s.kind = "function";
  s.start_line = 1;
  s.end_line = 2;
  w.symbols.push_back(s);
  w.refs.push_back({"g", {1}});
  return w;
}

class StoreOps : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = IndexStore::open((dir_ / "index.db").string(), Db::Mode::kCreate);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }
  int64_t gen() {
    auto g = store_->generation();
    EXPECT_TRUE(g.ok());
    return g.ok() ? *g : -1;
  }
  void put(const std::string& path, const std::string& body, uint64_t hash,
           const std::string& name = "f") {
    ASSERT_TRUE(store_->begin().ok());
    ASSERT_TRUE(store_->put_file(file(path, body, hash, name)).ok());
    ASSERT_TRUE(store_->commit().ok());
  }
  TempDir dir_;
  std::unique_ptr<IndexStore> store_;
};

TEST_F(StoreOps, GenerationMovesWithEveryChangeThatAltersResults) {
  int64_t g0 = gen();
  EXPECT_GT(g0, 0);
  put("a.py", "def f():\n  pass\n", 11);
  int64_t g1 = gen();
  EXPECT_GT(g1, g0);
  put("a.py", "def f():\n  return 1\n", 12);  // rewritten
  int64_t g2 = gen();
  EXPECT_GT(g2, g1);
  // A touch (same content, new mtime) changes no result: no bump.
  ASSERT_TRUE(store_->touch_file("a.py", 20, 99).ok());
  EXPECT_EQ(gen(), g2);
  // Vectors, hot terms, expansions and the embedder setting all bump it.
  float v[2] = {1, 0};
  ASSERT_TRUE(store_->begin().ok());
  ASSERT_TRUE(store_->put_embeddings("m", {12}, v, 2).ok());
  ASSERT_TRUE(store_->commit().ok());
  int64_t g3 = gen();
  EXPECT_GT(g3, g2);
  ASSERT_TRUE(store_->replace_expansions({{"word", "term 1"}}).ok());
  int64_t g4 = gen();
  EXPECT_GT(g4, g3);
  ASSERT_TRUE(store_->set_meta("embed_model", "m|2").ok());
  int64_t g5 = gen();
  EXPECT_GT(g5, g4);
  ASSERT_TRUE(store_->set_meta("last_update", "now").ok());  // bookkeeping: no bump
  EXPECT_EQ(gen(), g5);
  // A rolled-back write leaves it alone.
  ASSERT_TRUE(store_->begin().ok());
  ASSERT_TRUE(store_->delete_file("a.py").ok());
  ASSERT_TRUE(store_->rollback().ok());
  EXPECT_EQ(gen(), g5);
  ASSERT_TRUE(store_->delete_file("a.py").ok());
  EXPECT_GT(gen(), g5);
}

TEST_F(StoreOps, HotQueriesUseIndexesBeforeAndAfterAnalyze) {
  // A small repository's worth (as the statistics ANALYZE gathers need: on a few dozen rows
  // the planner rightly prefers a scan).
  for (int i = 0; i < 400; ++i)
    put("src/f" + std::to_string(i) + ".py", "def f():\n  return " + std::to_string(i) + "\n",
        static_cast<uint64_t>(100 + i), "fn_" + std::to_string(i % 300));
  for (int round = 0; round < 2; ++round) {
    auto plans = store_->hot_query_plans();
    ASSERT_TRUE(plans.ok()) << plans.status().message();
    ASSERT_GE(plans->size(), 9u);
    std::set<std::string> names;
    for (const auto& p : *plans) {
      names.insert(p.name);
      std::string all;
      for (const auto& s : p.steps) all += "[" + s + "] ";
      EXPECT_FALSE(p.full_scan) << p.name << ": " << all;
      EXPECT_FALSE(p.steps.empty()) << p.name;
    }
    for (const char* n : {"chunk metadata by ids", "file by path", "symbols by name", "refs by symbol",
                          "embedding by model and hash", "pending embeddings", "hot term"})
      EXPECT_TRUE(names.count(n)) << n;
    ASSERT_TRUE(store_->optimize().ok());  // ANALYZE statistics must not turn a plan into a scan
  }
  // The detector itself: a query without an index is reported as a scan.
  auto q = store_->db().prepare("EXPLAIN QUERY PLAN SELECT id FROM files WHERE lang = 'python'");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->step());
  EXPECT_EQ(std::string(q->col_text(3)).rfind("SCAN ", 0), 0u) << q->col_text(3);
}

TEST_F(StoreOps, ChecksOptimizeAndVacuumKeepTheData) {
  for (int i = 0; i < 30; ++i) put("f" + std::to_string(i) + ".py", "def f():\n  pass\n", 7);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_->delete_file("f" + std::to_string(i) + ".py").ok());
  auto qc = store_->quick_check();
  ASSERT_TRUE(qc.ok());
  EXPECT_EQ(*qc, "ok");
  ASSERT_TRUE(store_->optimize().ok());
  ASSERT_TRUE(store_->vacuum().ok());
  auto ic = store_->integrity_check();
  ASSERT_TRUE(ic.ok());
  EXPECT_EQ(*ic, "ok");
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->files, 10);
  Stmt stat1 = store_->db().must_prepare("SELECT count(*) FROM sqlite_stat1");
  ASSERT_TRUE(stat1.step());
  EXPECT_GT(stat1.col_int(0), 0);
  // VACUUM left no free pages.
  Stmt fl = store_->db().must_prepare("PRAGMA freelist_count");
  ASSERT_TRUE(fl.step());
  EXPECT_EQ(fl.col_int(0), 0);
}

TEST_F(StoreOps, BackupIsACompleteIndexAndNeverOverwrites) {
  put("a.py", "def alpha():\n  pass\n", 1);
  put("b.py", "def beta():\n  pass\n", 2);
  std::string live = (dir_ / "index.db").string();
  // Refused: the live index and its side files, an existing file, a missing directory.
  for (const std::string& bad : {live, live + "-wal", live + "-shm"}) {
    Status st = store_->backup_to(bad);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << bad;
  }
  dir_.write("exists.db", "keep me");
  EXPECT_EQ(store_->backup_to((dir_ / "exists.db").string()).code(), Code::kInvalidArgument);
  EXPECT_EQ(testing::read_all(dir_ / "exists.db"), "keep me");
  EXPECT_EQ(store_->backup_to((dir_ / "no/such/dir/b.db").string()).code(), Code::kNotFound);

  std::string dest = (dir_ / "backup.db").string();
  ASSERT_TRUE(store_->backup_to(dest, /*pages_per_step=*/1).ok());
  EXPECT_FALSE(std::filesystem::exists(dest + "-wal"));
  // No temporary file is left behind.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_.path()))
    files += e.path().filename().string().find(".tmp-") != std::string::npos;
  EXPECT_EQ(files, 0);
  auto copy = IndexStore::open(dest, Db::Mode::kReadWrite);  // FTS5's check writes
  ASSERT_TRUE(copy.ok()) << copy.status().message();
  auto c = (*copy)->counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->files, 2);
  const double w[4] = {1, 1, 1, 1};
  auto hits = (*copy)->fts_search("beta", {}, w, 10);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  EXPECT_EQ(hits->size(), 1u);
  auto ic = (*copy)->integrity_check();
  ASSERT_TRUE(ic.ok());
  EXPECT_EQ(*ic, "ok");
  EXPECT_EQ((*copy)->generation().value(), store_->generation().value());
}

TEST_F(StoreOps, QueryCacheRowsAreExactBoundedAndGenerational) {
  auto save = [&](const std::string& req, const std::string& result, int64_t max_entries = 100,
                  int64_t max_bytes = 1 << 20, int64_t ttl = 3600, int64_t g = -1) {
    IndexStore::CacheWrite w{hash64(req), req, result, g < 0 ? gen() : g, 0};
    w.created_at = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
    ASSERT_TRUE(store_->query_cache_save({w}, {}, max_entries, max_bytes, ttl).ok());
  };
  std::string bin("r\0\xff\x01", 4);
  save("q1", bin);
  auto got = store_->query_cache_get(hash64("q1"), "q1");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->result, bin);
  EXPECT_EQ((*got)->generation, gen());
  // Same key, different request text (a collision): never served.
  auto other = store_->query_cache_get(hash64("q1"), "q2");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  // Hits are recorded.
  ASSERT_TRUE(store_->query_cache_save({}, {hash64("q1")}, 100, 1 << 20, 3600).ok());
  Stmt hits = store_->db().must_prepare("SELECT hits FROM query_cache");
  ASSERT_TRUE(hits.step());
  EXPECT_EQ(hits.col_int(0), 1);
  hits.reset();
  // An entry of a past generation is not stored.
  save("stale", "s", 100, 1 << 20, 3600, gen() - 1);
  EXPECT_FALSE(store_->query_cache_get(hash64("stale"), "stale")->has_value());
  // A new generation drops the older entries.
  put("a.py", "def f():\n  pass\n", 11);
  save("q2", "x");
  EXPECT_FALSE(store_->query_cache_get(hash64("q1"), "q1")->has_value());
  EXPECT_TRUE(store_->query_cache_get(hash64("q2"), "q2")->has_value());
  // Entry bound: the least recently used go.
  for (int i = 0; i < 10; ++i) {
    save("n" + std::to_string(i), "y", /*max_entries=*/4);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct used_at
  }
  auto st = store_->query_cache_stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->entries, 4);
  EXPECT_TRUE(store_->query_cache_get(hash64("n9"), "n9")->has_value());
  EXPECT_FALSE(store_->query_cache_get(hash64("n0"), "n0")->has_value());
  // Byte bound.
  save("big", std::string(1000, 'z'), 100, /*max_bytes=*/1500);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  save("big2", std::string(1000, 'z'), 100, /*max_bytes=*/1500);
  st = store_->query_cache_stats();
  EXPECT_LE(st->bytes, 1500);
  EXPECT_TRUE(store_->query_cache_get(hash64("big2"), "big2")->has_value());
  // TTL: an entry created "an hour ago" is dropped by the next save with ttl 60 s.
  ASSERT_TRUE(store_->db().exec("UPDATE query_cache SET created_at = created_at - 3600").ok());
  save("fresh", "f", 100, 1 << 20, /*ttl=*/60);
  st = store_->query_cache_stats();
  EXPECT_EQ(st->entries, 1);
  ASSERT_TRUE(store_->query_cache_clear().ok());
  EXPECT_EQ(store_->query_cache_stats()->entries, 0);
}

TEST_F(StoreOps, EmbeddingCacheStatsAndClear) {
  put("a.py", "def a():\n  pass\n", 1);
  put("b.py", "def b():\n  pass\n", 2);
  float v[6] = {1, 0, 0, 1, 0.5f, 0.5f};
  ASSERT_TRUE(store_->begin().ok());
  ASSERT_TRUE(store_->put_embeddings("m", {1, 2, 3}, v, 2).ok());  // 3: no chunk uses it
  ASSERT_TRUE(store_->put_embeddings("old", {1}, v, 2).ok());
  ASSERT_TRUE(store_->commit().ok());
  ASSERT_TRUE(store_->set_meta("embed_model", "m|2").ok());
  auto s = store_->embedding_cache_stats("m");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->entries, 4);
  EXPECT_EQ(s->bytes, 4 * 8);
  EXPECT_EQ(s->referenced, 2);
  EXPECT_EQ(s->unreferenced, 1);
  EXPECT_EQ(s->other_models, 1);
  int64_t g = store_->generation().value();
  ASSERT_TRUE(store_->clear_embeddings().ok());
  EXPECT_GT(store_->generation().value(), g);
  EXPECT_EQ(store_->embedding_cache_stats("m")->entries, 0);
  EXPECT_FALSE(store_->meta("embed_model").has_value());
}

TEST_F(StoreOps, MetricsMergeAcrossConnections) {
  std::vector<IndexStore::MetricValueRow> v = {{"c_total", "", "counter", 2},
                                               {"g", "a=\"1\"", "gauge", 7}};
  std::vector<IndexStore::MetricHistogramRow> h = {{"h", "", {1, 2, 0}, 3.5, 4.0, 3}};
  ASSERT_TRUE(store_->merge_metrics(v, h).ok());
  // A second process (connection) adds to counters and histograms, replaces gauges.
  auto other = IndexStore::open((dir_ / "index.db").string(), Db::Mode::kReadWrite);
  ASSERT_TRUE(other.ok());
  v[0].value = 3;
  v[1].value = 9;
  h[0] = {"h", "", {0, 1, 1}, 10, 8.0, 2};
  ASSERT_TRUE((*other)->merge_metrics(v, h).ok());
  std::vector<IndexStore::MetricValueRow> vals;
  std::vector<IndexStore::MetricHistogramRow> hists;
  ASSERT_TRUE(store_->load_metrics(&vals, &hists).ok());
  ASSERT_EQ(vals.size(), 2u);
  EXPECT_EQ(vals[0].name, "c_total");
  EXPECT_EQ(vals[0].value, 5);
  EXPECT_EQ(vals[1].value, 9);
  ASSERT_EQ(hists.size(), 1u);
  EXPECT_EQ(hists[0].counts, (std::vector<uint64_t>{1, 3, 1}));
  EXPECT_EQ(hists[0].count, 5u);
  EXPECT_DOUBLE_EQ(hists[0].sum, 13.5);
  EXPECT_DOUBLE_EQ(hists[0].max, 8.0);
  // Bookkeeping writes give up quickly while another connection holds the write lock.
  ASSERT_TRUE((*other)->begin().ok());
  Status busy = store_->merge_metrics(v, h);
  EXPECT_FALSE(busy.ok());
  EXPECT_NE(busy.message().find("locked"), std::string::npos) << busy.message();
  ASSERT_TRUE((*other)->rollback().ok());
  ASSERT_TRUE(store_->clear_metrics("c_").ok());
  ASSERT_TRUE(store_->load_metrics(&vals, &hists).ok());
  EXPECT_EQ(vals.size(), 1u);
}

}  // namespace
}  // namespace pampax
