// Code navigation over a real index: symbols, references, file text and path safety.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "../test_util.h"
#include "core/engine.h"

namespace pampax {
namespace {

using testing::TempDir;

class EngineNav : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/config.py",
               "import os\n"
               "\n"
               "class ConfigLoader:\n"
               "    \"\"\"Loads settings.\"\"\"\n"
               "    def load_file(self, path):\n"
               "        return parse_text(open(path).read())\n"
               "\n"
               "def parse_text(text):\n"
               "    return dict(line.split('=') for line in text.splitlines())\n");
    dir_.write("src/main.py",
               "from config import ConfigLoader, parse_text\n"
               "\n"
               "def run():\n"
               "    loader = ConfigLoader()\n"
               "    return parse_text('a=b')\n");
    auto e = Engine::open(dir_.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(e.ok()) << e.status().message();
    engine_ = std::move(e).value();
    IndexOptions o;
    o.threads = 1;
    auto r = engine_->index(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

std::vector<std::string> names(const std::vector<SymbolRow>& rows) {
  std::vector<std::string> out;
  for (auto& r : rows) out.push_back(r.path + ":" + r.name);
  return out;
}

TEST_F(EngineNav, FindSymbolsByExactPrefixAndContains) {
  IndexStore& s = engine_->store();
  auto exact = s.find_symbols("parse_text", NameMatch::kExact, "", {}, 10);
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  ASSERT_EQ(exact->size(), 1u);
  EXPECT_EQ((*exact)[0].path, "src/config.py");
  EXPECT_EQ((*exact)[0].start_line, 8u);
  EXPECT_EQ((*exact)[0].kind, "function");
  EXPECT_NE((*exact)[0].signature.find("def parse_text(text)"), std::string::npos)
      << (*exact)[0].signature;

  auto prefix = s.find_symbols("load", NameMatch::kPrefix, "", {}, 10);
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(names(*prefix), std::vector<std::string>{"src/config.py:load_file"});

  auto contains = s.find_symbols("LOADER", NameMatch::kContains, "", {}, 10);
  ASSERT_TRUE(contains.ok());
  EXPECT_EQ(names(*contains), std::vector<std::string>{"src/config.py:ConfigLoader"});

  // LIKE wildcards in the query are literal.
  auto wild = s.find_symbols("_", NameMatch::kContains, "", {}, 10);
  ASSERT_TRUE(wild.ok());
  for (auto& r : *wild) EXPECT_NE(r.name.find('_'), std::string::npos) << r.name;

  auto kind = s.find_symbols("ConfigLoader", NameMatch::kExact, "function", {}, 10);
  ASSERT_TRUE(kind.ok());
  EXPECT_TRUE(kind->empty());
  SearchFilters glob;
  glob.path_glob = "src/main*";
  auto none = s.find_symbols("parse_text", NameMatch::kExact, "", glob, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  // The method's parent is the class.
  auto method = s.find_symbols("load_file", NameMatch::kExact, "", {}, 10);
  ASSERT_TRUE(method.ok());
  ASSERT_EQ(method->size(), 1u);
  auto parent = s.get_symbol((*method)[0].parent_id);
  ASSERT_TRUE(parent.ok()) << parent.status().message();
  EXPECT_EQ(parent->name, "ConfigLoader");

  EXPECT_FALSE(s.find_symbols("", NameMatch::kExact, "", {}, 10).ok());
}

TEST_F(EngineNav, ReferencesAndFileSymbols) {
  IndexStore& s = engine_->store();
  auto refs = s.find_refs("parse_text", {}, 10);
  ASSERT_TRUE(refs.ok()) << refs.status().message();
  std::vector<std::string> paths;
  for (auto& r : *refs) paths.push_back(r.path);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "src/main.py"), paths.end());
  for (auto& r : *refs)
    if (r.path == "src/main.py") {
      EXPECT_NE(std::find(r.lines.begin(), r.lines.end(), 5u), r.lines.end());
    }

  auto used = s.refs_in_range("src/main.py", 3, 5);
  ASSERT_TRUE(used.ok());
  EXPECT_NE(std::find(used->begin(), used->end(), "parse_text"), used->end());
  EXPECT_NE(std::find(used->begin(), used->end(), "ConfigLoader"), used->end());

  auto syms = s.file_symbols("src/config.py");
  ASSERT_TRUE(syms.ok());
  EXPECT_EQ(names(*syms), (std::vector<std::string>{"src/config.py:ConfigLoader",
                                                     "src/config.py:load_file",
                                                     "src/config.py:parse_text"}));
  auto chunks = s.file_chunks("src/config.py");
  ASSERT_TRUE(chunks.ok());
  ASSERT_FALSE(chunks->empty());
  for (size_t i = 1; i < chunks->size(); ++i)
    EXPECT_LE((*chunks)[i - 1].start_line, (*chunks)[i].start_line);

  auto missing = s.file_symbols("src/nope.py");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST_F(EngineNav, ReadFileSlices) {
  auto all = engine_->read_file("src/main.py");
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->lang, "python");
  EXPECT_EQ(all->total_lines, 5u);
  EXPECT_EQ(all->start_line, 1u);
  EXPECT_EQ(all->end_line, 5u);
  EXPECT_EQ(all->text, testing::read_all(dir_ / "src/main.py"));

  auto mid = engine_->read_file("src/main.py", 3, 4);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->text, "def run():\n    loader = ConfigLoader()\n");

  auto clamped = engine_->read_file("./src//main.py", 4, 99);
  ASSERT_TRUE(clamped.ok()) << clamped.status().message();
  EXPECT_EQ(clamped->end_line, 5u);
  EXPECT_EQ(clamped->text, "    loader = ConfigLoader()\n    return parse_text('a=b')\n");

  auto abs_inside = engine_->read_file((dir_.path() / "src/main.py").string(), 1, 1);
  ASSERT_TRUE(abs_inside.ok()) << abs_inside.status().message();
  EXPECT_EQ(abs_inside->path, "src/main.py");

  EXPECT_EQ(engine_->read_file("src/main.py", 4, 3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(engine_->read_file("src/absent.py").status().code(), Code::kNotFound);
}

TEST_F(EngineNav, PathsOutsideTheRootAreRefused) {
  for (const char* bad : {"../etc/passwd", "src/../../x", "/etc/passwd", "..", ".", ""}) {
    auto r = engine_->read_file(bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
  TempDir outside;
  outside.write("secret.txt", "secret\n");
  ASSERT_EQ(::symlink((outside / "secret.txt").c_str(), (dir_ / "src/link.txt").c_str()), 0);
  auto link = engine_->read_file("src/link.txt");
  EXPECT_EQ(link.status().code(), Code::kInvalidArgument);
  EXPECT_NE(link.status().message().find("outside"), std::string::npos) << link.status().message();
  // '..' that stays inside the root is fine.
  auto inner = engine_->repo_path("src/../src/main.py");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(*inner, "src/main.py");
}

}  // namespace
}  // namespace pampax
