#include "core/ops.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/query_cache.h"
#include "embed/config.h"

namespace pampax {
namespace {

std::string current_model(IndexStore& s) {
  std::string key = s.meta("embed_model").value_or("");
  size_t bar = key.rfind('|');
  return bar == std::string::npos ? std::string() : key.substr(0, bar);
}

void fill_rates(CacheStats& c, const MetricsSnapshot& m) {
  std::string l = label("cache", c.name);
  c.hits = m.counter(kCacheHitsTotal, l);
  c.misses = m.counter(kCacheMissesTotal, l);
  c.hit_rate = c.hits + c.misses > 0 ? c.hits / (c.hits + c.misses) : -1;
}

Result<int64_t> pragma_int(IndexStore& s, const char* sql) {
  Stmt q = s.db().must_prepare(sql);
  int64_t v = 0;
  if (q.step()) v = q.col_int(0);
  if (!q.last_status().ok()) return q.last_status();
  return v;
}

std::string fmt(const char* f, double v) {
  char buf[128];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

Result<MetricsSnapshot> metrics_snapshot(Engine& e) {
  MetricsRegistry& m = e.metrics();
  PAMPAX_RETURN_IF_ERROR(m.load(e.store()));
  MetricsSnapshot s = m.snapshot();
  auto counts = e.store().counts();
  if (!counts.ok()) return counts.status();
  s.gauges[{kIndexFiles, ""}] = static_cast<double>(counts->files);
  s.gauges[{kIndexChunks, ""}] = static_cast<double>(counts->chunks);
  s.gauges[{kIndexSizeBytes, ""}] = static_cast<double>(e.store().file_bytes());
  std::string model = current_model(e.store());
  double embedded = 0;
  if (!model.empty()) {
    auto ec = e.store().embed_counts(model);
    if (!ec.ok()) return ec.status();
    embedded = static_cast<double>(ec->embedded);
  }
  s.gauges[{kEmbeddedChunks, ""}] = embedded;
  return s;
}

Result<std::vector<CacheStats>> cache_stats(Engine& e) {
  auto m = metrics_snapshot(e);
  if (!m.ok()) return m.status();
  CacheStats q;
  q.name = "query";
  auto qs = e.store().query_cache_stats();
  if (!qs.ok()) return qs.status();
  q.entries = qs->entries;
  q.bytes = qs->bytes;
  q.stale = qs->stale;
  fill_rates(q, *m);
  CacheStats v;
  v.name = "embedding";
  auto es = e.store().embedding_cache_stats(current_model(e.store()));
  if (!es.ok()) return es.status();
  v.entries = es->entries;
  v.bytes = es->bytes;
  v.referenced = es->referenced;
  v.unreferenced = es->unreferenced;
  v.other_models = es->other_models;
  v.keep_unreferenced = kEmbeddingKeepUnreferenced;
  fill_rates(v, *m);
  return std::vector<CacheStats>{q, v};
}

Result<CacheClearReport> clear_caches(Engine& e, bool queries, bool embeddings) {
  CacheClearReport r;
  IndexStore& s = e.store();
  if (queries) {
    auto qs = s.query_cache_stats();
    if (!qs.ok()) return qs.status();
    PAMPAX_RETURN_IF_ERROR(s.query_cache_clear());
    e.query_cache().clear_memory();
    r.queries_removed = qs->entries;
  }
  if (embeddings) {
    auto es = s.embedding_cache_stats(current_model(s));
    if (!es.ok()) return es.status();
    PAMPAX_RETURN_IF_ERROR(s.clear_embeddings());
    r.embeddings_removed = es->entries;
    e.drop_vectors();
    // The vector files and graphs are copies of the vectors just deleted.
    namespace fs = std::filesystem;
    const fs::path dir = e.root() / ".pampax";
    std::error_code ec;
    std::vector<fs::path> doomed;
    for (const auto& f : fs::directory_iterator(dir, ec)) {
      const std::string name = f.path().filename().string();
      const bool bin = name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0;
      if (bin && (name.rfind("vectors-", 0) == 0 || name.rfind("hnsw-", 0) == 0)) doomed.push_back(f.path());
    }
    if (ec) return IoError("cannot list " + dir.string() + ": " + ec.message());
    std::sort(doomed.begin(), doomed.end());
    for (const fs::path& p : doomed) {
      const uintmax_t bytes = fs::file_size(p, ec);
      if (!fs::remove(p, ec) && ec)
        return IoError("the vectors were cleared, but " + p.string() + " could not be removed: " +
                       ec.message() + " (it is stale and not used; delete it by hand)");
      r.files_removed.push_back((fs::path(".pampax") / p.filename()).generic_string());
      r.file_bytes_removed += bytes == static_cast<uintmax_t>(-1) ? 0 : bytes;
    }
  }
  return r;
}

Result<PerformanceReport> build_report(Engine& e) {
  PerformanceReport r;
  auto snap = metrics_snapshot(e);
  if (!snap.ok()) return snap.status();
  const MetricsSnapshot& m = *snap;
  r.operations = performance(m);
  int scored = 0, total = 0;
  for (const OperationPerformance& p : r.operations) {
    if (p.score >= 0) {
      total += p.score;
      ++scored;
    }
    PerformanceReport::Resource res;
    res.operation = p.operation;
    std::string l = label("operation", p.operation);
    res.cpu_seconds = m.counter(kOperationCpuTotal, l);
    auto g = m.gauges.find({kOperationPeakRss, l});
    res.peak_rss_bytes = g == m.gauges.end() ? 0 : g->second;
    if (res.cpu_seconds > 0 || res.peak_rss_bytes > 0) r.resources.push_back(res);
  }
  if (scored) r.overall_score = total / scored;
  auto caches = cache_stats(e);
  if (!caches.ok()) return caches.status();
  r.caches = *caches;
  auto gauge = [&](const char* name) {
    auto it = m.gauges.find({name, ""});
    return it == m.gauges.end() ? 0.0 : it->second;
  };
  r.index_bytes = gauge(kIndexSizeBytes);
  r.files = gauge(kIndexFiles);
  r.chunks = gauge(kIndexChunks);
  r.embedded_chunks = gauge(kEmbeddedChunks);
  r.errors = m.counter_sum(kErrorsTotal);
  std::error_code ec;
  auto wal = std::filesystem::file_size(e.store().db().path() + "-wal", ec);
  r.wal_bytes = ec ? 0 : static_cast<double>(wal);
  auto stat1 = pragma_int(e.store(), "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'");
  if (!stat1.ok()) return stat1.status();
  r.analyzed = *stat1 > 0;
  auto pages = pragma_int(e.store(), "PRAGMA page_count");
  auto free_pages = pragma_int(e.store(), "PRAGMA freelist_count");
  if (!pages.ok()) return pages.status();
  if (!free_pages.ok()) return free_pages.status();
  r.free_page_ratio = *pages > 0 ? double(*free_pages) / double(*pages) : 0;

  // Recommendations, each from a figure above.
  auto rec = [&](const char* sev, std::string msg, std::string cmd) {
    r.recommendations.push_back({sev, std::move(msg), std::move(cmd)});
  };
  std::string root = e.root().string();
  bool has_embedder = false;
  if (auto text = e.store().meta("embed_config")) {
    auto cfg = EmbedConfig::from_json(*text);
    has_embedder = cfg.ok() && cfg->enabled();
  }
  if (has_embedder && r.embedded_chunks < r.chunks)
    rec("warning",
        fmt("embeddings incomplete: %.0f", r.chunks - r.embedded_chunks) + " of " +
            fmt("%.0f", r.chunks) + " chunks have no vector (hybrid search misses them)",
        "pampax update " + root);
  for (const OperationPerformance& p : r.operations) {
    if (p.threshold_ms <= 0 || p.p95 <= p.threshold_ms) continue;
    std::string msg = p.operation + " p95 " + fmt("%.0f ms", p.p95) + " exceeds its target " +
                      fmt("%.0f ms", p.threshold_ms);
    if (p.operation == "database" || p.operation == "search")
      rec("warning", msg + (r.analyzed ? "" : "; the planner has no statistics"),
          "pampax db optimize --path " + root);
    else
      rec("warning", msg, "");
  }
  if (!r.analyzed && r.chunks > 0)
    rec("info", "the index has never been analysed (query planner statistics, FTS segments merged)",
        "pampax db optimize --path " + root);
  if (r.free_page_ratio > 0.2)
    rec("info", fmt("%.0f%% of the index file is free pages", 100 * r.free_page_ratio),
        "pampax db vacuum --path " + root);
  if (r.wal_bytes > 64.0 * 1024 * 1024)
    rec("info", fmt("the write-ahead log holds %.0f MiB", r.wal_bytes / 1048576) +
                    " not yet checkpointed into the index",
        "pampax db optimize --path " + root);
  for (const CacheStats& c : r.caches) {
    if (c.name == "query" && c.hits + c.misses >= 50 && c.hit_rate < 0.1)
      rec("info", fmt("the query cache answers %.0f%% of searches: queries rarely repeat, so it saves little",
                      100 * c.hit_rate),
          "");
    if (c.name == "embedding" && c.other_models > 0)
      rec("info", std::to_string(c.other_models) + " vectors of another model are kept",
          "pampax update " + root);
  }
  if (r.errors > 0)
    rec("warning", fmt("%.0f operations failed (pampax_errors_total in pampax metrics)", r.errors),
        "pampax health --path " + root);
  if (r.operations.empty())
    rec("info", "no operations recorded yet: figures appear after searches and index runs", "");
  return r;
}

}  // namespace pampax
