#include "core/query_cache.h"

#include <chrono>
#include <cstring>

#include <cstdio>

#include "util/hash.h"

namespace pampax {

// A field added to SearchRequest changes what a search returns: add it to
// query_cache_request() below, then update this size (x86-64 / arm64 layout).
static_assert(sizeof(SearchRequest) == 376,
              "SearchRequest changed: add the new field to query_cache_request()");

namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string normalise(std::string_view q) {
  std::string out;
  bool space = false;
  for (char c : q) {
    bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// ---- binary encoding ----
void put_u64(std::string& s, uint64_t v) { s.append(reinterpret_cast<const char*>(&v), 8); }
void put_f64(std::string& s, double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  put_u64(s, u);
}
void put_str(std::string& s, std::string_view v) {
  put_u64(s, v.size());
  s.append(v);
}

struct Reader {
  std::string_view d;
  bool ok = true;
  uint64_t u64() {
    if (d.size() < 8) {
      ok = false;
      return 0;
    }
    uint64_t v;
    std::memcpy(&v, d.data(), 8);
    d.remove_prefix(8);
    return v;
  }
  double f64() {
    uint64_t u = u64();
    double v;
    std::memcpy(&v, &u, 8);
    return v;
  }
  std::string str() {
    uint64_t n = u64();
    if (!ok || n > d.size()) {
      ok = false;
      return {};
    }
    std::string v(d.substr(0, n));
    d.remove_prefix(n);
    return v;
  }
};

constexpr uint64_t kFormat = 3;  // 2: language hints and spelling corrections; 3: symbol lines

}  // namespace

std::string query_cache_request(const SearchRequest& r, const std::string& embedder) {
  // Version 2: questions are rewritten (search/query_rewrite.h); answers of 1 are not reused.
  std::string s = "pampax-query-cache 2\n";
  auto field = [&](std::string_view name, std::string_view value) {
    s += name;
    s += '=';
    s += std::to_string(value.size());  // length-prefixed: no value can forge another field
    s += ':';
    s += value;
    s += '\n';
  };
  field("query", normalise(r.query));
  field("mode", search_mode_name(r.mode));
  field("limit", std::to_string(r.limit));
  field("lang", r.filters.lang);
  field("path_glob", r.filters.path_glob);
  field("kind", r.filters.kind);
  field("group_by", group_by_name(r.group_by));
  field("boosts", r.boosts ? "1" : "0");
  field("expand", r.expand ? "1" : "0");
  field("rewrite", r.rewrite ? "1" : "0");
  field("fusion", r.fusion);
  char weight[32];
  std::snprintf(weight, sizeof weight, "%a", r.vector_weight);  // exact (hex float)
  field("vector_weight", weight);
  field("embedder", embedder);
  return s;
}

std::string encode_response(const SearchResponse& r) {
  std::string s;
  put_u64(s, kFormat);
  put_u64(s, static_cast<uint64_t>(r.mode));
  put_u64(s, r.warnings.size());
  for (const std::string& w : r.warnings) put_str(s, w);
  put_u64(s, r.languages.size());
  for (const std::string& l : r.languages) put_str(s, l);
  put_u64(s, r.corrections.size());
  for (const SpellingCorrection& c : r.corrections) {
    put_str(s, c.typed);
    put_str(s, c.searched);
  }
  put_u64(s, r.hits.size());
  for (const SearchHit& h : r.hits) {
    put_u64(s, static_cast<uint64_t>(h.chunk_id));
    for (const std::string* f : {&h.path, &h.lang, &h.kind, &h.symbol, &h.snippet}) put_str(s, *f);
    put_u64(s, h.start_line);
    put_u64(s, h.end_line);
    put_f64(s, h.score);
    put_u64(s, static_cast<uint64_t>(h.grouped));
    put_u64(s, h.symbol_start_line);
    put_u64(s, h.symbol_end_line);
    const Evidence& e = h.evidence;
    for (const ArmEvidence* a : {&e.lexical, &e.vector}) {
      put_u64(s, static_cast<uint64_t>(a->rank));
      put_f64(s, a->score);
    }
    put_f64(s, e.fused);
    put_u64(s, e.boosts.size());
    for (const Boost& b : e.boosts) {
      put_str(s, b.name);
      put_f64(s, b.factor);
    }
    put_u64(s, e.matched_terms.size());
    for (const std::string& t : e.matched_terms) put_str(s, t);
  }
  return s;
}

Result<SearchResponse> decode_response(std::string_view data) {
  Reader in{data};
  if (in.u64() != kFormat) return Corrupt("query cache entry of another format");
  SearchResponse r;
  uint64_t mode = in.u64();
  if (mode > static_cast<uint64_t>(SearchMode::kSymbol)) return Corrupt("query cache entry damaged");
  r.mode = static_cast<SearchMode>(mode);
  for (uint64_t n = in.u64(); in.ok && n > 0; --n) r.warnings.push_back(in.str());
  for (uint64_t n = in.u64(); in.ok && n > 0; --n) r.languages.push_back(in.str());
  for (uint64_t n = in.u64(); in.ok && n > 0; --n) {
    SpellingCorrection c;
    c.typed = in.str();
    c.searched = in.str();
    r.corrections.push_back(std::move(c));
  }
  uint64_t hits = in.u64();
  if (!in.ok || hits > data.size()) return Corrupt("query cache entry damaged");
  r.hits.reserve(hits);
  for (uint64_t i = 0; in.ok && i < hits; ++i) {
    SearchHit h;
    h.chunk_id = static_cast<int64_t>(in.u64());
    for (std::string* f : {&h.path, &h.lang, &h.kind, &h.symbol, &h.snippet}) *f = in.str();
    h.start_line = static_cast<uint32_t>(in.u64());
    h.end_line = static_cast<uint32_t>(in.u64());
    h.score = in.f64();
    h.grouped = static_cast<int>(in.u64());
    h.symbol_start_line = static_cast<uint32_t>(in.u64());
    h.symbol_end_line = static_cast<uint32_t>(in.u64());
    for (ArmEvidence* a : {&h.evidence.lexical, &h.evidence.vector}) {
      a->rank = static_cast<int>(in.u64());
      a->score = in.f64();
    }
    h.evidence.fused = in.f64();
    for (uint64_t n = in.u64(); in.ok && n > 0 && n <= data.size(); --n) {
      Boost b;
      b.name = in.str();
      b.factor = in.f64();
      h.evidence.boosts.push_back(std::move(b));
    }
    for (uint64_t n = in.u64(); in.ok && n > 0 && n <= data.size(); --n)
      h.evidence.matched_terms.push_back(in.str());
    r.hits.push_back(std::move(h));
  }
  if (!in.ok || !in.d.empty()) return Corrupt("query cache entry damaged");
  return r;
}

void QueryCache::set_options(const QueryCacheOptions& o) {
  o_ = o;
  clear_memory();
}

void QueryCache::clear_memory() {
  unsaved_.clear();
  touched_.clear();
  unsaved_bytes_ = 0;
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

void QueryCache::remember(Entry e) {
  auto it = index_.find(e.request);
  if (it != index_.end()) {
    bytes_ -= it->second->request.size() + it->second->encoded.size();
    lru_.erase(it->second);
    index_.erase(it);
  }
  size_t size = e.request.size() + e.encoded.size();
  if (size > o_.memory_bytes || o_.memory_entries == 0) return;
  bytes_ += size;
  lru_.push_front(std::move(e));
  index_[lru_.front().request] = lru_.begin();
  while (lru_.size() > o_.memory_entries || bytes_ > o_.memory_bytes) {
    const Entry& last = lru_.back();
    bytes_ -= last.request.size() + last.encoded.size();
    index_.erase(last.request);
    lru_.pop_back();
  }
}

Result<std::optional<std::string>> QueryCache::get(IndexStore& store, const std::string& request,
                                                   int64_t generation, Tier* tier) {
  *tier = Tier::kNone;
  int64_t oldest = now_s() - o_.ttl_seconds;
  auto it = index_.find(request);
  if (it != index_.end()) {
    if (it->second->generation == generation && it->second->created_at >= oldest) {
      lru_.splice(lru_.begin(), lru_, it->second);
      *tier = Tier::kMemory;
      return std::optional<std::string>(it->second->encoded);
    }
    bytes_ -= it->second->request.size() + it->second->encoded.size();
    lru_.erase(it->second);
    index_.erase(it);
  }
  uint64_t key = hash64(request);
  auto row = store.query_cache_get(key, request);
  if (!row.ok()) return row.status();
  if (!*row || (*row)->generation != generation || (*row)->created_at < oldest)
    return std::optional<std::string>();
  *tier = Tier::kTable;
  if (touched_.size() < o_.memory_entries) touched_.push_back(key);  // LRU order in the table
  remember({request, generation, (*row)->created_at, (*row)->result});
  return std::optional<std::string>(std::move((*row)->result));
}

void QueryCache::put(const std::string& request, int64_t generation, std::string encoded) {
  size_t size = request.size() + encoded.size();
  if (size <= o_.memory_bytes && unsaved_bytes_ + size <= o_.memory_bytes &&
      unsaved_.size() < std::max<size_t>(o_.memory_entries, 1)) {
    unsaved_.push_back({hash64(request), request, encoded, generation, now_s()});
    unsaved_bytes_ += size;
  }
  remember({request, generation, now_s(), std::move(encoded)});
}

Status QueryCache::save(IndexStore& store) {
  if (unsaved_.empty() && touched_.empty()) return Status::Ok();
  Status st = store.query_cache_save(unsaved_, touched_, o_.max_entries, o_.max_bytes,
                                     o_.ttl_seconds);
  if (st.ok()) {
    unsaved_.clear();
    touched_.clear();
    unsaved_bytes_ = 0;
  }
  return st;
}

}  // namespace pampax
