#include "store/index_store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "../test_util.h"
#include "util/compress.h"
#include "util/hash.h"

namespace pampax {
namespace {

using testing::TempDir;

struct ChunkSpec {
  std::string kind, name, text;
};

// A file whose text is the chunks' texts concatenated, one chunk per spec.
FileWrite file(std::string path, std::vector<ChunkSpec> specs) {
  FileWrite w;
  w.path = std::move(path);
  w.lang = "cpp";
  std::string content;
  uint32_t line = 1;
  for (const ChunkSpec& sp : specs) {
    StoredChunk c;
    c.kind = sp.kind;
    c.name = sp.name;
    c.qualified_name = sp.name.empty() ? "" : "Config." + sp.name;
    c.start_line = line;
    c.end_line = line + 1;
    line += 2;
    c.start_byte = static_cast<uint32_t>(content.size());
    content += sp.text;
    c.end_byte = static_cast<uint32_t>(content.size());
    c.tokens = static_cast<uint32_t>(sp.text.size() / 4 + 1);
    c.symbol = sp.name.empty() ? -1 : 0;
    w.chunks.push_back(c);
  }
  w.content_hash = content_hash(content);
  w.size = content.size();
  w.lines = line;
  w.text_zstd = zstd_compress(content);
  // The signature is a byte range of the text: "void parseConfig()" when the first chunk is
  // the parseConfig one.
  w.symbols.push_back({"parseConfig", "Config.parseConfig", "method", 1, 3, -1, 0, 18});
  w.refs.push_back({"loadFile", {2, 5}});
  return w;
}

std::vector<int64_t> search_ids(IndexStore& s, const std::string& match, SearchFilters f = {}) {
  const double w[4] = {1, 1, 1, 1};
  auto r = s.fts_search(match, f, w, 10);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::vector<int64_t> ids;
  if (r.ok())
    for (auto& h : *r) ids.push_back(h.chunk_id);
  return ids;
}

TEST(IndexStore, WriteSearchReplaceDelete) {
  TempDir dir;
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(s.ok()) << s.status().message();
  IndexStore& st = **s;
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_file(file("src/config.cpp",
                               {{"method", "parseConfig", "void parseConfig() { loadFile(); }"},
                                {"code", "", "#include <string>\nint kMaxSize = 3;"}}))
                  .ok());
  ASSERT_TRUE(st.commit().ok());

  // Whole identifier, sub-word, path token and SCREAMING_CASE part all match.
  EXPECT_EQ(search_ids(st, "\"parseconfig\"").size(), 1u);
  EXPECT_EQ(search_ids(st, "\"config\"").size(), 2u);  // path token matches both chunks
  EXPECT_EQ(search_ids(st, "\"max\"").size(), 1u);
  EXPECT_TRUE(search_ids(st, "\"nothing\"").empty());
  EXPECT_EQ(search_ids(st, "\"config\"", SearchFilters{"cpp", "src/*", "method"}).size(), 1u);
  EXPECT_TRUE(search_ids(st, "\"config\"", SearchFilters{"python", "", ""}).empty());

  auto ids = search_ids(st, "\"loadfile\"");
  ASSERT_EQ(ids.size(), 1u);
  auto row = st.get_chunk(ids[0]);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->text, "void parseConfig() { loadFile(); }");
  EXPECT_EQ(row->path, "src/config.cpp");
  EXPECT_EQ(row->qualified_name, "Config.parseConfig");
  EXPECT_EQ(row->signature, "void parseConfig()");  // from the chunk's symbol
  auto rows = st.get_chunks({ids[0], 999999, ids[0]});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);  // unknown ids are skipped
  auto meta = st.get_chunk_meta({ids[0], 999999, ids[0]});
  ASSERT_TRUE(meta.ok());
  ASSERT_EQ(meta->size(), 2u);  // in the order asked, unknown ids skipped
  EXPECT_EQ((*meta)[0].id, ids[0]);
  EXPECT_EQ((*meta)[1].id, ids[0]);
  EXPECT_EQ((*meta)[0].qualified_name, "Config.parseConfig");
  EXPECT_EQ((*meta)[0].path, "src/config.cpp");
  EXPECT_TRUE(st.get_chunk_meta({})->empty());

  // Replacing the file removes the old text from the full-text index.
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_file(file("src/config.cpp", {{"function", "readSettings", "int readSettings();"}})).ok());
  ASSERT_TRUE(st.commit().ok());
  EXPECT_TRUE(search_ids(st, "\"parseconfig\"").empty());
  EXPECT_EQ(search_ids(st, "\"settings\"").size(), 1u);
  auto counts = st.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->files, 1);
  EXPECT_EQ(counts->chunks, 1);
  EXPECT_EQ(counts->symbols, 1);
  EXPECT_EQ(counts->refs, 1);
  EXPECT_EQ(*st.integrity_check(), "ok");

  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.delete_file("src/config.cpp").ok());
  ASSERT_TRUE(st.delete_file("does/not/exist").ok());
  ASSERT_TRUE(st.commit().ok());
  EXPECT_TRUE(search_ids(st, "\"settings\"").empty());
  EXPECT_EQ(st.counts()->chunks, 0);
  EXPECT_EQ(*st.integrity_check(), "ok");
}

