// Engine: the operations wrappers (metrics, query cache) around index(), embed() and
// search(), whose bodies are the *_uncached functions in engine.cpp.
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <mutex>

#include "core/engine.h"
#include "core/query_cache.h"
#include "ops/metrics.h"

namespace pampax {

struct EngineOps {
  explicit EngineOps(IndexStore& s) : store(s) {
    if (const char* env = std::getenv("PAMPAX_QUERY_CACHE")) {
      std::string v = env;
      if (v == "0" || v == "off" || v == "false" || v == "no") {
        QueryCacheOptions o;
        o.enabled = false;
        cache.set_options(o);
      }
    }
    // Every read statement of the engine's connection is a "database" observation. They
    // are many and short: collected here and handed to the registry in batches.
    store.db().set_read_profiler([this](double ms) {
      std::lock_guard lk(db_mu);
      db_reads.observe(ms);
    });
  }
  ~EngineOps() {
    store.db().set_read_profiler({});
    (void)flush();
  }
  void drain_db_reads() {
    Histogram h;
    {
      std::lock_guard lk(db_mu);
      std::swap(h, db_reads);
    }
    metrics.observe_many("database", false, h);
  }
  Status flush() {
    drain_db_reads();
    last_flush = std::chrono::steady_clock::now();
    Status saved = cache.save(store);
    Status st = metrics.has_pending() ? metrics.flush(store) : Status::Ok();
    return saved.ok() ? st : saved;
  }
  void maybe_flush() {
    if (std::chrono::steady_clock::now() - last_flush > std::chrono::seconds(10)) (void)flush();
  }

  IndexStore& store;
  MetricsRegistry metrics;
  QueryCache cache;
  std::mutex db_mu;
  Histogram db_reads;
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();
};

EngineOps& Engine::ops() {
  if (!ops_) ops_ = std::make_shared<EngineOps>(*store_);
  return *ops_;
}

MetricsRegistry& Engine::metrics() {
  ops().drain_db_reads();
  return ops().metrics;
}

Status Engine::flush_metrics() { return ops().flush(); }

QueryCache& Engine::query_cache() { return ops().cache; }

std::string Engine::embedder_identity() {
  std::string id = store_->meta("embed_config").value_or("") + "\n" +
                   store_->meta("embed_model").value_or("");
  auto cfg = EmbedConfig::from_json(store_->meta("embed_config").value_or("{}"));
  if (cfg.ok() && cfg->backend == "gguf") {
    // The model file itself: replaced or removed, cached vector answers must not be served.
    struct stat st {};
    if (::stat(cfg->model_path.c_str(), &st) == 0)
      id += "\nmodel " + std::to_string(st.st_size) + " " +
            std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
    else
      id += "\nmodel missing";
  }
  return id;
}

Result<IndexReport> Engine::index(const IndexOptions& options) {
  EngineOps& o = ops();
  OperationTimer timer(o.metrics, "index");
  auto r = index_uncached(options);
  if (!r.ok()) {
    timer.finish(false, true);
    (void)o.flush();
    return r;
  }
  o.metrics.add(kFilesIndexedTotal, static_cast<double>(r->files_indexed));
  timer.finish(false);
  if (auto counts = store_->counts(); counts.ok()) {
    o.metrics.set_gauge(kIndexChunks, static_cast<double>(counts->chunks));
    o.metrics.set_gauge(kIndexFiles, static_cast<double>(counts->files));
  }
  o.metrics.set_gauge(kIndexSizeBytes, static_cast<double>(store_->file_bytes()));
  (void)o.flush();
  return r;
}

Result<EmbedReport> Engine::embed(const EmbedOptions& options) {
  EngineOps& o = ops();
  OperationTimer timer(o.metrics, "embed");
  // Embedding-cache lookups happen for the chunks written since the previous pass (of files
  // indexed at or after meta.embed_cache_mark, unix seconds): those that find a vector by
  // content are hits; the texts embedded are misses. (Chunk ids cannot mark them: SQLite
  // reuses the highest ids after a deletion.)
  int64_t mark = std::atoll(store_->meta("embed_cache_mark").value_or("0").c_str());
  int64_t pass_start = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  std::string before = store_->meta("embed_model").value_or("");
  std::string before_model = before.substr(0, before.rfind('|'));
  int64_t found = 0;
  if (!options.reembed && !before_model.empty()) {
    Stmt q = store_->db().must_prepare(
        "SELECT count(*) FROM files f JOIN chunks c ON c.file_id = f.id WHERE f.indexed_at >= ?1 "
        "AND EXISTS (SELECT 1 FROM embeddings e WHERE e.model = ?2 AND e.hash = c.hash)");
    q.bind(1, mark).bind(2, before_model);
    if (q.step()) found = q.col_int(0);
  }
  auto r = embed_uncached(options);
  if (!r.ok()) {
    timer.finish(false, true);
    (void)o.flush();
    return r;
  }
  if (r->model_id != before_model) found = 0;  // another model: nothing could be reused
  o.metrics.add(kCacheHitsTotal, static_cast<double>(found), label("cache", "embedding"));
  o.metrics.add(kCacheMissesTotal, static_cast<double>(r->embedded), label("cache", "embedding"));
  (void)store_->set_meta("embed_cache_mark", std::to_string(pass_start));
  timer.finish(false);
  if (auto c = store_->embed_counts(r->model_id); c.ok())
    o.metrics.set_gauge(kEmbeddedChunks, static_cast<double>(c->embedded));
  o.metrics.set_gauge(kIndexSizeBytes, static_cast<double>(store_->file_bytes()));
  (void)o.flush();
  return r;
}

Result<SearchResponse> Engine::search(const SearchRequest& req) {
  EngineOps& o = ops();
  OperationTimer timer(o.metrics, "search");
  o.metrics.add(kQueriesTotal);
  const std::string query_cache = label("cache", "query");
  std::string request;
  int64_t generation = -1;
  // Reranked requests are not cached: the reranker (a model file or a server) is outside the
  // index, and its scores are not part of the cached encoding.
  if (o.cache.options().enabled && !req.rerank.enabled()) {
    auto gen = store_->generation();
    if (gen.ok() && *gen > 0) {
      generation = *gen;
      bool vectors = req.mode == SearchMode::kHybrid || req.mode == SearchMode::kVector;
      request = query_cache_request(req, vectors ? embedder_identity() : std::string());
      OperationTimer lookup(o.metrics, "cache");
      QueryCache::Tier tier;
      auto hit = o.cache.get(*store_, request, generation, &tier);
      std::optional<SearchResponse> cached;
      if (hit.ok() && *hit) {
        auto decoded = decode_response(**hit);
        if (decoded.ok()) cached = std::move(decoded).value();
      }
      lookup.finish(cached.has_value(), !hit.ok());
      if (cached) {
        o.metrics.add(kCacheHitsTotal, 1, query_cache);
        timer.finish(true);
        o.maybe_flush();
        return std::move(*cached);
      }
      o.metrics.add(kCacheMissesTotal, 1, query_cache);
    }
  }
  auto r = search_uncached(req);
  if (!r.ok()) {
    timer.finish(false, true);
    o.maybe_flush();
    return r;
  }
  if (generation > 0) o.cache.put(request, generation, encode_response(*r));
  timer.finish(false);
  o.maybe_flush();
  return r;
}

}  // namespace pampax
