// Engine: the one API that the CLI, the MCP server and the HTTP server use. It owns the
// index of one repository root (ROOT/.pampax/index.db) and runs indexing and searches.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "embed/config.h"
#include "embed/embedder.h"
#include "embed/reranker.h"
#include "parse/chunker.h"
#include "scan/walker.h"
#include "search/query_rewrite.h"
#include "search/types.h"
#include "store/index_store.h"
#include "util/progress.h"
#include "util/status.h"

namespace pampax {

class MetricsRegistry;  // ops/metrics.h
class QueryCache;       // core/query_cache.h
struct EngineOps;       // engine_ops.cpp

struct IndexOptions {
  ScanOptions scan;
  ChunkOptions chunk;
  int threads = 0;               // parse threads; 0 = all cores
  size_t batch_files = 256;      // files per write transaction
  bool force = false;            // re-parse every file even when unchanged
  bool train_expansions = false; // train the query-expansion table (experimental; --expand)
  ProgressSink* progress = nullptr;
  // When set and it becomes true (from any thread), index() stops after committing the files
  // parsed so far and returns kCancelled; the next run resumes from there.
  const std::atomic<bool>* cancel = nullptr;
};

struct SkipNote {
  std::string path, reason, detail;
};

struct IndexReport {
  uint64_t files_seen = 0;       // listed by the walker
  uint64_t files_indexed = 0;    // parsed and written (new or changed)
  uint64_t files_unchanged = 0;
  uint64_t files_deleted = 0;
  uint64_t files_touched = 0;    // content unchanged, only mtime moved
  uint64_t chunks = 0, symbols = 0, refs = 0;  // written in this run
  uint64_t bytes = 0, lines = 0;               // of the files parsed in this run
  uint64_t fallback_files = 0;   // parsed without a grammar because the grammar failed
  double seconds = 0;
  double hot_terms_seconds = 0;  // part of `seconds` spent rebuilding the hot-term lists
  std::vector<SkipNote> skipped; // too large, binary, unreadable, ...
  std::vector<std::string> warnings;
  // The index was built by another parser version (core/indexer.h): every file was parsed
  // again, changed or not.
  bool parser_upgrade = false;
};

struct IndexInfo {
  std::string root, db_path;
  IndexCounts counts;
  uint64_t db_bytes = 0;         // index.db plus its WAL
  uint64_t source_bytes = 0, source_lines = 0;
  std::string last_update;       // ISO-8601 UTC, "" if never completed
  int schema_version = 0;
  std::string embedder;          // EmbedConfig::describe(), "" when there is none
  std::string embed_model;       // model id of the vectors, "" when there are none
  int embed_dim = 0;
  int64_t embedded_chunks = 0;   // chunks with a vector of embed_model
};

struct EmbedOptions {
  // The embedder to use; backend "none" means the index's own choice (Engine::index_embedder:
  // the one it remembers, or the builtin embedder on an index that never chose one). A
  // different model than the index's vectors were made with is re-embedded.
  EmbedConfig config;
  bool reembed = false;        // drop this model's vectors and compute them again
  int batch = 64;              // chunks per embed() call and per write transaction; <= 0: the
                               // backend's default (1,024 for builtin, 64 otherwise)
  int threads = 0;             // builtin: threads of training's counting and of embedding a
                               // batch (0 = all cores); the model and vectors are the same for
                               // every count
  ProgressSink* progress = nullptr;
  const std::atomic<bool>* cancel = nullptr;  // as IndexOptions::cancel: stops between batches
};

struct EmbedReport {
  std::string model_id, backend;
  int dim = 0;
  int64_t chunks = 0;           // chunks in the index
  int64_t reused = 0;           // chunks whose vector already existed (cache hits)
  int64_t embedded = 0;         // texts embedded in this run
  double seconds = 0;
  std::string previous_model;   // non-empty when the model changed (all vectors recomputed)
};

struct SearchResponse {
  std::vector<SearchHit> hits;
  SearchMode mode = SearchMode::kHybrid;  // what actually ran (hybrid without vectors: bm25)
  std::vector<std::string> warnings;      // e.g. vectors incomplete, embedder unavailable
  // How the question was rewritten (search/query_rewrite.h); empty when it was searched as typed.
  std::vector<std::string> languages;          // language names taken as a hint, not a term
  std::vector<SpellingCorrection> corrections;  // unknown words and what was searched instead
};

class Engine {
 public:
  ~Engine();
  enum class Mode {
    kRead,    // the index must exist; searches only
    kWrite,   // creates the index when missing
  };

  // Errors: kNotFound when root does not exist ("path does not exist") or, in kRead mode,
  // when there is no index yet (the message says to run `pampax index`); kCorrupt with the
  // rebuild command when the database is damaged.
  static Result<std::unique_ptr<Engine>> open(const std::filesystem::path& root, Mode mode);

  // Brings the index up to date with the tree: parses added and changed files, drops deleted
  // ones. Safe to interrupt at any moment: committed batches stay, the rest is redone by the
  // next call. REQUIRES: opened in kWrite mode.
  Result<IndexReport> index(const IndexOptions& options);

