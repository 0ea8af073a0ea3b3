// The index database: schema, migrations, writes of whole files, and the reads that search
// and the CLI need. Knows SQLite and the schema; knows nothing of tree-sitter or ranking.
//
// Layout (docs/formats.md has the full schema): files -> symbols, chunks, refs; chunks_fts is
// an external-content FTS5 table over the view fts_src, whose `body` column decompresses the
// chunk text on demand. Writing a file replaces everything stored for its path in one call;
// callers group calls into transactions (IndexStore::begin()).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/db.h"
#include "store/schema.h"
#include "util/status.h"

namespace pampax {

inline constexpr int kSchemaVersion = kMigrationCount;

struct StoredSymbol {
  std::string name, qualified_name, kind;
  uint32_t start_line = 0, end_line = 0;
  int32_t parent = -1;                // index into FileWrite::symbols
  uint32_t sig_start = 0, sig_end = 0;  // byte range of the signature in the file's text
};

struct StoredChunk {
  std::string kind, name, qualified_name, doc, header;
  uint32_t start_line = 0, end_line = 0, start_byte = 0, end_byte = 0, tokens = 0;
  int32_t symbol = -1;        // index into FileWrite::symbols; its signature is the chunk's
  uint64_t hash = 0;          // embed_hash of the chunk's embed_text (embed/embed_text.h)
};

struct StoredRef {
  std::string name;
  std::vector<uint32_t> lines;  // ascending
};

// Everything known about one file, replaced as a unit.
struct FileWrite {
  std::string path, lang, content_hash;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint32_t lines = 0;
  std::string status;  // "ok", or "fallback" when the grammar failed on the file
  std::string text_zstd;  // zstd frame of the whole file; chunks are byte ranges of it
  std::vector<StoredSymbol> symbols;
  std::vector<StoredChunk> chunks;
  std::vector<StoredRef> refs;
};

struct FileRow {
  int64_t id = 0;
  std::string path, lang, content_hash;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

struct ChunkRow {
  int64_t id = 0;
  std::string path, lang, kind, name, qualified_name, signature, doc, header;  // qualified_name
                                                                              // never empty
  uint32_t start_line = 0, end_line = 0, start_byte = 0, end_byte = 0, tokens = 0;
  int64_t symbol_id = 0;  // the symbol row the chunk belongs to (the pieces of a split symbol
                          // share it); 0: none. Set by get_chunk_meta only.
  std::string text;  // decompressed chunk text (without header)
};

struct IndexCounts {
  int64_t files = 0, chunks = 0, symbols = 0, refs = 0;
  std::vector<std::pair<std::string, int64_t>> languages;  // lang -> files, most first
};

struct SearchFilters {
  std::string lang;       // "" = any; a lang_name()
  std::string path_glob;  // "" = any; SQLite GLOB over the relative path
  std::string kind;       // "" = any; chunk kind
};

// The words the term filter holds (3 to 33 letters a-z): those spelling correction proposes.
bool is_filter_word(std::string_view term);

// What the hot-term lists cover (IndexStore::hot_watermark).
struct HotWatermark {
  std::optional<int64_t> watermark;
  int64_t max_chunk_id = 0;
  // Chunks written since the lists were built or last merged (merge_fresh_hot_terms).
  bool has_fresh_chunks() const { return watermark && max_chunk_id > *watermark; }
};

// A symbol definition (symbols table) with its file and signature.
struct SymbolRow {
  int64_t id = 0;
  std::string path, lang, name, qualified_name, kind, signature;  // qualified_name never empty
  uint32_t start_line = 0, end_line = 0;
  int64_t parent_id = 0;  // 0 = top level
};

// The lines of one file that use an identifier (refs table).
struct RefRow {
  std::string path, lang;
  std::vector<uint32_t> lines;  // ascending
};

enum class NameMatch {
  kExact,     // name or qualified name equals the query (case-sensitive)
  kPrefix,    // name starts with the query (case-sensitive)
  kContains,  // name contains the query, case-insensitively (scans the symbols table)
};

struct FtsHit {
  int64_t chunk_id = 0;
  double score = 0;  // higher is better (pampax_rank: BM25F over term presence)
};

class IndexStore {
 public:
  // kCreate makes a new database (or opens an existing one) and migrates it to the current
  // schema. kReadWrite/kReadOnly require an existing pampax index: an empty database (a first
  // index killed before its schema committed) gives kNotFound, a database with other tables
  // gives kCorrupt ("not a pampax index"), one from a newer pampax gives kUnsupported.
  static Result<std::unique_ptr<IndexStore>> open(const std::string& path, Db::Mode mode);

