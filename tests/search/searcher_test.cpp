// Searcher grouping over a real index: the pieces of a symbol too long for one chunk are one
// hit by default, every chunk with GroupBy::kNone; namespaces are not grouped.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "../test_util.h"
#include "core/engine.h"

namespace pampax {
namespace {

using testing::TempDir;

// A function of `lines` statements that each mention the query words: far over the 600-token
// chunk limit, so the chunker splits it into pieces.
std::string long_body(const std::string& head, const std::string& indent, int lines, const char* stmt) {
  std::string s = head;
  for (int i = 0; i < lines; ++i) {
    char buf[200];
    std::snprintf(buf, sizeof buf, stmt, i, i, i);
    s += indent + buf + "\n";
  }
  return s;
}

class SearcherGroup : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/ledger.py",
               long_body("def reconcile_ledger(entries):\n", "    ", 120,
                         "balance_%d = settle_invoice(entries[%d]) + carry_over_%d") +
                   "\n\ndef settle_invoice(entry):\n    return entry.amount\n");
    dir_.write("src/ledger.cpp",
               long_body("namespace books {\n", "", 120,
                         "static const int settle_invoice_%d = %d + carry_over_%d;") +
                   "}  // namespace books\n");
    auto e = Engine::open(dir_.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(e.ok()) << e.status().message();
    engine_ = std::move(e).value();
    IndexOptions o;
    o.threads = 1;
    auto r = engine_->index(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  std::vector<SearchHit> search(GroupBy g, const std::string& lang) {
    SearchRequest req;
    req.query = "settle invoice carry over";
    req.mode = SearchMode::kBm25;
    req.limit = 50;
    req.group_by = g;
    req.filters.lang = lang;
    auto r = engine_->search(req);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->hits : std::vector<SearchHit>{};
  }
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(SearcherGroup, PiecesOfOneSymbolAreOneHitByDefault) {
  EXPECT_EQ(SearchRequest{}.group_by, GroupBy::kSymbol);
  auto all = search(GroupBy::kNone, "python");
  std::map<std::string, int> per_symbol;
  for (const SearchHit& h : all) ++per_symbol[h.symbol];
  const int pieces = per_symbol["reconcile_ledger"];
  ASSERT_GE(pieces, 3) << "the long function must be split for this test to mean anything";

  auto grouped = search(GroupBy::kSymbol, "python");
  int seen = 0;
  for (const SearchHit& h : grouped) {
    if (h.symbol != "reconcile_ledger") {
      EXPECT_EQ(h.grouped, 1) << h.symbol;
      continue;
    }
    ++seen;
    EXPECT_EQ(h.grouped, pieces);
    EXPECT_EQ(h.symbol_start_line, 1u);  // the whole function: its def and 120 statements
    EXPECT_EQ(h.symbol_end_line, 121u);
    // The best piece is kept: the first of the symbol's hits without grouping.
    for (const SearchHit& a : all)
      if (a.symbol == "reconcile_ledger") {
        EXPECT_EQ(h.chunk_id, a.chunk_id);
        EXPECT_DOUBLE_EQ(h.score, a.score);
        break;
      }
  }
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(grouped.size(), all.size() - static_cast<size_t>(pieces - 1));
  // Other symbols keep their order.
  std::vector<int64_t> rest_all, rest_grouped;
  for (const SearchHit& h : all)
    if (h.symbol != "reconcile_ledger") rest_all.push_back(h.chunk_id);
  for (const SearchHit& h : grouped)
    if (h.symbol != "reconcile_ledger") rest_grouped.push_back(h.chunk_id);
  EXPECT_EQ(rest_all, rest_grouped);
}

TEST_F(SearcherGroup, NamespacePiecesAreNotGrouped) {
  auto all = search(GroupBy::kNone, "cpp");
  auto grouped = search(GroupBy::kSymbol, "cpp");
  ASSERT_GE(all.size(), 3u) << "the namespace must be split for this test to mean anything";
  EXPECT_EQ(grouped.size(), all.size());
  for (const SearchHit& h : grouped) {
    EXPECT_EQ(h.grouped, 1) << h.symbol << ":" << h.start_line;
    EXPECT_EQ(h.symbol_end_line, 0u);
  }
}

}  // namespace
}  // namespace pampax
