// core/indexer: what an index run reports about the tree.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "core/engine.h"
#include "core/indexer.h"

namespace pampax {
namespace {

using testing::TempDir;

// The index lives in the tree it indexes (.pampax/). It is never indexed, and it is not the
// user's file either, so it must not be reported as one skipped (a 45 MiB index.db used to show
// up as "too_large" in every update's skip list).
TEST(Indexer, TheIndexDirectoryIsNeitherIndexedNorReportedAsSkipped) {
  TempDir d;
  d.write("a.py", "def alpha(x):\n    return x\n");
  d.write("big.txt", std::string(4096, 'x') + "\n");
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok()) << e.status().message();
  IndexOptions opt;
  opt.scan.max_file_size = 2048;  // index.db (several pages) and big.txt are over it
  ASSERT_TRUE((*e)->index(opt).ok());
  d.write("a.py", "def alpha(x):\n    return x + 1\n");
  auto r = (*e)->index(opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(std::filesystem::file_size(d / ".pampax/index.db") > opt.scan.max_file_size);
  bool big = false;
  for (const SkipNote& s : r->skipped) {
    EXPECT_NE(s.path.rfind(".pampax/", 0), 0u) << s.path;
    big |= s.path == "big.txt" && s.reason == "too_large";
  }
  EXPECT_TRUE(big);  // the user's own large file is still reported
  EXPECT_EQ(r->files_indexed, 1u);
}

TEST(Indexer, AnIndexOfAnotherParserVersionIsParsedAgainOnce) {
  TempDir d;
  d.write("a.py", "def alpha(x):\n    return x\n");
  d.write("b.c", "int beta(int y)\n{\n\treturn y;\n}\n");
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok()) << e.status().message();
  IndexOptions opt;
  opt.threads = 1;
  auto r = (*e)->index(opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->parser_upgrade);
  EXPECT_EQ((*e)->store().meta("parser_version"), std::to_string(kParserVersion));
  r = (*e)->index(opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files_indexed, 0u);
  // As an index made by an older pampax (one without the stamp) looks.
  ASSERT_TRUE((*e)->store().set_meta("parser_version", "1").ok());
  r = (*e)->index(opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->parser_upgrade);
  EXPECT_EQ(r->files_indexed, 2u);  // unchanged files, parsed again
  EXPECT_EQ((*e)->store().meta("parser_version"), std::to_string(kParserVersion));
  r = (*e)->index(opt);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->parser_upgrade);
  EXPECT_EQ(r->files_indexed, 0u);
}

}  // namespace
}  // namespace pampax
