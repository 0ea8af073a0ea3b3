// The query-result cache: exact encoding, request keys, the memory LRU, and above all that a
// search through the cache returns exactly what an uncached search returns, before and after
// the index changes, in one Engine and across Engines (processes share the table).
#include "core/query_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "../test_util.h"
#include "core/engine.h"
#include "ops/metrics.h"

namespace pampax {
namespace {

using testing::TempDir;

SearchResponse sample_response() {
  SearchResponse r;
  r.mode = SearchMode::kBm25;
  r.warnings = {"lexical results only: x", ""};
  SearchHit h;
  h.chunk_id = 42;
  h.path = "src/a.py";
  h.lang = "python";
  h.kind = "function";
  h.symbol = "A.f";
  h.start_line = 3;
  h.end_line = 9;
  h.score = 0.1 + 0.2;  // not representable in few digits
  h.snippet = std::string("bad \xff\xfe utf8 \0 nul", 17);  // with the NUL
  h.grouped = 3;
  h.symbol_start_line = 2;
  h.symbol_end_line = 40;
  h.evidence.lexical = {1, 17.25};
  h.evidence.vector = {0, 0};
  h.evidence.fused = std::numeric_limits<double>::denorm_min();
  h.evidence.boosts = {{"symbol-match", 1.5}, {"test-file", 0.8}};
  h.evidence.matched_terms = {"refresh", "~token"};
  r.hits.push_back(h);
  h.chunk_id = -1;
  h.score = -0.0;
  h.evidence.boosts.clear();
  r.hits.push_back(h);
  return r;
}

void expect_same(const SearchResponse& a, const SearchResponse& b) {
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.warnings, b.warnings);
  ASSERT_EQ(a.hits.size(), b.hits.size());
  for (size_t i = 0; i < a.hits.size(); ++i) {
    const SearchHit &x = a.hits[i], &y = b.hits[i];
    EXPECT_EQ(x.chunk_id, y.chunk_id);
    EXPECT_EQ(x.path, y.path);
    EXPECT_EQ(x.lang, y.lang);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.symbol, y.symbol);
    EXPECT_EQ(x.start_line, y.start_line);
    EXPECT_EQ(x.end_line, y.end_line);
    EXPECT_EQ(std::memcmp(&x.score, &y.score, sizeof(double)), 0) << x.score << " vs " << y.score;
    EXPECT_EQ(x.snippet, y.snippet);
    EXPECT_EQ(x.grouped, y.grouped);
    EXPECT_EQ(x.symbol_start_line, y.symbol_start_line);
    EXPECT_EQ(x.symbol_end_line, y.symbol_end_line);
    EXPECT_EQ(x.evidence.lexical.rank, y.evidence.lexical.rank);
    EXPECT_EQ(x.evidence.lexical.score, y.evidence.lexical.score);
    EXPECT_EQ(x.evidence.vector.rank, y.evidence.vector.rank);
    EXPECT_EQ(x.evidence.vector.score, y.evidence.vector.score);
    EXPECT_EQ(x.evidence.fused, y.evidence.fused);
    ASSERT_EQ(x.evidence.boosts.size(), y.evidence.boosts.size());
    for (size_t k = 0; k < x.evidence.boosts.size(); ++k) {
      EXPECT_EQ(x.evidence.boosts[k].name, y.evidence.boosts[k].name);
      EXPECT_EQ(x.evidence.boosts[k].factor, y.evidence.boosts[k].factor);
    }
    EXPECT_EQ(x.evidence.matched_terms, y.evidence.matched_terms);
  }
}

TEST(QueryCacheEncoding, RoundTripIsExact) {
  SearchResponse r = sample_response();
  std::string enc = encode_response(r);
  auto back = decode_response(enc);
  ASSERT_TRUE(back.ok()) << back.status().message();
  expect_same(r, *back);
  EXPECT_EQ(encode_response(*back), enc);
}

TEST(QueryCacheEncoding, DamagedEntriesAreRejectedNotMisread) {
  std::string enc = encode_response(sample_response());
  for (size_t cut : {size_t{0}, size_t{7}, size_t{8}, enc.size() / 2, enc.size() - 1}) {
    auto r = decode_response(std::string_view(enc).substr(0, cut));
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
  }
  auto extra = decode_response(enc + "x");
  EXPECT_FALSE(extra.ok());
  std::string other = enc;
  other[0] = 9;  // another format version
  EXPECT_FALSE(decode_response(other).ok());
}