  // Computes the vectors that are missing for the configured model (all of them after a model
  // change), in batches, each committed: interrupted, the next call resumes. Lexical search
  // works throughout. REQUIRES: opened in kWrite mode.
  Result<EmbedReport> embed(const EmbedOptions& options);

  // The embedder an index run uses when none is named, the same for every entry point
  // (`pampax index`/`update`, the MCP index/update tools, `pampax watch`): the one the index
  // remembers; on an index that never chose one, the builtin embedder (pampax's default);
  // backend "none" when the index opted out (disable_embeddings). Errors: kCorrupt for a
  // damaged record.
  Result<EmbedConfig> index_embedder();
  // The embedding pass after an index run: embed(options) with options.config, or with
  // index_embedder() when options.config is "none". std::nullopt (nothing done) when the
  // index opted out. REQUIRES: kWrite mode.
  Result<std::optional<EmbedReport>> embed_after_index(const EmbedOptions& options);
  // Opts this index out of embeddings (`pampax index --embed none`): drops its vectors and
  // remembers the choice, so that no entry point embeds it until an embedder is named again.
  // REQUIRES: kWrite mode.
  Status disable_embeddings();

  Result<IndexInfo> info();
  // Hybrid and vector modes use the index's embedder (loaded on first use and kept, with the
  // vectors, for later searches). With req.rerank enabled the reranker is opened on first use
  // and kept while later requests name the same one; failing to open or run it is an error.
  Result<SearchResponse> search(const SearchRequest& req);
  // Where the vectors of the last hybrid/vector search came from: "file" (the mapped vector
  // file, search/vector_file.h), "sqlite" (rows read from the index) or "" (none loaded).
  const char* vector_source() const { return vectors_source_; }
  // Forgets the vectors (and the embedder) loaded for searching, unmapping the vector file: the
  // next hybrid/vector search loads them again (core/ops.h clear_caches uses it).
  void drop_vectors();

  // ---- Code navigation (assembly, MCP, HTTP) ----
  // A path as the index stores it (relative to the root, '/'-separated) for a user-supplied
  // `path`: relative to the root, or absolute inside it. kInvalidArgument for a path that
  // leaves the root: '..' above it, an absolute path elsewhere, or a symlink whose target lies
  // outside (checked on disk when the path exists).
  Result<std::string> repo_path(std::string_view path) const;
  struct FileSlice {
    std::string path, lang, text;    // text of lines [start_line, end_line], '\n'-terminated
    uint32_t start_line = 0, end_line = 0, total_lines = 0;
  };
  // Lines [start_line, end_line] (1-based, inclusive, clamped to the file; 0 = first/last) of
  // an indexed file, from the index's copy of its text. Errors: repo_path's; kNotFound when
  // the file is not indexed; kInvalidArgument when start_line > end_line.
  Result<FileSlice> read_file(std::string_view path, uint32_t start_line = 0, uint32_t end_line = 0);

  IndexStore& store() { return *store_; }

  // ---- Operations (engine_ops.cpp; helpers in core/ops.h) ----
  // search(), index() and embed() are timed into metrics(); search() answers through the
  // query cache (core/query_cache.h) unless query_cache().set_options() disabled it.
  // This index's metrics as recorded by this process; MetricsRegistry::load() adds what the
  // index holds. Flushed to the index every 10 s of activity, by flush_metrics() and when
  // the Engine is destroyed. The registry is thread-safe (a server may render it while the
  // Engine searches); call metrics() once before sharing it, since it is created lazily.
  MetricsRegistry& metrics();
  Status flush_metrics();
  QueryCache& query_cache();
  const std::filesystem::path& root() const { return root_; }

  static std::filesystem::path db_path_for(const std::filesystem::path& root);

 private:
  Engine(std::filesystem::path root, std::unique_ptr<IndexStore> store);
  // Loads the embedder and vectors for searching; sets *why when vectors are unavailable and
  // *configured when the index has an enabled embedder (then their absence is worth a warning).
  Status prepare_vectors(std::string* why, bool* configured);
  Result<IndexReport> index_uncached(const IndexOptions& options);
  Result<EmbedReport> embed_uncached(const EmbedOptions& options);
  Result<SearchResponse> search_uncached(const SearchRequest& req);
  EngineOps& ops();
  std::string embedder_identity();
  std::filesystem::path root_;
  std::unique_ptr<IndexStore> store_;
  std::unique_ptr<Embedder> embedder_;
  // Loads the vectors of `model_key` from SQLite (one read transaction with the generation)
  // and rewrites the vector file (search/vector_file.h); a file that cannot be written only
  // costs the next cold process time. *missing: chunks without a vector.
  Result<std::unique_ptr<class VectorIndex>> load_vectors_and_file(const std::string& model_key,
                                                                   int64_t* missing);
  std::unique_ptr<class VectorIndex> vectors_;
  std::string vectors_model_;
  int64_t vectors_missing_ = 0;
  const char* vectors_source_ = "";  // "file" or "sqlite": where vectors_ came from
  bool retrying_lost_vectors_ = false;  // search_uncached's one retry after a truncated file
  std::unique_ptr<Reranker> reranker_;
  std::string reranker_key_;  // the RerankConfig reranker_ was opened with
  // Last member: destroyed first, it flushes the metrics through store_.
  std::shared_ptr<EngineOps> ops_;
};

}  // namespace pampax
