// Nearest-neighbour search over the index's vectors for one model (L2-normalised, so the dot
// product is the cosine). Three ways to find the top k, all returning exact f32 scores:
//   - exact f32 scan: streams the f32 matrix once per query (AVX2+FMA when the CPU has it);
//   - quantised scan (the default below the HNSW threshold): streams an int8 copy (one scale
//     per vector; a quarter of the bytes), takes the best `rescore` x k approximate candidates
//     and rescores them exactly in f32. f16 (F16C) is kept as an alternative for measurement;
//   - HNSW (search/hnsw_index.h), attached by the owner for large indexes: a graph walk with
//     `ef` candidates, rescored exactly. docs/DESIGN.md (vector search) has the measurements
//     behind the defaults.
// A mapped index (search/vector_file.h) reads its rows under a SIGBUS guard
// (util/fault_guard.h): if another program truncates the file while it is mapped, the search
// returns kCorrupt and lost() becomes true, instead of the process dying; the owner then drops
// the index and reloads the vectors (core/engine.cpp does, from SQLite).
// Threading: const methods may run concurrently once the index is built and any graph attached.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "search/fusion.h"
#include "store/index_store.h"
#include "util/status.h"

namespace pampax {

class HnswIndex;

enum class VectorScan {
  kF32,   // exact scan of the f32 matrix
  kF16,   // f16 scan + exact rescoring
  kInt8,  // int8 scan (per-vector scale) + exact rescoring
};

struct VectorSearchOptions {
  VectorScan scan = VectorScan::kInt8;
  // Approximate candidates rescored exactly: rescore x k (at least k + 16).
  int rescore = 4;
  // Use the attached HNSW graph (if any). Filters are applied to the graph's candidates; when
  // fewer than k survive, the search falls back to the scan with the filter.
  bool use_hnsw = true;
  int hnsw_ef = 128;  // graph candidates per query (at least k)
};

class VectorIndex {
 public:
  // ids[i] owns row i of `matrix` (ids.size() * dim floats). Builds the quantised copy that
  // `scan` needs (none for kF32); a search asking for a scan whose copy was not built uses f32.
  VectorIndex(std::vector<int64_t> ids, std::vector<float> matrix, int dim,
              VectorScan scan = VectorScan::kInt8);
  ~VectorIndex();
  // Every chunk vector of `model` in the store, rows in (path, start_line) order.
  static Result<std::unique_ptr<VectorIndex>> load(IndexStore& store, const std::string& model,
                                                   int dim);

  size_t size() const { return ids_.size(); }
  int dim() const { return dim_; }
  const std::vector<int64_t>& ids() const { return ids_; }
  const float* row(size_t i) const { return matrix_ + i * static_cast<size_t>(dim_); }
  // The int8 codes and their per-row scales (null when the index was built without them).
  const int8_t* codes() const { return codes_; }
  const float* scales() const { return scales_; }
  // True when the rows are read from a mapped vector file (search/vector_file.h).
  bool mapped() const { return mapping_ != nullptr; }
  // True once a read of the mapping failed (the file was truncated under us): every later
  // search returns kCorrupt without touching the mapping again. Always false when not mapped.
  bool lost() const { return lost_.load(std::memory_order_relaxed); }
  // XXH3 of the ids and the f32 matrix: changes whenever any vector or id does (the key of a
  // persisted graph).
  uint64_t fingerprint() const;

  // Gives the index a graph over its rows (row numbers as labels), and links rows holding
  // identical vectors (duplicated code has one vector per content) so that a graph search
  // that finds one of them rescores them all: ties then go to the lower row exactly as in a
  // scan. REQUIRES: built from this index's rows; not concurrently with searches.
  void attach_hnsw(std::unique_ptr<HnswIndex> graph);
  const HnswIndex* hnsw() const { return hnsw_.get(); }