TEST(QueryCacheKey, NormalisesWhitespaceOnlyAndCoversEveryField) {
  SearchRequest a;
  a.query = "  refresh\t token \n";
  SearchRequest b;
  b.query = "refresh token";
  EXPECT_EQ(query_cache_request(a, ""), query_cache_request(b, ""));
  std::set<std::string> keys = {query_cache_request(b, "")};
  auto differs = [&](SearchRequest r, const std::string& emb = "") {
    EXPECT_TRUE(keys.insert(query_cache_request(r, emb)).second);
  };
  SearchRequest c = b;
  c.query = "Refresh token";  // case matters to identifier matching
  differs(c);
  c = b; c.limit = 11; differs(c);
  c = b; c.mode = SearchMode::kSymbol; differs(c);
  c = b; c.filters.lang = "python"; differs(c);
  c = b; c.filters.path_glob = "src/*"; differs(c);
  c = b; c.filters.kind = "function"; differs(c);
  c = b; c.group_by = GroupBy::kFile; differs(c);
  c = b; c.group_by = GroupBy::kNone; differs(c);
  c = b; c.boosts = false; differs(c);
  c = b; c.expand = true; differs(c);
  differs(b, "gguf model 1");
  // A value cannot forge another field.
  c = b;
  c.query = "refresh token\nmode=5:bm25";
  differs(c);
}

TEST(QueryCacheMemory, LruBoundsByEntriesAndBytes) {
  TempDir d;
  auto store = IndexStore::open((d / "i.db").string(), Db::Mode::kCreate);
  ASSERT_TRUE(store.ok());
  QueryCacheOptions o;
  o.memory_entries = 3;
  o.memory_bytes = 1000;
  QueryCache cache(o);
  const int64_t g = (*store)->generation().value();
  for (int i = 0; i < 3; ++i) cache.put("r" + std::to_string(i), g, "v");
  // Written to the table only by save() (searches never wait for a write).
  EXPECT_EQ((*store)->query_cache_stats()->entries, 0);
  EXPECT_EQ(cache.unsaved(), 3u);
  ASSERT_TRUE(cache.save(**store).ok());
  EXPECT_EQ((*store)->query_cache_stats()->entries, 3);
  EXPECT_EQ(cache.unsaved(), 0u);
  for (int i = 3; i < 5; ++i) cache.put("r" + std::to_string(i), g, "v");
  EXPECT_EQ(cache.memory_entries(), 3u);
  cache.put("big", g, std::string(900, 'x'));
  EXPECT_LE(cache.memory_bytes(), 1000u);
  ASSERT_TRUE(cache.save(**store).ok());
  // An entry of an older generation is not written.
  cache.put("old", g - 1, "v");
  ASSERT_TRUE(cache.save(**store).ok());
  EXPECT_EQ((*store)->query_cache_stats()->entries, 6);
  // Evicted from memory but still in the table: served from there.
  cache.clear_memory();
  QueryCache::Tier tier;
  auto got = cache.get(**store, "r0", g, &tier);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "v");
  EXPECT_EQ(tier, QueryCache::Tier::kTable);
  got = cache.get(**store, "r0", g, &tier);
  EXPECT_EQ(tier, QueryCache::Tier::kMemory);
  // Another generation is never served, from either tier.
  got = cache.get(**store, "r0", g + 1, &tier);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(tier, QueryCache::Tier::kNone);
}

// ---- through the Engine ----

void write_repo(const TempDir& d) {
  d.write("src/auth/session.py",
          "class SessionStore:\n"
          "    \"\"\"Keeps user sessions in memory.\"\"\"\n"
          "    def refresh_token(self, user_id):\n"
          "        \"\"\"Issue a new token for the user.\"\"\"\n"
          "        return user_id\n\n"
          "def validate_password(password):\n"
          "    return len(password) >= 12\n");
  d.write("src/net/server.cpp",
          "// Parses one HTTP request line.\n"
          "int parseRequestLine(const char* line) { return line != 0; }\n"
          "class HttpServer { public: void listen(int port); };\n");
  d.write("tests/test_session.py", "def test_refresh_token():\n    assert refresh_token(1)\n");
  d.write("docs/guide.md", "# Guide\n\nHow to rotate the session token safely.\n");
}

