// Batch lookups used by context assembly: definitions for many names in one statement, and
// doc comments of chunks without decompressing text.
#include <gtest/gtest.h>

#include <algorithm>

#include "../test_util.h"
#include "core/engine.h"

namespace pampax {
namespace {

using testing::TempDir;

TEST(IndexStoreBatch, FindSymbolsNamedAndChunkDocs) {
  TempDir d;
  d.write("a.py", "def alpha(x):\n    \"\"\"First.\"\"\"\n    return beta(x)\n\n\ndef beta(y):\n    return y\n");
  d.write("b.py", "class Gamma:\n    def beta(self):\n        return 1\n");
  d.write("c.js", "function alpha() { return 1; }\n");
  d.write("q\"uote.py", "def odd_name():\n    pass\n");
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE((*e)->index({}).ok());
  IndexStore& s = (*e)->store();

  auto rows = s.find_symbols_named({"alpha", "beta", "missing", "we\"ird\\\n"}, {}, 0, 100);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  std::vector<std::string> got;
  for (const SymbolRow& r : *rows) got.push_back(r.path + ":" + r.qualified_name);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a.py:alpha", "a.py:beta", "b.py:Gamma.beta", "c.js:alpha"}));
  for (const SymbolRow& r : *rows)
    if (r.qualified_name == "alpha" && r.path == "a.py") {
      EXPECT_EQ(r.signature, "def alpha(x):");
    }

  SearchFilters py;
  py.lang = "python";
  auto only_py = s.find_symbols_named({"alpha"}, py, 0, 100);
  ASSERT_TRUE(only_py.ok());
  ASSERT_EQ(only_py->size(), 1u);
  EXPECT_EQ((*only_py)[0].path, "a.py");
  auto limited = s.find_symbols_named({"alpha", "beta"}, {}, 0, 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 2u);
  // At most one definition per name: alpha and beta have two each (all languages), odd_name one.
  auto unique = s.find_symbols_named({"alpha", "beta", "odd_name"}, {}, 1, 100);
  ASSERT_TRUE(unique.ok());
  ASSERT_EQ(unique->size(), 1u);
  EXPECT_EQ((*unique)[0].name, "odd_name");
  EXPECT_EQ((*unique)[0].path, "q\"uote.py");
  auto within_py = s.find_symbols_named({"alpha"}, py, 1, 100);  // one alpha in python
  ASSERT_TRUE(within_py.ok());
  EXPECT_EQ(within_py->size(), 1u);
  auto none = s.find_symbols_named({}, {}, 0, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto chunks = s.file_chunks("a.py");
  ASSERT_TRUE(chunks.ok());
  std::vector<int64_t> ids;
  for (const ChunkRow& c : *chunks) ids.push_back(c.id);
  ids.push_back(999999);
  auto docs = s.chunk_docs(ids);
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  EXPECT_EQ(docs->size(), chunks->size()) << "missing ids are left out";
  bool first = false;
  for (auto& [id, doc] : *docs) {
    auto full = s.get_chunk(id);
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(doc, full->doc);
    first |= doc.find("First.") != std::string::npos;
  }
  EXPECT_TRUE(first);
}

}  // namespace
}  // namespace pampax