  // The k rows closest to q (dim floats), best first, exact scores. Ties go to the lower row:
  // the store loads rows in (path, start_line) order (IndexStore::load_vectors), so two indexes
  // of the same tree answer the same whatever their row ids.
  // `keep`, when given, is asked about candidates in (approximate) score order, in batches,
  // until enough are kept: it takes ids and returns the subset to keep (e.g.
  // IndexStore::filter_chunks); its errors are returned. kCorrupt when the rows of a mapped
  // index cannot be read (the file was truncated while in use; lost() is then true).
  using KeepFn = std::function<Result<std::vector<int64_t>>(const std::vector<int64_t>&)>;
  Result<std::vector<ArmHit>> search(const float* q, int k, const KeepFn& keep = {},
                                     const VectorSearchOptions& o = {}) const;

 private:
  Result<std::vector<ArmHit>> search_scan(const float* q, int k, const KeepFn& keep,
                                          const VectorSearchOptions& o) const;
  Result<std::vector<ArmHit>> search_graph(const float* q, int k, const KeepFn& keep,
                                           const VectorSearchOptions& o, bool* complete) const;
  // The int8 scan's query: int16 codes in *qi, returns their scale.
  float quantise_query(const float* q, std::vector<int16_t>* qi) const;
  // Approximate scores of every row (qi/qs: quantise_query's, for kInt8). Reads the rows and
  // writes `out` only (no allocation: it may run under the fault guard).
  void approx_scores(const float* q, VectorScan scan, const int16_t* qi, float qs, float* out) const;
  // Runs fn, which reads the rows; for a mapped index under the SIGBUS guard. false (and
  // lost_ set) when the mapping could not be read. fn must follow read_guarded()'s rules.
  template <class F>
  bool read_rows(F&& fn) const;
  Status lost_status() const;
  Result<std::vector<ArmHit>> rescore(const float* q, std::vector<uint32_t>& rows, size_t k) const;

  friend struct VectorIndexAccess;  // search/vector_file.cpp builds mapped indexes
  explicit VectorIndex(int dim);
  void quantise(VectorScan scan);

  std::vector<int64_t> ids_;
  int dim_;
  // The rows: owned (the vectors below) or inside a read-only mapping of a vector file
  // (search/vector_file.h) that `mapping_` keeps alive. Null when absent.
  const float* matrix_ = nullptr;
  const int8_t* codes_ = nullptr;     // int8 rows
  const float* scales_ = nullptr;     // per-row int8 scale
  const uint16_t* halves_ = nullptr;  // f16 rows
  std::vector<float> own_matrix_;
  std::vector<int8_t> own_codes_;
  std::vector<float> own_scales_;
  std::vector<uint16_t> own_halves_;
  std::shared_ptr<const void> mapping_;
  const void* map_lo_ = nullptr;  // the mapped range (for the guard) and its file
  size_t map_len_ = 0;
  std::string map_path_;
  mutable std::atomic<bool> lost_{false};
  uint64_t fingerprint_ = 0;  // cached (0: not computed yet; read from a vector file)
  std::unique_ptr<HnswIndex> hnsw_;
  std::vector<uint32_t> same_next_;  // next row with an identical vector (a ring; with hnsw_)
};

// When to use an HNSW graph, and where it is kept.
struct HnswPolicy {
  // Graphs are built for indexes of at least this many vectors (below, the int8 scan is fast
  // enough; see docs/DESIGN.md). $PAMPAX_HNSW_MIN_ROWS overrides it (read by the Engine).
  size_t min_rows = 100000;
  int threads = 0;  // build threads; 0: all cores
  // false: only load a saved graph (searches never build one; the embedding pass does).
  bool build = true;
};

// Gives `vi` its HNSW graph when it has at least policy.min_rows vectors: loads
// `dir`/hnsw-<fingerprint>.bin when present and valid, else builds the graph and saves it there
// (graphs of other fingerprints in `dir` are removed: they belong to vectors that changed).
// A graph that cannot be saved (read-only directory) is still used; *note then says why.
// With policy.build false a missing or bad graph is left missing (the scan answers).
// *built tells whether a build happened. Errors: only a failed build (kInternal).
Status ensure_hnsw(VectorIndex& vi, const std::string& dir, const HnswPolicy& policy, bool* built,
                   std::string* note);

// Dot product of two float arrays (exposed for tests, benchmarks and the graph's metric).
float dot(const float* a, const float* b, int n);

}  // namespace pampax
