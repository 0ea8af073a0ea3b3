// The synthetic repositories of the benchmark suite (bench_suite/synth.h): deterministic,
// a mix of languages, parsed by the real indexer into functions, classes, methods and
// properties that the suite's queries find.
#include "bench_suite/synth.h"

#include <gtest/gtest.h>

#include <map>

#include "../test_util.h"
#include "core/engine.h"

namespace pampax::bench {
namespace {

using testing::TempDir;

std::map<std::string, std::string> tree(const std::filesystem::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out[std::filesystem::relative(e.path(), root).string()] = testing::read_all(e.path());
  }
  return out;
}

TEST(BenchSynth, SameSeedSameTreeOtherSeedOtherTree) {
  TempDir d;
  auto a = generate_repository(d / "a", {60, 7});
  auto b = generate_repository(d / "b", {60, 7});
  auto c = generate_repository(d / "c", {60, 8});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto ta = tree(d / "a"), tb = tree(d / "b"), tc = tree(d / "c");
  EXPECT_EQ(ta.size(), 60u);
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
  EXPECT_EQ(a->files, 60);
  EXPECT_EQ(a->bytes, b->bytes);
  uint64_t bytes = 0;
  for (const auto& [p, text] : ta) bytes += text.size();
  EXPECT_EQ(a->bytes, bytes);
  int sum = 0;
  for (const auto& [lang, n] : a->languages) sum += n;
  EXPECT_EQ(sum, 60);
}

TEST(BenchSynth, MixesEveryLanguage) {
  TempDir d;
  auto r = generate_repository(d / "r", {300, 42});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->languages.size(), 8u);
  for (const auto& [lang, n] : r->languages) EXPECT_GT(n, 5) << lang;
}

TEST(BenchSynth, RejectsBadInput) {
  TempDir d;
  EXPECT_EQ(generate_repository(d / "x", {0, 1}).status().code(), Code::kInvalidArgument);
  d.write("busy/file.txt", "x");
  auto r = generate_repository(d / "busy", {3, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not empty"), std::string::npos);
}

TEST(BenchSynth, IndexesIntoSymbolsTheQueriesFind) {
  TempDir d;
  auto r = generate_repository(d / "repo", {80, 42});
  ASSERT_TRUE(r.ok());
  auto eng = Engine::open(d / "repo", Engine::Mode::kWrite);
  ASSERT_TRUE(eng.ok()) << eng.status().message();
  auto rep = (*eng)->index(IndexOptions{});
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_EQ(rep->files_indexed, 80u);
  EXPECT_EQ(rep->fallback_files, 0u);
  EXPECT_GT(rep->symbols, 80u * 6);  // a class, properties, methods and functions per file
  // Every chunk kind the queries name exists.
  std::map<std::string, int> kinds;
  auto st = (*eng)->store().db().prepare("SELECT kind, COUNT(*) FROM symbols GROUP BY kind");
  ASSERT_TRUE(st.ok());
  while (st->step()) kinds[std::string(st->col_text(0))] = static_cast<int>(st->col_int(1));
  EXPECT_GT(kinds["function"], 0);
  EXPECT_GT(kinds["method"], 0);
  EXPECT_GT(kinds["class"] + kinds["struct"], 0);
  for (const std::string& q : std::vector<std::string>{"function", "class", "variable", "method", "property"}) {
    SearchRequest req;
    req.query = q;
    auto res = (*eng)->search(req);
    ASSERT_TRUE(res.ok());
    EXPECT_FALSE(res->hits.empty()) << q;
  }
  for (const std::string& q : synthetic_nl_queries()) {
    SearchRequest req;
    req.query = q;
    auto res = (*eng)->search(req);
    ASSERT_TRUE(res.ok());
    EXPECT_FALSE(res->hits.empty()) << q;
  }
}

}  // namespace
}  // namespace pampax::bench
