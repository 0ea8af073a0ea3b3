// Operations over an open Engine: cache statistics and clearing, the metrics snapshot
// (persisted + live), and the performance report. Shared by the CLI (`pampax cache`,
// `metrics`, `report`) and the servers. Same threading rules as the Engine.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine.h"
#include "ops/metrics.h"
#include "util/status.h"

namespace pampax {

// Unreferenced vectors of the current model kept for branch switches (Engine::embed prunes
// beyond this).
inline constexpr int64_t kEmbeddingKeepUnreferenced = 20000;

struct CacheStats {
  std::string name;          // "query" | "embedding"
  int64_t entries = 0, bytes = 0;
  double hits = 0, misses = 0;  // persisted counters (every process on this index)
  double hit_rate = -1;         // hits / (hits + misses); -1 before any lookup
  // query: entries of an older index generation (never served; dropped on the next store)
  int64_t stale = 0;
  // embedding: rows a chunk uses (current model), kept unreferenced, of other models
  int64_t referenced = 0, unreferenced = 0, other_models = 0, keep_unreferenced = 0;
};

Result<std::vector<CacheStats>> cache_stats(Engine& e);

struct CacheClearReport {
  int64_t queries_removed = 0, embeddings_removed = 0;
  // With embeddings: the files removed from ROOT/.pampax (vector files "vectors-*.bin" and
  // HNSW graphs "hnsw-*.bin"), as paths relative to the root, sorted; and their bytes.
  std::vector<std::string> files_removed;
  uint64_t file_bytes_removed = 0;
};
// Empties the query cache (table and memory) and/or the embedding cache (every vector; the
// embedder setting is kept, so the next index/update recomputes them and hybrid search is
// lexical with a warning meanwhile). Clearing embeddings also deletes the index's vector files
// and HNSW graphs (caches of those vectors) and drops the Engine's loaded vectors; a process
// that has a file mapped keeps its copy until it reloads (unlinking does not disturb it).
// Errors: the store's; kIoError when a file cannot be removed (the vectors are gone by then:
// a left file is stale and never used, since its model record no longer matches).
Result<CacheClearReport> clear_caches(Engine& e, bool queries, bool embeddings);

// Everything recorded on this index (persisted by earlier processes, plus this one's),
// with the index gauges (size, files, chunks, embedded chunks) measured now.
Result<MetricsSnapshot> metrics_snapshot(Engine& e);

struct Recommendation {
  std::string severity;  // "info" | "warning"
  std::string message, command;  // command: what to run ("" when none)
};

struct PerformanceReport {
  std::vector<OperationPerformance> operations;
  int overall_score = -1;  // mean of the scored operations; -1 when none has data
  std::vector<CacheStats> caches;
  // Resource use as recorded: per operation, CPU seconds spent and the peak RSS at its end.
  struct Resource {
    std::string operation;
    double cpu_seconds = 0, peak_rss_bytes = 0;
  };
  std::vector<Resource> resources;
  double index_bytes = 0, wal_bytes = 0, files = 0, chunks = 0, embedded_chunks = 0;
  double errors = 0;
  bool analyzed = false;        // sqlite_stat1 exists (pampax db optimize ran)
  double free_page_ratio = 0;   // freelist / page count (VACUUM reclaims it)
  std::vector<Recommendation> recommendations;
};

Result<PerformanceReport> build_report(Engine& e);

}  // namespace pampax
