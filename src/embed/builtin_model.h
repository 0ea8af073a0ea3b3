// The builtin semantic layer's static word vectors, trained on the repository itself at index
// time (no pretrained weights, nothing to download): sub-token co-occurrence within chunks ->
// positive pointwise mutual information (PPMI) -> truncated SVD (randomized, Halko et al.).
// A chunk's vector is the idf-weighted average of its terms' vectors (embed/builtin_embedder.h).
// Measured on CoSQA and SWE-bench Lite in docs/benchmarks.md; the design in docs/DESIGN.md.
//
// Everything here is deterministic: the same texts give bit-identical vectors (fixed seed,
// sorted vocabulary, sums in a fixed order whatever the thread count).
// Threading: pure functions, safe to call concurrently on different data.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pampax {

// Terms of a text as the builtin layer sees them: every word and identifier sub-word
// (util/ident.h), lowercased and Porter-stemmed (unmarked); terms shorter than 2 or longer than
// 40 bytes and pure numbers are skipped. With `drop_stop_words` (queries) English stop words
// are left out, unless every word is one.
void builtin_terms(std::string_view text, bool drop_stop_words,
                   const std::function<void(const std::string&)>& sink);

// Symmetric sparse matrix in compressed-row form (both triangles stored, rows sorted).
struct SparseMatrix {
  int n = 0;
  std::vector<int64_t> row_start;  // n + 1 entries
  std::vector<int32_t> col;
  std::vector<float> val;
  // out (n x k, row-major) = this * x (n x k, row-major).
  void multiply(const float* x, int k, float* out) const;
};

// C(i,j) = number of bags holding both i and j (i != j; each bag counted once per pair), over
// bags of term ids < n. Bags may hold repeats; they are deduplicated. Counted on up to
// `threads` threads (0 = all cores); the result does not depend on the count.
SparseMatrix cooccurrence(const std::vector<std::vector<uint32_t>>& bags, int n, int threads = 1);

// PPMI with context-distribution smoothing: with r_i = sum_j C(i,j), T = sum_i r_i and
// c_j = r_j^alpha / sum_k r_k^alpha, PPMI(i,j) = max(0, log(C(i,j) / (r_i c_j))). Zero entries
// are dropped.
SparseMatrix ppmi(const SparseMatrix& counts, double alpha = 0.75);

// Top-k eigenpairs of a symmetric matrix by randomized subspace iteration (equivalently its
// top-k singular triplets, signs aside): `oversample` extra columns, `power` iterations with
// re-orthonormalisation, Gaussian start from `seed`. *vectors: n x k row-major, columns
// orthonormal, ordered by decreasing |value|; *values: the k values (|.| = singular values).
// k is clamped to n.
void randomized_eigs(const SparseMatrix& m, int k, int oversample, int power, uint64_t seed,
                     std::vector<float>* vectors, std::vector<float>* values);

// Eigen-decomposition of a small dense symmetric matrix (n x n, row-major, double) by cyclic
// Jacobi rotations: a = V diag(w) V^T. *w ascending is NOT guaranteed; pairs come unsorted.
void jacobi_eigen(std::vector<double> a, int n, std::vector<double>* w, std::vector<double>* v);

struct BuiltinTrainOptions {
  // Defaults chosen by cost and CoSQA dev (docs/benchmarks.md): d=128, 1 power iteration,
  // 6,000 chunks and 32 terms a chunk cost 40% of the first build's CPU for -0.001 hybrid MRR.
  int sample_chunks = 6000;  // chunks sampled (evenly by id) for training (core/builtin_layer.h)
  int dim = 128;
  int max_vocab = 20000;   // most frequent terms (by document frequency) with df >= min_df
  int min_df = 2;
  int max_terms_per_chunk = 32;  // distinct vocabulary terms a chunk adds pairs for (rarest)
  int oversample = 16;
  int power = 1;
  uint64_t seed = 42;
  // Threads for the per-chunk counting (terms, pairs): 0 = all cores. Not part of the model:
  // every count gives the same model.
  int threads = 1;
};

// The defaults, overridden by $PAMPAX_BUILTIN_TRAIN when set: comma-separated key=value pairs
// among sample, dim, vocab, min_df, terms, oversample, power (e.g. "dim=128,power=1"). A
// research knob for the measurements in docs/benchmarks.md, not a user setting: a changed value
// changes the model id, so the next index re-embeds. Bad pairs are reported on stderr and ignored.
BuiltinTrainOptions builtin_train_options_from_env();

struct BuiltinModel {
  int dim = 0;
  std::vector<std::string> terms;  // sorted
  std::vector<float> idf;          // ln(N / df) over the training chunks
  std::vector<float> vectors;      // terms.size() x dim, each row L2-normalised (or zero)
  uint64_t hash = 0;               // XXH3 of terms, idf and vectors: part of the model id
  // "builtin:ppmi-svd-d<dim>:<hash hex>"
  std::string model_id() const;
};

// Trains on `texts` (one per chunk). Fewer than 2 usable terms gives a model with no terms (it
// embeds every text as a zero vector).
BuiltinModel train_builtin_model(const std::vector<std::string>& texts,
                                 const BuiltinTrainOptions& o = {});

}  // namespace pampax
