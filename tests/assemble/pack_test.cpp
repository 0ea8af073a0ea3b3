// Context packs (.pampax/packs/*.toml) and scopes: parsing, errors with file and line, the
// active pack, and glob matching as SQLite's GLOB does it.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "assemble/pack.h"
#include "assemble/scope.h"
#include "store/db.h"

namespace pampax {
namespace {

using testing::TempDir;

TEST(Pack, ParsesEveryKey) {
  auto p = parse_pack(
      "# the server\n"
      "description = \"HTTP server\"\n"
      "paths = [\"src/serve/*\", \"src/core/*\"]\n"
      "langs = [\"c++\", \"py\"]\n"
      "kinds = \"function\"\n"
      "budget = 4000\n"
      "mode = \"bm25\"\n"
      "tokenizer = \"o200k\"\n",
      "server", "packs/server.toml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->name, "server");
  EXPECT_EQ(p->description, "HTTP server");
  EXPECT_EQ(p->scope.path_globs, (std::vector<std::string>{"src/serve/*", "src/core/*"}));
  EXPECT_EQ(p->scope.langs, (std::vector<std::string>{"cpp", "python"}));  // normalised
  EXPECT_EQ(p->scope.kinds, (std::vector<std::string>{"function"}));
  EXPECT_EQ(p->budget, 4000);
  EXPECT_EQ(p->mode, "bm25");
  EXPECT_EQ(p->tokenizer, "o200k");
  auto empty = parse_pack("", "e", "e.toml");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->scope.empty());
  EXPECT_EQ(empty->budget, 0);
}

void expect_error(const std::string& text, const std::string& where, const std::string& what) {
  auto p = parse_pack(text, "bad", "/r/.pampax/packs/bad.toml");
  ASSERT_FALSE(p.ok()) << text;
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_NE(p.status().message().find(where), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find(what), std::string::npos) << p.status().message();
}

TEST(Pack, BadFilesNameFileAndLine) {
  expect_error("description = \"x\"\npaths = [\"a\",\n", "/r/.pampax/packs/bad.toml:", "");
  expect_error("budget = 10\nbudget = 20\n", "bad.toml:2", "");
  expect_error("description = \"x\"\n\ncolour = \"red\"\n", "bad.toml:3: ", "unknown key 'colour'");
  expect_error("budget = \"lots\"\n", "bad.toml:1: ", "'budget' must be a positive integer");
  expect_error("budget = 0\n", "bad.toml:1: ", "positive");
  expect_error("\nlangs = [\"klingon\"]\n", "bad.toml:2: ", "unknown language 'klingon'");
  expect_error("paths = [\"a\", 3]\n", "bad.toml:1: ", "strings only");
  expect_error("paths = 3\n", "bad.toml:1: ", "string or an array of strings");
  expect_error("mode = \"fast\"\n", "bad.toml:1: ", "'mode' must be one of");
  expect_error("tokenizer = \"gpt2\"\n", "bad.toml:1: ", "'tokenizer' must be one of");
  expect_error("kinds = [\"\"]\n", "bad.toml:1: ", "empty kind");
  // TOML syntax errors carry line and column.
  auto p = parse_pack("description = \"x\"\nbudget = = 3\n", "bad", "bad.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().rfind("bad.toml:2:", 0), 0u) << p.status().message();
}

TEST(Pack, ListUseShowClear) {
  TempDir d;
  auto l = list_packs(d.path());
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->packs.empty());
  d.write(".pampax/packs/server.toml", "description = \"server\"\npaths = \"src/serve/*\"\n");
  d.write(".pampax/packs/docs.toml", "langs = \"markdown\"\nbudget = 2000\n");
  d.write(".pampax/packs/broken.toml", "paths = [\n");
  d.write(".pampax/packs/notes.txt", "not a pack");
  l = list_packs(d.path());
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->packs.size(), 2u);
  EXPECT_EQ(l->packs[0].name, "docs");
  EXPECT_EQ(l->packs[1].name, "server");
  ASSERT_EQ(l->errors.size(), 1u);
  EXPECT_NE(l->errors[0].find("broken.toml:"), std::string::npos) << l->errors[0];

  auto none = active_pack(d.path());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(use_pack(d.path(), "server").ok());
  auto act = active_pack(d.path());
  ASSERT_TRUE(act.ok()) << act.status().message();
  ASSERT_TRUE(act->has_value());
  EXPECT_EQ((*act)->name, "server");
  EXPECT_EQ((*act)->scope.path_globs, std::vector<std::string>{"src/serve/*"});

  // Unknown, broken and badly named packs cannot be used.
  Status st = use_pack(d.path(), "nope");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find("packs: docs, server"), std::string::npos) << st.message();
  EXPECT_EQ(use_pack(d.path(), "broken").code(), Code::kInvalidArgument);
  EXPECT_EQ(use_pack(d.path(), "../etc").code(), Code::kInvalidArgument);
  EXPECT_EQ((*active_pack(d.path()))->name, "server") << "a failed use keeps the active pack";

  // An active pack that breaks later is an error naming the way out.
  d.write(".pampax/packs/server.toml", "paths = 7\n");
  auto broken = active_pack(d.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("server.toml:1"), std::string::npos);
  EXPECT_NE(broken.status().message().find("pampax context clear"), std::string::npos);

  ASSERT_TRUE(clear_active_pack(d.path()).ok());
  ASSERT_TRUE(clear_active_pack(d.path()).ok());  // nothing active: fine
  auto cleared = active_pack(d.path());
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->has_value());
}

TEST(Scope, GlobMatchesLikeSqlite) {
  // Compare with SQLite's own GLOB on a set of patterns and paths.
  auto db = Db::open(":memory:", Db::Mode::kCreate);
  ASSERT_TRUE(db.ok()) << db.status().message();
  const char* patterns[] = {"src/*", "*.py", "src/*/x.c", "a?c", "[ab]*", "[^ab]*", "*[0-9]",
                            "src/[a-c]*/*.h", "", "*", "**", "x]y", "[]]x", "*.[ch]", "a*b*c"};
  const char* paths[] = {"src/a.py", "src/deep/x.c", "abc", "b/c.h", "lib/z9", "src/b/q.h",
                         "", "x]y", "]x", "a.c", "aXbYc", "acb", "src"};
  for (const char* p : patterns)
    for (const char* s : paths) {
      Stmt q = (*db)->must_prepare("SELECT ?2 GLOB ?1");
      q.bind(1, std::string(p)).bind(2, std::string(s));
      ASSERT_TRUE(q.step());
      EXPECT_EQ(glob_match(p, s), q.col_int(0) == 1) << "'" << s << "' GLOB '" << p << "'";
    }
}

TEST(Scope, MatchesAndPushDown) {
  Scope sc;
  EXPECT_TRUE(scope_matches(sc, "any", "python", "function"));
  sc.path_globs = {"src/*", "lib/*"};
  sc.langs = {"py"};
  ASSERT_TRUE(normalise_scope(&sc).ok());
  EXPECT_EQ(sc.langs, std::vector<std::string>{"python"});
  EXPECT_TRUE(scope_matches(sc, "lib/a.py", "python", "function"));
  EXPECT_FALSE(scope_matches(sc, "doc/a.py", "python", "function"));
  EXPECT_FALSE(scope_matches(sc, "src/a.c", "c", ""));
  SearchFilters f = scope_push_down(sc);
  EXPECT_EQ(f.lang, "python");
  EXPECT_EQ(f.path_glob, "");  // two globs: checked on the results
  sc.langs = {"elvish"};
  EXPECT_EQ(normalise_scope(&sc).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace pampax