TEST(IndexStore, TermDocCount) {
  TempDir dir;
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->begin().ok());
  ASSERT_TRUE((*s)->put_file(file("a.cpp", {{"code", "", "alpha beta"}, {"code", "", "beta"}})).ok());
  ASSERT_TRUE((*s)->commit().ok());
  EXPECT_EQ(*(*s)->term_doc_count("beta"), 2);
  EXPECT_EQ(*(*s)->term_doc_count("alpha"), 1);
  EXPECT_EQ(*(*s)->term_doc_count("gamma"), 0);
}

// The term filter written with the hot-term lists lets candidate lookups skip words the index
// cannot hold; it must never hide a word the index had when it was written. A word written
// later still counts exactly when asked as a typed word (not as a candidate).
TEST(IndexStore, TermFilterNeverHidesAWordOfTheIndex) {
  TempDir dir;
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(s.ok());
  std::vector<std::string> words;
  ASSERT_TRUE((*s)->begin().ok());
  for (int f = 0; f < 40; ++f) {
    std::string text;
    for (int i = 0; i < 25; ++i) {
      std::string w;
      for (int n = f * 25 + i + 1; n > 0; n /= 26) w += static_cast<char>('a' + n % 26);
      w += "word";
      text += w + " ";
      words.push_back(w);
    }
    ASSERT_TRUE((*s)->put_file(file("f" + std::to_string(f) + ".txt", {{"text", "", text}})).ok());
  }
  ASSERT_TRUE((*s)->commit().ok());
  const double w[4] = {2, 4, 1.5, 1};
  ASSERT_TRUE((*s)->rebuild_hot_terms(w, 1000, 10, 1).ok());
  auto exact = (*s)->term_doc_counts(words, false);
  auto filtered = (*s)->term_doc_counts(words, true);
  ASSERT_TRUE(exact.ok() && filtered.ok());
  EXPECT_EQ(*exact, *filtered);
  for (int64_t n : *exact) EXPECT_EQ(n, 1);
  // Absent words count 0 either way.
  auto absent = (*s)->term_doc_counts({"zzzqword", "nothere"}, true);
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(*absent, (std::vector<int64_t>{0, 0}));

  ASSERT_TRUE((*s)->begin().ok());
  ASSERT_TRUE((*s)->put_file(file("late.txt", {{"text", "", "latecomer"}})).ok());
  ASSERT_TRUE((*s)->commit().ok());
  auto late = (*s)->term_doc_counts({"latecomer"}, false);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->at(0), 1);
}

double score_of(IndexStore& s, const std::string& match, int64_t id, const double w[4]) {
  auto r = s.fts_search(match, {}, w, 100);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok())
    for (auto& h : *r)
      if (h.chunk_id == id) return h.score;
  return 0;
}

