#include "search/ranker.h"

#include <gtest/gtest.h>

namespace pampax {
namespace {

TEST(Ranker, ClassifyPath) {
  EXPECT_EQ(classify_path("src/_pytest/main.py", "python"), FileClass::kCode);
  EXPECT_EQ(classify_path("lib/parser.cpp", "cpp"), FileClass::kCode);
  EXPECT_EQ(classify_path("setup.py", "python"), FileClass::kCode);
  EXPECT_EQ(classify_path("tests/test_main.py", "python"), FileClass::kTest);
  EXPECT_EQ(classify_path("testing/python/fixtures.py", "python"), FileClass::kTest);
  EXPECT_EQ(classify_path("pkg/foo_test.go", "go"), FileClass::kTest);
  EXPECT_EQ(classify_path("src/app.spec.ts", "typescript"), FileClass::kTest);
  EXPECT_EQ(classify_path("conftest.py", "python"), FileClass::kTest);
  EXPECT_EQ(classify_path("src/FooTest.java", "java"), FileClass::kTest);
  EXPECT_EQ(classify_path("README.md", "markdown"), FileClass::kDoc);
  EXPECT_EQ(classify_path("doc/en/usage.rst", "text"), FileClass::kDoc);
  EXPECT_EQ(classify_path("docs/conf.py", "python"), FileClass::kDoc);
  EXPECT_EQ(classify_path("CHANGES", "text"), FileClass::kDoc);
  EXPECT_EQ(classify_path("HISTORY.rst", "text"), FileClass::kDoc);
  EXPECT_EQ(classify_path("examples/plot.ipynb", "json"), FileClass::kDoc);
  EXPECT_EQ(classify_path("tox.ini", "text"), FileClass::kConfig);
  EXPECT_EQ(classify_path(".travis.yml", "yaml"), FileClass::kConfig);
  EXPECT_EQ(classify_path("config/settings.toml", "toml"), FileClass::kConfig);
  EXPECT_EQ(classify_path("Makefile", "text"), FileClass::kConfig);
  EXPECT_EQ(classify_path("vendor/github.com/x/y.go", "go"), FileClass::kVendored);
  EXPECT_EQ(classify_path("web/node_modules/a/index.js", "javascript"), FileClass::kVendored);
  EXPECT_EQ(classify_path("static/app.min.js", "javascript"), FileClass::kVendored);
  EXPECT_EQ(classify_path("api/service_pb2.py", "python"), FileClass::kVendored);
  // Vendored wins over test: a vendored package's tests are still vendored.
  EXPECT_EQ(classify_path("third_party/lib/tests/t.c", "c"), FileClass::kVendored);
}

SearchHit hit(std::string path, std::string symbol, double fused, uint32_t line = 1) {
  SearchHit h;
  h.path = std::move(path);
  h.symbol = std::move(symbol);
  h.start_line = line;
  h.evidence.fused = fused;
  return h;
}

TEST(Ranker, BoostsAreRecordedAndReorder) {
  std::vector<SearchHit> hits = {hit("docs/guide.md", "", 10.0), hit("src/cache.py", "Store.invalidate", 7.0),
                                 hit("src/other.py", "parse_config", 7.5), hit("src/util.py", "", 8.0)};
  ParsedQuery q = parse_query("how does invalidate work in the cache for parse_config");
  rank_hits(hits, q, RankerOptions{});
  ASSERT_EQ(hits.size(), 4u);
  // parse_config is a query identifier: x1.5 = 11.25. Store.invalidate's name is a plain
  // query word (not an identifier), so only its file stem "cache" counts: x1.2 = 8.4. The
  // doc file drops to 6.
  EXPECT_EQ(hits[0].path, "src/other.py");
  EXPECT_DOUBLE_EQ(hits[0].score, 7.5 * 1.5);
  ASSERT_EQ(hits[0].evidence.boosts.size(), 1u);
  EXPECT_EQ(hits[0].evidence.boosts[0].name, "symbol-match");
  EXPECT_EQ(hits[1].path, "src/cache.py");
  EXPECT_DOUBLE_EQ(hits[1].score, 7.0 * 1.2);
  EXPECT_EQ(hits[1].evidence.boosts[0].name, "path-match");
  EXPECT_EQ(hits[2].path, "src/util.py");
  EXPECT_EQ(hits[3].path, "docs/guide.md");
  EXPECT_DOUBLE_EQ(hits[3].score, 10.0 * 0.6);
  EXPECT_EQ(hits[3].evidence.boosts[0].name, "doc-file");

  RankerOptions off;
  off.priors = false;
  off.symbol_exact = off.symbol_partial = off.path_match = 1.0;
  rank_hits(hits, q, off);
  EXPECT_EQ(hits[0].path, "docs/guide.md");
  EXPECT_TRUE(hits[0].evidence.boosts.empty());
}

TEST(Ranker, PartialSymbolMatchNeedsEveryPart) {
  std::vector<SearchHit> hits = {hit("a.py", "UserCache", 1.0), hit("b.py", "UserStoreCache", 1.0)};
  rank_hits(hits, parse_query("user cache"), RankerOptions{});
  EXPECT_EQ(hits[0].path, "a.py");
  EXPECT_DOUBLE_EQ(hits[0].score, 1.2);
  EXPECT_DOUBLE_EQ(hits[1].score, 1.0);
}

TEST(Ranker, TiesOrderByLocation) {
  std::vector<SearchHit> hits = {hit("b.py", "", 1.0, 5), hit("a.py", "", 1.0, 9), hit("a.py", "", 1.0, 2)};
  rank_hits(hits, parse_query("zzz"), RankerOptions{});
  EXPECT_EQ(hits[0].path, "a.py");
  EXPECT_EQ(hits[0].start_line, 2u);
  EXPECT_EQ(hits[1].start_line, 9u);
  EXPECT_EQ(hits[2].path, "b.py");
}

TEST(Ranker, GroupByFileAddsDecayedNextChunks) {
  std::vector<SearchHit> hits;
  for (auto [p, s] : std::vector<std::pair<std::string, double>>{
           {"a.py", 10}, {"b.py", 9}, {"b.py", 8}, {"b.py", 7}, {"b.py", 6}, {"c.py", 1}}) {
    SearchHit h = hit(p, "", s);
    h.score = s;
    hits.push_back(h);
  }
  RankerOptions o;  // decay 0.3, 3 chunks per file
  auto files = group_by_file(hits, o);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, "b.py");
  EXPECT_DOUBLE_EQ(files[0].score, 9 + 0.3 * 8 + 0.09 * 7);  // the 4th chunk does not count
  EXPECT_EQ(files[0].grouped, 4);
  EXPECT_EQ(files[1].path, "a.py");
  EXPECT_EQ(files[1].grouped, 1);
  EXPECT_EQ(files[2].path, "c.py");
}

}  // namespace
}  // namespace pampax