  Db& db() { return *db_; }

  // Transactions group file writes; one writer at a time (BEGIN IMMEDIATE waits on others).
  Status begin();
  Status commit();
  Status rollback();

  // Replaces everything stored for w.path (inserts when new). REQUIRES: inside begin/commit.
  Status put_file(const FileWrite& w);
  // Records a new size/mtime for a file whose content hash did not change.
  Status touch_file(const std::string& path, uint64_t size, int64_t mtime_ns);
  // Removes a file and all its rows. Missing paths are not an error.
  Status delete_file(const std::string& path);

  Result<std::map<std::string, FileRow>> list_files();
  Result<IndexCounts> counts();

  std::optional<std::string> meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);

  // BM25 search. `match` is an FTS5 MATCH expression; weights apply to the columns
  // (path, symbol, doc, body). Returns up to `limit` hits, best first.
  // `phrase_weights` (optional): one multiplier per phrase of `match`, in order, comma-separated.
  Result<std::vector<FtsHit>> fts_search(const std::string& match, const SearchFilters& filters,
                                         const double weights[4], int limit,
                                         const std::string& phrase_weights = "");
  // Number of chunks whose text contains `term` (a single lowercase token), 0 if none.
  // Cost grows with the answer (FTS5 counts postings): use hot_term() first.
  Result<int64_t> term_doc_count(const std::string& term);
  // term_doc_count() of each term, in order; a hot term's count comes from its hot list.
  // `candidates` (spelling-correction candidates): a plain word (is_filter_word) that the
  // term filter proves absent counts 0 without a lookup; the filter is as old as the hot-term
  // lists, so a word first written since may count 0 too.
  Result<std::vector<int64_t>> term_doc_counts(const std::vector<std::string>& terms,
                                               bool candidates = false);

  // Hot terms: see the hot_terms table in schema.h.
  struct HotTerm {
    int64_t df = 0;
    std::vector<FtsHit> top;  // best chunks for the term alone (at rebuild time), best first
  };
  // The hot-term entry of `term`, or nullopt when the term is not hot (or there is no table).
  Result<std::optional<HotTerm>> hot_term(const std::string& term);
  // The hot lists cover chunks up to `watermark` (the largest chunk id when they were built or
  // last merged; nullopt for an index whose lists predate the watermark, or that has none).
  // Chunks written later get larger ids (put_file guarantees it).
  Result<HotWatermark> hot_watermark();
  // Recomputes the table: every term in at least `min_df` chunks gets its `top_k` best chunks
  // scored with `weights` (as fts_search does), plus those tied with the last (at most 4x). Runs its own transaction. Uses `threads`
  // extra read connections.
  Status rebuild_hot_terms(const double weights[4], int64_t min_df, int top_k, int threads);
  // Brings the lists up to date with the chunks written since they were built (ids past the
  // watermark), without a rebuild: each list gets the term's best such chunks merged in and
  // keeps its best `top_k` (plus ties, as a rebuild does), chunks deleted since leave them;
  // then the watermark moves up. Cost: one scan of each hot term's postings past the
  // watermark and one of the chunk ids. Own transaction; no-op without a watermark or fresh
  // chunks.
  Status merge_fresh_hot_terms(const double weights[4], int top_k);
  // Query expansion table: replaced as a whole (own transaction), looked up per word ("" when
  // the word has no entry).
  Status replace_expansions(const std::vector<std::pair<std::string, std::string>>& rows);
  Result<std::string> expansion(const std::string& word);
  // The subset of `ids` whose chunk satisfies `filters`, in the given order.
  Result<std::vector<int64_t>> filter_chunks(const std::vector<int64_t>& ids,
                                             const SearchFilters& filters);

  Result<ChunkRow> get_chunk(int64_t id);
  // For a batch of hits: metadata plus text, in the order given. Missing ids are skipped.
  Result<std::vector<ChunkRow>> get_chunks(const std::vector<int64_t>& ids);
  // Metadata only (path, lang, kind, names, lines, tokens; no text, doc or signature): what
  // ranking needs for a few hundred candidates. Order as given; missing ids are skipped.
  Result<std::vector<ChunkRow>> get_chunk_meta(const std::vector<int64_t>& ids);
  // Kind and lines of each of `symbol_ids` that exists (GroupBy::kSymbol: which symbols may
  // group their pieces, and the whole span of a grouped hit).
  struct SymbolSpan {
    std::string kind;
    uint32_t start_line = 0, end_line = 0;
  };
  Result<std::unordered_map<int64_t, SymbolSpan>> symbol_spans(const std::vector<int64_t>& symbol_ids);

