// Fuzz target: query parsing (search/query.h) through the real lexical pipeline. Every text a
// user or agent can type must either search (an FTS5 expression SQLite accepts) or be refused
// as a query without searchable words (kInvalidArgument), never fail inside SQLite.
// Input: byte 0 picks mode/grouping/expansion, the rest is the query.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "search/query.h"
#include "search/searcher.h"
#include "store/index_store.h"
#include "util/compress.h"
#include "util/hash.h"

using namespace pampax;

namespace {

// A small in-memory index: one file, four chunks with identifiers, prose and punctuation.
IndexStore* test_store() {
  static std::unique_ptr<IndexStore> store = [] {
    auto s = IndexStore::open(":memory:", Db::Mode::kCreate);
    FUZZ_CHECK(s.ok(), "%s", s.status().message().c_str());
    const char* texts[] = {
        "function parseConfig(path) { return loadFile(path).split('\\n'); }\n",
        "// Reads the user's settings; returns defaults when missing.\nclass SettingsStore {}\n",
        "SELECT * FROM \"users\" WHERE name = 'o''brien'; -- ~stem \"quoted\" NEAR(a b)\n",
        "def get_user_name(self): return self._name  # AND OR NOT * ^ :\n"};
    FileWrite w;
    w.path = "src/config.js";
    w.lang = "javascript";
    std::string content;
    uint32_t line = 1;
    int i = 0;
    for (const char* t : texts) {
      StoredChunk c;
      c.kind = i % 2 ? "class" : "function";
      c.name = "name" + std::to_string(i);
      c.qualified_name = "Config." + c.name;
      c.start_line = line;
      c.end_line = line + 1;
      line += 2;
      c.start_byte = static_cast<uint32_t>(content.size());
      content += t;
      c.end_byte = static_cast<uint32_t>(content.size());
      c.tokens = 10;
      c.hash = static_cast<uint64_t>(++i);
      w.chunks.push_back(c);
    }
    w.content_hash = content_hash(content);
    w.size = content.size();
    w.lines = line;
    w.text_zstd = zstd_compress(content);
    FUZZ_CHECK((*s)->begin().ok(), "begin");
    Status st = (*s)->put_file(w);
    FUZZ_CHECK(st.ok(), "%s", st.message().c_str());
    FUZZ_CHECK((*s)->commit().ok(), "commit");
    return std::move(s).value();
  }();
  return store.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t opts = data[0];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  ParsedQuery q = parse_query(text);
  std::set<std::string> seen;
  for (const QueryTerm& t : q.terms) {
    FUZZ_CHECK(!t.text.empty(), "empty term");
    FUZZ_CHECK(seen.insert(t.text).second, "duplicate term '%s'", t.text.c_str());
  }
  std::vector<std::string> words;
  for (const QueryTerm& t : q.terms) words.push_back(t.text);
  (void)fts_or_expression(words);

  SearchRequest req;
  req.query = text;
  req.limit = 5;
  req.mode = (opts & 1) ? SearchMode::kSymbol : SearchMode::kBm25;
  req.group_by = (opts & 2) ? GroupBy::kFile : GroupBy::kNone;
  req.expand = (opts & 4) != 0;
  req.boosts = (opts & 8) == 0;
  if (opts & 16) req.filters.path_glob = "src/*";
  Searcher searcher(*test_store());
  auto r = searcher.search(req);
  FUZZ_CHECK(r.ok() || r.status().code() == Code::kInvalidArgument, "search failed: %s",
             r.status().message().c_str());
  if (r.ok())
    for (const SearchHit& h : *r) FUZZ_CHECK(h.path == "src/config.js", "%s", h.path.c_str());
  return 0;
}
