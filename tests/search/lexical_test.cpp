#include "search/lexical.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "core/engine.h"
#include "core/indexer.h"

#include <set>

namespace pampax {
namespace {

using testing::TempDir;

// A small repository whose vocabulary has common words ("return", "value") and rare ones.
void make_repo(const TempDir& d, int files) {
  const char* topics[] = {"invoice", "payment", "session", "cache", "router", "parser"};
  for (int i = 0; i < files; ++i) {
    std::string t = topics[i % 6], n = std::to_string(i);
    std::string body = "def handle_" + t + "_" + n + "(value):\n    \"\"\"Handle the " + t +
                       " value.\"\"\"\n" + std::string(static_cast<size_t>(i % 4), ' ') +
                       "    total = value * " + n + "\n    return total\n\n\nclass " + t +
                       "Store" + n + ":\n    def get(self, key):\n        return self.items[key]" +
                       (i % 7 == 0 ? "  # return early when the cache is cold\n" : "\n");
    d.write("pkg/m" + std::to_string(i % 10) + "/f" + n + ".py", body);
  }
}

std::vector<int64_t> ids(const std::vector<SearchHit>& hits) {
  std::vector<int64_t> out;
  for (const SearchHit& h : hits) out.push_back(h.chunk_id);
  return out;
}

std::vector<int64_t> ids(const std::vector<FtsHit>& hits) {
  std::vector<int64_t> out;
  for (const FtsHit& h : hits) out.push_back(h.chunk_id);
  return out;
}

class LexicalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_repo(dir_, 300);
    auto e = Engine::open(dir_.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(e.ok()) << e.status().message();
    engine_ = std::move(e).value();
    IndexOptions opt;
    opt.threads = 1;  // row ids in file order: the same index on every run
    auto r = engine_->index(opt);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }

  // Exact BM25 over all terms, as FTS5 computes it.
  std::vector<int64_t> exact(const std::string& query, int limit) {
    LexicalWeights lw;
    const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
    LexicalSearcher s(engine_->store());
    auto expr = s.match_expression(parse_query(query));
    EXPECT_TRUE(expr.ok());
    auto hits = engine_->store().fts_search(*expr, SearchFilters{}, w, limit);
    EXPECT_TRUE(hits.ok());
    return ids(*hits);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(LexicalTest, NoHotTermsMeansExactBm25) {
  // 300 files are far below the hot threshold: every query goes to FTS5 as a whole.
  LexicalSearcher s(engine_->store());
  for (std::string q : {"return", "cache value", "handle_invoice_12", "session store get"}) {
    auto hits = s.search({q, 10, {}});
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    auto want = exact(q, 10);
    // Equal scores may be ordered differently (by location vs by row id); compare as sets
    // only where scores tie, and exactly otherwise: the top hit must match.
    ASSERT_FALSE(hits->empty()) << q;
    ASSERT_EQ(hits->size(), want.size()) << q;
    // Same chunks with the same scores; ties may be ordered differently (by location here,
    // by row id in FTS5), so compare as multisets of (score, id).
    LexicalWeights lw;
    const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
    auto expr = s.match_expression(parse_query(q));
    auto raw = engine_->store().fts_search(*expr, SearchFilters{}, w, 10);
    ASSERT_TRUE(raw.ok());
    std::multiset<std::pair<double, int64_t>> a, b;
    for (const SearchHit& h : *hits) a.insert({h.score, h.chunk_id});
    for (const FtsHit& h : *raw) b.insert({h.score, h.chunk_id});
    if (a != b) {
      // Only a tie at the 10th place may swap members; the scores must still agree.
      std::multiset<double> sa, sb;
      for (auto& p : a) sa.insert(p.first);
      for (auto& p : b) sb.insert(p.first);
      EXPECT_EQ(sa, sb) << q;
    }
  }
}

// Queries of more than 6 terms keep the most selective ones by document frequency. A word that
// is its own stem ("total", "session") is indexed without a "~" form, so its marked query form
// must count the plain word's documents, or it looks absent and is dropped.
TEST_F(LexicalTest, LongStemmedQueriesKeepWordsThatAreTheirOwnStem) {
  LexicalSearcher s(engine_->store());
  ParsedQuery q = parse_query("invoice payment session cache router parser total");
  ASSERT_GT(q.terms.size(), 6u);
  auto expr = s.match_expression(q);
  ASSERT_TRUE(expr.ok()) << expr.status().message();
  for (const char* t : {"\"~total\"", "\"~session\"", "\"~parser\"", "\"~invoic\""})
    EXPECT_NE(expr->find(t), std::string::npos) << t << " missing from " << *expr;
}

TEST_F(LexicalTest, HotTermsGiveTheExactTopForSingleTerms) {
  LexicalWeights lw;
  const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
  // Make every term in >= 100 chunks hot.
  ASSERT_TRUE(engine_->store().rebuild_hot_terms(w, 100, 50, 2).ok());
  auto hot = engine_->store().hot_term("return");
  ASSERT_TRUE(hot.ok());
  ASSERT_TRUE(hot->has_value());
  EXPECT_GE((*hot)->df, 300);
  EXPECT_GE((*hot)->top.size(), 50u);  // 50 plus any tied with the 50th
  EXPECT_LE((*hot)->top.size(), 200u);
  auto cold = engine_->store().hot_term("handle_invoice_12");
  ASSERT_TRUE(cold.ok());
  EXPECT_FALSE(cold->has_value());

  LexicalSearcher s(engine_->store());
  auto hits = s.search({"return", 10, {}});
  ASSERT_TRUE(hits.ok());
  // Same scores as exact BM25, best first.
  LexicalWeights w2;
  const double ww[4] = {w2.path, w2.symbol, w2.doc, w2.body};
  auto want = engine_->store().fts_search("\"return\"", SearchFilters{}, ww, 10);
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(hits->size(), want->size());
  for (size_t i = 0; i < hits->size(); ++i) EXPECT_DOUBLE_EQ((*hits)[i].score, (*want)[i].score);
}

TEST_F(LexicalTest, MixedHotAndColdTermsStayCloseToExact) {
  LexicalWeights lw;
  const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
  // Terms in >= 100 of ~900 chunks become hot, with the production list length.
  ASSERT_TRUE(engine_->store().rebuild_hot_terms(w, 100, kHotTopK, 1).ok());
  LexicalSearcher s(engine_->store());
  int same_top = 0, total = 0;
  size_t overlap = 0, possible = 0;
  for (std::string q : {"return early cache", "handle invoice value", "session store get key",
                        "payment total value", "cold cache", "router handle"}) {
    auto hits = s.search({q, 10, {}});
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    auto want = exact(q, 10);
    auto got = ids(*hits);
    ++total;
    same_top += !got.empty() && !want.empty() && got[0] == want[0];

    for (int64_t id : got) overlap += std::count(want.begin(), want.end(), id);
    possible += want.size();
  }
  // The approximation may reorder near-ties but must keep the best hit and most of the top 10.
  EXPECT_EQ(same_top, total);
  EXPECT_GE(static_cast<double>(overlap), 0.8 * static_cast<double>(possible))
      << overlap << " of " << possible;
}

TEST_F(LexicalTest, FiltersApplyToHotLists) {
  LexicalWeights lw;
  const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
  ASSERT_TRUE(engine_->store().rebuild_hot_terms(w, 100, 50, 1).ok());
  LexicalSearcher s(engine_->store());
  SearchRequest req{"return", 10, {}};
  req.filters.path_glob = "pkg/m3/*";
  auto hits = s.search(req);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  for (const SearchHit& h : *hits) EXPECT_EQ(h.path.rfind("pkg/m3/", 0), 0u) << h.path;
}

TEST(MakeSnippet, PicksTheLineWithMostTerms) {
  std::string text = "int a;\nint b;\nreturn cacheValue + other;\nint c;\n";
  ParsedQuery q = parse_query("cache value");
  EXPECT_EQ(make_snippet(text, q.terms, 2), "int b;\nreturn cacheValue + other;");
}

}  // namespace
}  // namespace pampax

namespace pampax {
namespace {

// The (path, line, score) of the top hits, for comparing two indexes of the same tree.
std::vector<std::string> top_of(Engine& e, const std::string& q) {
  LexicalSearcher s(e.store());
  auto hits = s.search({q, 10, {}});
  EXPECT_TRUE(hits.ok()) << hits.status().message();
  std::vector<std::string> out;
  if (!hits.ok()) return out;
  for (const SearchHit& h : *hits) out.push_back(h.path + ":" + std::to_string(h.start_line));
  return out;
}

std::unique_ptr<Engine> indexed(const TempDir& d) {
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  EXPECT_TRUE(e.ok()) << e.status().message();
  if (!e.ok()) return nullptr;
  IndexOptions opt;
  opt.threads = 1;
  auto r = (*e)->index(opt);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(e).value();
}

// Small updates keep the hot-term lists instead of rebuilding them. The chunks such an update
// writes must still get their share of each hot term: an edited file used to drop out of every
// hot term's list until 2% of the files had changed (one edited sympy file fell from 6th to
// 27th for its bug report). After the update the search must answer as a new index of the
// same tree does.
TEST(HotTermUpdate, ChunksWrittenByASmallUpdateKeepTheirHotTermScores) {
  auto edit = [](const TempDir& d) {
    // A new file whose function is the best chunk for "return" and "value" (both hot), and an
    // edited one (its chunks are deleted and written again).
    d.write("pkg/new/fresh.py", "def return_value(value):\n    return value\n");
    d.write("pkg/m3/f3.py", "def handle_invoice_3(value):\n    return value + 3\n");
  };
  TempDir a;
  make_repo(a, 1200);  // 2,400 chunks hold "return": hot (>= 1,000 and >= 2% of the chunks)
  auto ea = indexed(a);
  ASSERT_TRUE(ea);
  auto hot = ea->store().hot_term("return");
  ASSERT_TRUE(hot.ok() && hot->has_value());
  auto before = ea->store().hot_watermark();
  ASSERT_TRUE(before.ok() && before->watermark);
  EXPECT_FALSE(before->has_fresh_chunks());

  edit(a);
  IndexOptions opt;
  opt.threads = 1;
  ASSERT_TRUE(ea->index(opt).ok());
  // 2 of 1,201 files changed: the lists were kept, not rebuilt...
  EXPECT_EQ(ea->store().meta("hot_pending").value_or(""), "2");
  // ...and now cover the new chunks.
  auto after = ea->store().hot_watermark();
  ASSERT_TRUE(after.ok() && after->watermark);
  EXPECT_GT(*after->watermark, *before->watermark);
  EXPECT_FALSE(after->has_fresh_chunks());

  TempDir b;  // the same tree, indexed from scratch
  make_repo(b, 1200);
  edit(b);
  auto eb = indexed(b);
  ASSERT_TRUE(eb);
  for (std::string q : {"return", "return value", "handle invoice value", "value"}) {
    auto got = top_of(*ea, q), want = top_of(*eb, q);
    EXPECT_EQ(got, want) << q;
  }
  EXPECT_EQ(top_of(*ea, "return value").front(), "pkg/new/fresh.py:1");
}

// Chunk ids only grow past the watermark, even when the chunks with the largest ids were
// deleted (SQLite alone would hand those ids out again, below the watermark).
TEST(HotTermUpdate, NewChunkIdsStayAboveTheWatermark) {
  TempDir d;
  make_repo(d, 50);
  auto e = indexed(d);
  ASSERT_TRUE(e);
  LexicalWeights lw;
  const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
  ASSERT_TRUE(e->store().rebuild_hot_terms(w, 10, 20, 1).ok());
  auto mark = e->store().hot_watermark();
  ASSERT_TRUE(mark.ok() && mark->watermark);
  EXPECT_EQ(*mark->watermark, mark->max_chunk_id);
  // Delete the file that holds the largest ids, then add another.
  Stmt last = e->store().db().must_prepare(
      "SELECT f.path FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY c.id DESC LIMIT 1");
  ASSERT_TRUE(last.step());
  ASSERT_TRUE(e->store().delete_file(std::string(last.col_text(0))).ok());
  auto gone = e->store().hot_watermark();
  ASSERT_TRUE(gone.ok());
  ASSERT_LT(gone->max_chunk_id, *mark->watermark);
  d.write("pkg/extra.py", "def extra():\n    return 1\n");
  IndexOptions opt;
  opt.threads = 1;
  ASSERT_TRUE(e->index(opt).ok());
  Stmt q = e->store().db().must_prepare(
      "SELECT min(c.id) FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = 'pkg/extra.py'");
  ASSERT_TRUE(q.step());
  EXPECT_GT(q.col_int(0), *mark->watermark);
}

}  // namespace
}  // namespace pampax