// pampax_rank is BM25F over term presence: a sum over query terms (the lexical searcher relies
// on it to add precomputed scores of frequent terms), favouring rare terms, short fields and
// heavier columns.
TEST(IndexStore, RankFunctionProperties) {
  TempDir dir;
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(s.ok());
  IndexStore& st = **s;
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_file(file("a.cpp", {{"code", "", "alpha common"},
                                         {"code", "", "common filler words here and more words to make it long alpha"},
                                         {"code", "", "common beta"},
                                         {"function", "gamma", "int x;"},
                                         {"code", "", "gamma common words"}}))
                  .ok());
  ASSERT_TRUE(st.commit().ok());
  std::vector<int64_t> ids = search_ids(st, "\"common\" OR \"int\"");
  ASSERT_EQ(ids.size(), 5u);
  std::sort(ids.begin(), ids.end());  // row ids follow chunk order
  const double w[4] = {1, 4, 1, 1};
  // Additivity.
  double a = score_of(st, "\"alpha\"", ids[0], w), c = score_of(st, "\"common\"", ids[0], w);
  double both = score_of(st, "\"alpha\" OR \"common\"", ids[0], w);
  ASSERT_GT(a, 0);
  ASSERT_GT(c, 0);
  EXPECT_NEAR(both, a + c, 1e-9);
  // The rare term outweighs the one in every row.
  EXPECT_GT(a, c);
  // The same single occurrence counts more in a short body than in a long one.
  EXPECT_GT(a, score_of(st, "\"alpha\"", ids[1], w));
  // A symbol-name match (weight 4) beats a body-only match of the same term.
  EXPECT_GT(score_of(st, "\"gamma\"", ids[3], w), score_of(st, "\"gamma\"", ids[4], w));
  const double flat[4] = {1, 0, 1, 1};
  EXPECT_LT(score_of(st, "\"gamma\"", ids[3], flat), score_of(st, "\"gamma\"", ids[3], w));
  // Per-phrase weights multiply each term's share (query expansion uses them).
  auto r = st.fts_search("\"alpha\" OR \"common\"", {}, w, 100, "0.5,2");
  ASSERT_TRUE(r.ok());
  double weighted = 0;
  for (auto& h : *r)
    if (h.chunk_id == ids[0]) weighted = h.score;
  EXPECT_NEAR(weighted, 0.5 * a + 2 * c, 1e-9);
}

// The embeddings table is keyed by content: identical chunks share a vector, a file that is
// re-written with the same text finds its vectors again, other models are pruned.
TEST(IndexStore, EmbeddingsAreKeyedByContentAndModel) {
  TempDir dir;
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(s.ok());
  IndexStore& st = **s;
  FileWrite a = file("a.cpp", {{"code", "", "alpha"}, {"code", "", "beta"}});
  FileWrite b = file("b.cpp", {{"code", "", "alpha copy"}});
  a.chunks[0].hash = 11;
  a.chunks[1].hash = 22;
  b.chunks[0].hash = 11;  // same embed text as a's first chunk
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_file(a).ok());
  ASSERT_TRUE(st.put_file(b).ok());
  ASSERT_TRUE(st.commit().ok());

  auto pending = st.pending_embeddings("m1", 0, 100);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ(st.embed_counts("m1")->embedded, 0);
  const float v[4] = {1, 0, 0, 1};  // two 2-d vectors
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_embeddings("m1", {11, 22}, v, 2).ok());
  ASSERT_TRUE(st.commit().ok());
  EXPECT_TRUE(st.pending_embeddings("m1", 0, 100)->empty());
  EXPECT_EQ(st.pending_embeddings("m2", 0, 100)->size(), 3u);
  auto counts = st.embed_counts("m1");
  EXPECT_EQ(counts->chunks, 3);
  EXPECT_EQ(counts->embedded, 3);  // hash 11 serves two chunks

  std::vector<int64_t> ids;
  std::vector<float> m;
  ASSERT_TRUE(st.load_vectors("m1", 2, &ids, &m).ok());
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(m, (std::vector<float>{1, 0, 0, 1, 1, 0}));  // a0 (11), a1 (22), b0 (11)
  EXPECT_EQ(st.load_vectors("m1", 3, &ids, &m).code(), Code::kCorrupt);

  // Deleting and re-adding a.cpp: its vectors are still there (cache hit), nothing pending.
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.delete_file("a.cpp").ok());
  ASSERT_TRUE(st.commit().ok());
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_file(a).ok());
  ASSERT_TRUE(st.commit().ok());
  EXPECT_TRUE(st.pending_embeddings("m1", 0, 100)->empty());

  // Pruning: other models go; unreferenced vectors of this model beyond the allowance go.
  const float w[2] = {0.5f, 0.5f};
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.put_embeddings("m2", {11}, w, 2).ok());
  ASSERT_TRUE(st.put_embeddings("m1", {99}, w, 2).ok());  // referenced by no chunk
  ASSERT_TRUE(st.prune_embeddings("m1", 1).ok());
  ASSERT_TRUE(st.commit().ok());
  Stmt q = st.db().must_prepare("SELECT model || ':' || hash FROM embeddings ORDER BY 1");
  std::vector<std::string> rows;
  while (q.step()) rows.emplace_back(q.col_text(0));
  EXPECT_EQ(rows, (std::vector<std::string>{"m1:11", "m1:22", "m1:99"}));
  ASSERT_TRUE(st.begin().ok());
  ASSERT_TRUE(st.prune_embeddings("m1", 0).ok());
  ASSERT_TRUE(st.commit().ok());
  EXPECT_EQ(st.embed_counts("m1")->embedded, 3);
  Stmt n = st.db().must_prepare("SELECT count(*) FROM embeddings");
  ASSERT_TRUE(n.step());
  EXPECT_EQ(n.col_int(0), 2);
}