std::vector<SearchRequest> requests() {
  std::vector<SearchRequest> out;
  for (const char* q : {"refresh token", "session", "parseRequestLine", "how to rotate a token",
                        "HttpServer listen port", "password"}) {
    SearchRequest r;
    r.query = q;
    out.push_back(r);
    r.mode = SearchMode::kSymbol;
    out.push_back(r);
    r.mode = SearchMode::kBm25;
    r.limit = 2;
    r.filters.lang = "python";
    out.push_back(r);
    r.filters = {};
    r.group_by = GroupBy::kFile;
    out.push_back(r);
  }
  return out;
}

MetricsSnapshot snap(Engine& e) { return e.metrics().snapshot(); }

TEST(QueryCacheEngine, CachedSearchEqualsUncachedBeforeAndAfterChanges) {
  TempDir d;
  write_repo(d);
  auto opened = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Engine& e = **opened;
  ASSERT_TRUE(e.index({}).ok());
  auto uncached = [&](const SearchRequest& r) {
    QueryCacheOptions saved = e.query_cache().options(), off = saved;
    off.enabled = false;
    e.query_cache().set_options(off);
    auto out = e.search(r);
    e.query_cache().set_options(saved);
    return out;
  };
  for (int round = 0; round < 2; ++round) {
    for (const SearchRequest& r : requests()) {
      auto fresh = uncached(r);
      auto first = e.search(r);   // miss: computed and stored
      auto second = e.search(r);  // hit (memory)
      ASSERT_EQ(fresh.ok(), first.ok()) << r.query;
      if (!fresh.ok()) {
        EXPECT_EQ(fresh.status().message(), second.status().message());
        continue;
      }
      ASSERT_TRUE(second.ok());
      expect_same(*fresh, *first);
      expect_same(*fresh, *second);
    }
    // Change the tree: an edit, a new file and a deletion; the update bumps the generation,
    // so no cached answer of the old index is served.
    d.write("src/auth/session.py", "def rotate_refresh_token(session):\n    return session\n");
    d.write("src/net/password.py", "def password_strength(password):\n    return 1\n");
    std::filesystem::remove(d / "tests/test_session.py");
    ASSERT_TRUE(e.index({}).ok());
  }
  MetricsSnapshot m = snap(e);
  double hits = m.counter(kCacheHitsTotal, label("cache", "query"));
  double misses = m.counter(kCacheMissesTotal, label("cache", "query"));
  EXPECT_EQ(hits, 2.0 * static_cast<double>(requests().size()));
  EXPECT_EQ(misses, 2.0 * static_cast<double>(requests().size()));
  EXPECT_GT(m.operation("search").count, 0u);
  bool hit = true;
  EXPECT_EQ(m.operation("search", &hit).count, static_cast<uint64_t>(hits));
  EXPECT_GT(m.operation("database").count, 0u);  // SQLite reads are timed too
}

TEST(QueryCacheEngine, AnotherEngineIsServedFromTheTableUntilTheIndexChanges) {
  TempDir d;
  write_repo(d);
  {
    auto w = Engine::open(d.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->index({}).ok());
  }
  SearchRequest r;
  r.query = "refresh token";
  SearchResponse expected;
  {
    auto a = Engine::open(d.path(), Engine::Mode::kRead);
    ASSERT_TRUE(a.ok());
    auto res = (*a)->search(r);
    ASSERT_TRUE(res.ok());
    expected = *res;
  }
  auto b = Engine::open(d.path(), Engine::Mode::kRead);
  ASSERT_TRUE(b.ok());
  auto res = (*b)->search(r);
  ASSERT_TRUE(res.ok());
  expect_same(expected, *res);
  MetricsSnapshot m = (*b)->metrics().snapshot();
  EXPECT_EQ(m.counter(kCacheHitsTotal, label("cache", "query")), 1);  // this engine: a hit
  // A writer changes the index meanwhile: b must see the new answer, not its memory copy.
  d.write("src/auth/session.py", "def nothing_here():\n    return 0\n");
  {
    auto w = Engine::open(d.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->index({}).ok());
  }
  auto after = (*b)->search(r);
  ASSERT_TRUE(after.ok());
  for (const SearchHit& h : after->hits) EXPECT_NE(h.path, "src/auth/session.py");
  m = (*b)->metrics().snapshot();
  EXPECT_EQ(m.counter(kCacheMissesTotal, label("cache", "query")), 1);
}

}  // namespace
}  // namespace pampax
