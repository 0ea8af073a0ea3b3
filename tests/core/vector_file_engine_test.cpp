// The Engine with its vector file (search/vector_file.h) and real gguf embeddings (the
// generated MiniLM-shaped model): the embedding pass writes the file, searches map it, and a
// missing, damaged, truncated or stale file is bypassed (SQLite rows) and rewritten without
// changing a single result. And determinism: two indexes of the same tree built in different
// orders (other row ids) give identical result lists in every mode, ties included.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../embed/embed_test_util.h"
#include "../test_util.h"
#include "core/engine.h"
#include "core/query_cache.h"

namespace pampax {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// 12 identical files (equal BM25 scores, one shared vector: a group of ties larger than the
// limit) and a few distinct ones.
std::vector<std::pair<std::string, std::string>> tree() {
  std::vector<std::pair<std::string, std::string>> files;
  const std::string dup =
      "def parse_invoice_line(line):\n    \"\"\"Parse one invoice line into fields.\"\"\"\n"
      "    return line.split(',')\n";
  for (int i = 0; i < 12; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "src/copy_%02d.py", i);
    files.emplace_back(name, dup);
  }
  files.emplace_back("src/session.py",
                     "class SessionStore:\n    \"\"\"Keeps user sessions.\"\"\"\n"
                     "    def refresh_token(self, user_id):\n        return user_id * 2\n");
  files.emplace_back("src/money.py",
                     "def total_amount(invoice):\n    \"\"\"Sum of an invoice's lines.\"\"\"\n"
                     "    return sum(l.amount for l in invoice.lines)\n");
  files.emplace_back("README.md", "# Demo\n\nInvoices, sessions and tokens.\n");
  return files;
}

std::unique_ptr<Engine> open(const fs::path& root, Engine::Mode mode) {
  auto e = Engine::open(root, mode);
  EXPECT_TRUE(e.ok()) << e.status().message();
  if (!e.ok()) return nullptr;
  QueryCacheOptions off = (*e)->query_cache().options();
  off.enabled = false;
  (*e)->query_cache().set_options(off);
  return std::move(e).value();
}

void index_and_embed(const fs::path& root) {
  auto e = open(root, Engine::Mode::kWrite);
  ASSERT_TRUE(e);
  IndexOptions io;
  io.threads = 1;
  auto r = e->index(io);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EmbedOptions eo;
  eo.config.backend = "gguf";
  eo.config.model_path = testing::test_gguf_path();
  eo.config.threads = 1;
  auto em = e->embed(eo);
  ASSERT_TRUE(em.ok()) << em.status().message();
}