TEST(IndexStore, ReopenKeepsDataAndSchemaVersion) {
  TempDir dir;
  std::string path = (dir / "index.db").string();
  {
    auto s = IndexStore::open(path, Db::Mode::kCreate);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->begin().ok());
    ASSERT_TRUE((*s)->put_file(file("a.cpp", {{"code", "", "alpha"}})).ok());
    ASSERT_TRUE((*s)->commit().ok());
  }
  auto s = IndexStore::open(path, Db::Mode::kReadWrite);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ((*s)->meta("schema_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ((*s)->counts()->files, 1);
}

TEST(IndexStore, GarbageFileIsCorruptWithRebuildAdvice) {
  TempDir dir;
  dir.write("index.db", std::string(8192, 'x'));
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kReadWrite);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kCorrupt);
  EXPECT_NE(s.status().message().find("pampax index"), std::string::npos) << s.status().message();
}

TEST(IndexStore, ForeignSqliteDatabaseIsRefused) {
  TempDir dir;
  std::string path = (dir / "index.db").string();
  {
    auto db = Db::open(path, Db::Mode::kCreate);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)").ok());
  }
  for (Db::Mode mode : {Db::Mode::kReadWrite, Db::Mode::kCreate}) {
    auto s = IndexStore::open(path, mode);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), Code::kCorrupt);
    EXPECT_NE(s.status().message().find("not a pampax index"), std::string::npos);
  }
  // The foreign database is untouched.
  auto db = Db::open(path, Db::Mode::kReadOnly);
  ASSERT_TRUE(db.ok());
  Stmt q = (*db)->must_prepare("SELECT count(*) FROM sqlite_schema");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.col_int(0), 1);
}

TEST(IndexStore, NewerSchemaIsUnsupported) {
  TempDir dir;
  std::string path = (dir / "index.db").string();
  {
    auto s = IndexStore::open(path, Db::Mode::kCreate);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->set_meta("schema_version", "999").ok());
  }
  auto s = IndexStore::open(path, Db::Mode::kReadWrite);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnsupported);
}

TEST(IndexStore, RolledBackBatchLeavesNothing) {
  TempDir dir;
  auto s = IndexStore::open((dir / "index.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->begin().ok());
  ASSERT_TRUE((*s)->put_file(file("a.cpp", {{"code", "", "alpha"}})).ok());
  ASSERT_TRUE((*s)->rollback().ok());
  EXPECT_EQ((*s)->counts()->files, 0);
  EXPECT_TRUE(search_ids(**s, "\"alpha\"").empty());
  EXPECT_EQ(*(*s)->integrity_check(), "ok");
}

}  // namespace
}  // namespace pampax

namespace pampax {
namespace {

TEST(IndexStore, EmptyDatabaseIsNoIndexYetAndBecomesOne) {
  testing::TempDir dir;
  std::string path = (dir / "index.db").string();
  {
    // What a first `pampax index` killed right after creating the file leaves behind.
    auto db = Db::open(path, Db::Mode::kCreate);
    ASSERT_TRUE(db.ok());
  }
  auto reader = IndexStore::open(path, Db::Mode::kReadWrite);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), Code::kNotFound);
  EXPECT_NE(reader.status().message().find("pampax index"), std::string::npos);
  auto writer = IndexStore::open(path, Db::Mode::kCreate);
  ASSERT_TRUE(writer.ok()) << writer.status().message();
  EXPECT_EQ((*writer)->counts()->files, 0);
}

}  // namespace
}  // namespace pampax