  // ---- Code navigation (symbols, refs, file text) ----
  // Definitions whose name matches `name` (see NameMatch), optionally of one `kind` ("" =
  // any) and within `filters` (lang, path glob; its kind field is ignored). Exact matches come
  // first, then by path and line. At most `limit` rows.
  Result<std::vector<SymbolRow>> find_symbols(std::string_view name, NameMatch match,
                                              std::string_view kind, const SearchFilters& filters,
                                              int limit);
  Result<SymbolRow> get_symbol(int64_t id);
  // Every symbol of one indexed file in source order; kNotFound when the path is not indexed.
  Result<std::vector<SymbolRow>> file_symbols(const std::string& path);
  // Files that use identifier `name` (exact), by path, at most `limit` files.
  Result<std::vector<RefRow>> find_refs(std::string_view name, const SearchFilters& filters,
                                        int limit);
  // Identifiers referenced from lines [start_line, end_line] of a file, each once, sorted.
  Result<std::vector<std::string>> refs_in_range(const std::string& path, uint32_t start_line,
                                                 uint32_t end_line);
  // Chunk metadata (no text) of one file in line order; kNotFound when not indexed.
  Result<std::vector<ChunkRow>> file_chunks(const std::string& path);
  // The stored text of an indexed file (the index's copy, as of the last update); kNotFound
  // when the path is not indexed. `lang` receives the file's language when non-null.
  Result<std::string> file_text(const std::string& path, std::string* lang = nullptr);
  // Definitions whose name (not qualified name) is one of `names`, within `filters` (lang,
  // path glob; kind ignored), in one statement (context assembly looks up every identifier a
  // function uses); grouped by file, then by line. Names with more than `max_per_name`
  // definitions within the filters are left out (0 = no such limit). At most `limit` rows.
  Result<std::vector<SymbolRow>> find_symbols_named(const std::vector<std::string>& names,
                                                    const SearchFilters& filters,
                                                    int max_per_name, int limit);
  // The doc comment of each chunk in `ids` (ids that do not exist are left out), without
  // decompressing any text.
  Result<std::vector<std::pair<int64_t, std::string>>> chunk_docs(const std::vector<int64_t>& ids);

  // ---- Embeddings (the embeddings table in schema.h) ----
  struct PendingChunk {
    int64_t chunk_id = 0;
    uint64_t hash = 0;
  };
  // Up to `limit` chunks with id > after_id whose hash has no vector for `model`, by id.
  // The same hash may appear more than once (identical chunks): embed it once.
  Result<std::vector<PendingChunk>> pending_embeddings(const std::string& model, int64_t after_id,
                                                       int limit);
  // Stores hashes.size() vectors of `dim` floats from `data` (row-major). Existing rows are
  // kept. REQUIRES: inside begin/commit.
  Status put_embeddings(const std::string& model, const std::vector<uint64_t>& hashes,
                        const float* data, int dim);
  struct EmbedCounts {
    int64_t chunks = 0, embedded = 0;  // chunks, and chunks whose hash has a vector
  };
  Result<EmbedCounts> embed_counts(const std::string& model);
  // Every chunk's vector for `model` (rows in (path, start_line) order, so the row order of
  // two indexes of one tree is the same; matrix row-major); chunks without one are left out.
  // A vector of the wrong size is kCorrupt.
  Status load_vectors(const std::string& model, int dim, std::vector<int64_t>* ids,
                      std::vector<float>* matrix);
  // Removes vectors of every other model, and unreferenced vectors of `model` beyond the
  // `keep_unreferenced` most recent (they serve branch switches and reverts).
  // REQUIRES: inside begin/commit.
  Status prune_embeddings(const std::string& model, int64_t keep_unreferenced);

  // PRAGMA integrity_check plus FTS5's own integrity-check. "ok" or the problems found.
  Result<std::string> integrity_check();

  // ---- Operations: maintenance, caches, metrics (index_store_ops.cpp) --------------------
  // Writes in this block that serve bookkeeping (cache rows, metrics) wait at most
  // `kOpsBusyMs` for another writer and then give up with kIoError ("database is locked"):
  // a search must never stall behind an indexer to record a statistic.
  static constexpr int kOpsBusyMs = 200;

