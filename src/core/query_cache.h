// The query-result cache: whole search responses by request, in two tiers: a hot in-memory
// LRU in the Engine and the index's query_cache table (shared by every process on the
// index). An entry is served only at the index generation it was computed at (see
// IndexStore::generation(): any committed change to files, vectors, hot terms, expansions
// or the embedder bumps it), within its TTL, and for byte-identical request text, so a
// cached search returns exactly what an uncached one would on the same index.
// One instance per Engine; not thread-safe (the Engine serialises searches).
#pragma once
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/engine.h"
#include "util/status.h"

namespace pampax {

struct QueryCacheOptions {
  bool enabled = true;
  size_t memory_entries = 256;            // hot LRU bounds
  size_t memory_bytes = 16u << 20;
  int64_t max_entries = 2000;             // table bounds (least recently used go first)
  int64_t max_bytes = 64ll << 20;
  int64_t ttl_seconds = 24 * 3600;        // entries older than this are never served
};

// The cache key of a request: the normalised query (whitespace runs collapsed, ends
// trimmed; case kept, it matters to identifier matching), mode, filters, limit, grouping,
// boosts and expansion, plus `embedder` (what the vector arm would use: the index's model
// and, for a local model file, its size and mtime). Every SearchRequest field must be here,
// except the rerank settings: reranked requests bypass the cache (Engine::search).
std::string query_cache_request(const SearchRequest& req, const std::string& embedder);

// Exact binary encoding of a response (doubles bit for bit, strings byte for byte).
std::string encode_response(const SearchResponse& r);
Result<SearchResponse> decode_response(std::string_view data);

class QueryCache {
 public:
  explicit QueryCache(QueryCacheOptions o = {}) : o_(o) {}
  const QueryCacheOptions& options() const { return o_; }
  void set_options(const QueryCacheOptions& o);

  enum class Tier { kNone, kMemory, kTable };
  // The cached encoded response of `request` at `generation`, and where it came from.
  // Table errors are returned (callers treat them as a miss).
  Result<std::optional<std::string>> get(IndexStore& store, const std::string& request,
                                         int64_t generation, Tier* tier);
  // Stores in memory at once and queues the entry for the table (save()).
  void put(const std::string& request, int64_t generation, std::string encoded);
  // Writes queued entries and hit records to the table in one transaction (the Engine does
  // it with its metrics flush: every 10 s of activity and when it is destroyed), so a search
  // never waits for a write. On failure the queue is kept for the next call (bounded by the
  // memory limits).
  Status save(IndexStore& store);
  size_t unsaved() const { return unsaved_.size() + touched_.size(); }
  void clear_memory();  // also drops what save() has not written
  size_t memory_entries() const { return lru_.size(); }
  size_t memory_bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string request;
    int64_t generation = 0, created_at = 0;
    std::string encoded;
  };
  void remember(Entry e);
  QueryCacheOptions o_;
  std::vector<IndexStore::CacheWrite> unsaved_;
  std::vector<uint64_t> touched_;
  size_t unsaved_bytes_ = 0;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;  // by request
  size_t bytes_ = 0;
};

}  // namespace pampax