fs::path only_vector_file(const fs::path& root) {
  fs::path found;
  int n = 0;
  for (const auto& f : fs::directory_iterator(root / ".pampax")) {
    std::string name = f.path().filename().string();
    if (name.rfind("vectors-", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".bin") {
      found = f.path();
      ++n;
    }
  }
  EXPECT_EQ(n, 1);
  return found;
}

// (path:start_line score) of every hit, in order.
std::vector<std::string> answer(Engine& e, const std::string& q, SearchMode mode, int limit = 5) {
  SearchRequest req;
  req.query = q;
  req.mode = mode;
  req.limit = limit;
  auto r = e.search(req);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  EXPECT_EQ(r->mode, mode) << q;
  for (const SearchHit& h : r->hits) {
    char s[64];
    std::snprintf(s, sizeof s, " %.9g", h.score);
    out.push_back(h.path + ":" + std::to_string(h.start_line) + s);
  }
  return out;
}

const char* const kQueries[] = {"parse invoice line", "refresh the session token", "invoice"};

TEST(VectorFileEngine, EmbedWritesTheFileSearchesMapItAndBadFilesAreBypassedAndRewritten) {
  TempDir d;
  for (auto& [p, c] : tree()) d.write(p, c);
  index_and_embed(d.path());
  const fs::path vf = only_vector_file(d.path());
  ASSERT_FALSE(vf.empty());

  std::vector<std::vector<std::string>> want;
  {
    auto e = open(d.path(), Engine::Mode::kRead);
    for (const char* q : kQueries) want.push_back(answer(*e, q, SearchMode::kHybrid));
    EXPECT_STREQ(e->vector_source(), "file");
    for (const auto& w : want) EXPECT_EQ(w.size(), 5u);
  }
  auto check = [&](const char* what, const char* source) {
    auto e = open(d.path(), Engine::Mode::kRead);
    for (size_t i = 0; i < std::size(kQueries); ++i)
      EXPECT_EQ(answer(*e, kQueries[i], SearchMode::kHybrid), want[i]) << what << ": " << kQueries[i];
    EXPECT_STREQ(e->vector_source(), source) << what;
  };
  const std::string good = [&] {
    std::ifstream in(vf, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto put = [&](const std::string& bytes) {
    std::ofstream out(vf, std::ios::binary | std::ios::trunc);
    out << bytes;
  };

  fs::remove(vf);
  check("missing file", "sqlite");
  ASSERT_TRUE(fs::exists(vf)) << "the search rewrites the file";
  check("rewritten file", "file");

  std::string bad = good;
  bad[bad.size() / 2] ^= 0x40;  // inside the f32 rows
  put(bad);
  check("damaged file", "sqlite");
  check("repaired file", "file");

  put(good.substr(0, good.size() - 100));
  check("truncated file", "sqlite");
  check("repaired file", "file");

  put(good.substr(0, 10));
  check("header only", "sqlite");

  put("");
  check("empty file", "sqlite");
  check("repaired file", "file");
}

TEST(VectorFileEngine, StaleFileAfterAnUpdateIsNotUsed) {
  TempDir d;
  for (auto& [p, c] : tree()) d.write(p, c);
  index_and_embed(d.path());
  // A lexical update without an embedding pass: the generation moves on, the file is stale.
  d.write("src/money.py", "def total_amount(invoice):\n    \"\"\"Parse invoice totals.\"\"\"\n"
                          "    return 0\n");
  {
    auto e = open(d.path(), Engine::Mode::kWrite);
    IndexOptions io;
    io.threads = 1;
    ASSERT_TRUE(e->index(io).ok());
  }
  std::vector<std::string> stale_run;
  {
    auto e = open(d.path(), Engine::Mode::kRead);
    stale_run = answer(*e, "parse invoice", SearchMode::kHybrid, 20);
    EXPECT_STREQ(e->vector_source(), "sqlite");
  }
  {
    auto e = open(d.path(), Engine::Mode::kRead);  // rewritten by the previous search
    EXPECT_EQ(answer(*e, "parse invoice", SearchMode::kHybrid, 20), stale_run);
    EXPECT_STREQ(e->vector_source(), "file");
  }
  // The embedding pass brings vectors and file up to date.
  index_and_embed(d.path());
  auto e = open(d.path(), Engine::Mode::kRead);
  auto fresh = answer(*e, "parse invoice", SearchMode::kHybrid, 20);
  EXPECT_STREQ(e->vector_source(), "file");
  EXPECT_EQ(fresh.size(), stale_run.size());
}

int count_graphs(const fs::path& root) {
  int n = 0;
  for (const auto& f : fs::directory_iterator(root / ".pampax"))
    n += f.path().filename().string().rfind("hnsw-", 0) == 0;
  return n;
}

// The HNSW graph is made by the embedding pass; a search that finds none scans, never builds.
TEST(VectorFileEngine, SearchesNeverBuildTheGraph) {
  ::setenv("PAMPAX_HNSW_MIN_ROWS", "1", 1);
  TempDir d;
  for (auto& [p, c] : tree()) d.write(p, c);
  index_and_embed(d.path());
  EXPECT_EQ(count_graphs(d.path()), 1) << "the embedding pass builds the graph";
  std::vector<std::string> with_graph;
  {
    auto e = open(d.path(), Engine::Mode::kRead);
    with_graph = answer(*e, "parse invoice line", SearchMode::kVector, 8);
  }
  for (const auto& f : fs::directory_iterator(d.path() / ".pampax"))
    if (f.path().filename().string().rfind("hnsw-", 0) == 0) fs::remove(f.path());
  {
    auto e = open(d.path(), Engine::Mode::kRead);
    EXPECT_EQ(answer(*e, "parse invoice line", SearchMode::kVector, 8), with_graph);
    EXPECT_STREQ(e->vector_source(), "file");
  }
  EXPECT_EQ(count_graphs(d.path()), 0) << "a search built a graph";
  // The next pass that changes vectors makes it again.
  d.write("src/extra.py", "def extra_helper():\n    return 1\n");
  index_and_embed(d.path());
  EXPECT_EQ(count_graphs(d.path()), 1);
  ::unsetenv("PAMPAX_HNSW_MIN_ROWS");
}

TEST(VectorFileEngine, TwoIndexesOfOneTreeInDifferentOrdersAnswerIdentically) {
  auto files = tree();
  TempDir a, b;
  for (auto& [p, c] : files) a.write(p, c);
  index_and_embed(a.path());
  // b: the second half first (indexed and embedded), then the first half: other row ids.
  const size_t half = files.size() / 2;
  for (size_t i = files.size(); i-- > half;) b.write(files[i].first, files[i].second);
  index_and_embed(b.path());
  for (size_t i = half; i-- > 0;) b.write(files[i].first, files[i].second);
  index_and_embed(b.path());

  auto ea = open(a.path(), Engine::Mode::kRead), eb = open(b.path(), Engine::Mode::kRead);
  for (SearchMode mode : {SearchMode::kHybrid, SearchMode::kBm25, SearchMode::kVector}) {
    for (const char* q : kQueries) {
      for (int limit : {1, 3, 5, 11}) {
        auto ra = answer(*ea, q, mode, limit), rb = answer(*eb, q, mode, limit);
        EXPECT_EQ(ra, rb) << search_mode_name(mode) << " '" << q << "' limit " << limit;
        EXPECT_FALSE(ra.empty());
      }
    }
  }
  // The tie group (12 identical files) is cut by the limit in location order.
  auto top = answer(*ea, "parse invoice line", SearchMode::kBm25, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].rfind("src/copy_00.py:1 ", 0), 0u) << top[0];
  EXPECT_EQ(top[1].rfind("src/copy_01.py:1 ", 0), 0u) << top[1];
  EXPECT_EQ(top[2].rfind("src/copy_02.py:1 ", 0), 0u) << top[2];
}

// Another program truncates the vector file while a long-lived Engine (a server) has it
// mapped: the next search does not die of SIGBUS; it answers from the SQLite rows exactly as
// a process without the file does, says so in a warning, and rewrites the file.
TEST(VectorFileEngine, FileTruncatedWhileMappedFallsBackToSqliteAndIsRewritten) {
  TempDir d;
  for (auto& [p, c] : tree()) d.write(p, c);
  index_and_embed(d.path());
  const fs::path vf = only_vector_file(d.path());
  ASSERT_FALSE(vf.empty());
  const SearchMode modes[] = {SearchMode::kHybrid, SearchMode::kVector};
  std::vector<std::vector<std::string>> from_sqlite;
  fs::remove(vf);
  {
    auto e = open(d.path(), Engine::Mode::kRead);
    for (SearchMode m : modes)
      for (const char* q : kQueries) from_sqlite.push_back(answer(*e, q, m));
    EXPECT_STREQ(e->vector_source(), "sqlite");
  }
  ASSERT_TRUE(fs::exists(vf));
  for (off_t to : {off_t(0), off_t(fs::file_size(vf) / 2)}) {
    SCOPED_TRACE("truncated to " + std::to_string(to));
    auto e = open(d.path(), Engine::Mode::kRead);
    size_t i = 0;
    for (SearchMode m : modes)
      for (const char* q : kQueries) EXPECT_EQ(answer(*e, q, m), from_sqlite[i++]) << q;
    ASSERT_STREQ(e->vector_source(), "file");
    int fd = ::open(vf.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, to), 0);
    ::close(fd);
    SearchRequest req;
    req.query = kQueries[0];
    req.mode = SearchMode::kHybrid;
    req.limit = 5;
    auto r = e->search(req);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_STREQ(e->vector_source(), "sqlite");
    bool warned = false;
    for (const auto& w : r->warnings)
      warned |= w.find("was truncated or changed while in use") != std::string::npos &&
                w.find(vf.filename().string()) != std::string::npos;
    EXPECT_TRUE(warned) << "no warning about the truncated file";
    // Every answer equals the SQLite one (the first query again included).
    i = 0;
    for (SearchMode m : modes)
      for (const char* q : kQueries) EXPECT_EQ(answer(*e, q, m), from_sqlite[i++]) << q;
    ASSERT_TRUE(fs::exists(vf));
    auto next = open(d.path(), Engine::Mode::kRead);  // the file was rewritten whole
    EXPECT_EQ(answer(*next, kQueries[1], SearchMode::kVector), from_sqlite[4]);
    EXPECT_STREQ(next->vector_source(), "file");
  }
}

}  // namespace
}  // namespace pampax