  // meta.index_generation: bumped, in the same transaction, by every write that can change
  // a search result (triggers of schema migration 2). 0 when absent.
  Result<int64_t> generation();
  // PRAGMA quick_check (pages and structure; no index-content cross-check, no FTS check):
  // "ok" or the problems found, one per line.
  Result<std::string> quick_check();
  // ANALYZE, PRAGMA optimize, FTS5 'optimize' (merges the full-text segments into one), then
  // a truncating WAL checkpoint. Takes the write lock for its duration.
  Status optimize();
  // VACUUM (rewrites the file without free pages), then a truncating WAL checkpoint. Needs
  // the write lock and free disk space about the size of the index.
  Status vacuum();
  // Copies the live database to `dest` with SQLite's online backup API, `pages_per_step`
  // pages at a time: writers may commit meanwhile (the copy restarts on their changes and is
  // a consistent snapshot). `dest` is written through a temporary file in its directory
  // and renamed, so it never holds a partial copy. Errors: kInvalidArgument when `dest` is
  // this index (or its -wal/-shm) or exists already; kIoError on write failures.
  Status backup_to(const std::string& dest, int pages_per_step = 4096);
  // Bytes of the database file plus its WAL.
  uint64_t file_bytes();

  // The plans of the hot read queries (EXPLAIN QUERY PLAN): which use an index, which scan.
  struct QueryPlan {
    std::string name, sql;
    std::vector<std::string> steps;  // EXPLAIN QUERY PLAN detail lines
    bool full_scan = false;          // a step scans a table or a whole index
  };
  Result<std::vector<QueryPlan>> hot_query_plans();

  // Query-result cache rows (table query_cache). `request` is compared byte for byte, so a
  // hash collision can never serve another request's result.
  struct CachedResult {
    std::string result;
    int64_t generation = 0, created_at = 0;
  };
  Result<std::optional<CachedResult>> query_cache_get(uint64_t key, std::string_view request);
  // Saves entries (insert or replace; only those of the current generation) and records
  // hits (hits + 1, used_at = now) of `touched` keys in one transaction, then drops entries
  // of other generations and those older than `ttl_seconds`, then the least recently used beyond `max_entries` /
  // `max_bytes`. Bookkeeping write (kOpsBusyMs).
  struct CacheWrite {
    uint64_t key = 0;
    std::string request, result;
    int64_t generation = 0, created_at = 0;  // created_at: unix seconds
  };
  Status query_cache_save(const std::vector<CacheWrite>& entries,
                          const std::vector<uint64_t>& touched, int64_t max_entries,
                          int64_t max_bytes, int64_t ttl_seconds);
  struct CacheTableStats {
    int64_t entries = 0, bytes = 0, stale = 0;  // stale: of an older generation
  };
  Result<CacheTableStats> query_cache_stats();
  Status query_cache_clear();

  // The embedding cache (table embeddings). referenced: rows a chunk points at (by hash and
  // the index's current model); unreferenced: kept for branch switches, pruned beyond a bound.
  struct EmbedCacheStats {
    int64_t entries = 0, bytes = 0, referenced = 0, unreferenced = 0, other_models = 0;
  };
  Result<EmbedCacheStats> embedding_cache_stats(const std::string& model);
  // Deletes every vector and the record of their model (meta embed_model), keeping the
  // embedder setting: the next index/update recomputes them; search is lexical meanwhile.
  // Own transaction.
  Status clear_embeddings();

  // Persisted metrics (tables metric_values, metric_histograms). Counters add up on merge,
  // gauges are replaced, histograms add bucket by bucket (`counts` comma-separated).
  struct MetricValueRow {
    std::string name, labels, kind;  // kind: "counter" | "gauge"
    double value = 0;
  };
  struct MetricHistogramRow {
    std::string name, labels;
    std::vector<uint64_t> counts;
    double sum = 0, max = 0;
    uint64_t count = 0;
  };
  // One transaction; bookkeeping write (kOpsBusyMs).
  Status merge_metrics(const std::vector<MetricValueRow>& values,
                       const std::vector<MetricHistogramRow>& histograms);
  Status load_metrics(std::vector<MetricValueRow>* values,
                      std::vector<MetricHistogramRow>* histograms);
  // Deletes the rows whose name starts with `prefix` ("" = all metrics).
  Status clear_metrics(const std::string& prefix = "");

 private:
  explicit IndexStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  Status migrate();
  Status check_schema();
  Result<int64_t> file_id(const std::string& path);
  Status delete_file_rows(int64_t file_id);
  // Creates temp.pampax_vocab (fts5vocab "row" over chunks_fts) unless it exists.
  Status ensure_vocab();

  std::unique_ptr<Db> db_;
  Stmt sel_exp_, sel_meta_, ins_file_, upd_file_, ins_text_, ins_symbol_, ins_chunk_, ins_fts_, ins_ref_, sel_file_id_, sel_hot_,
      sel_next_chunk_;
};

}  // namespace pampax
