// Exact nearest-neighbour search over one contiguous float32 matrix (the index's vectors for
// one model, L2-normalised, so the dot product is the cosine). The scan is SIMD (AVX2+FMA
// when the CPU has it, chosen at run time) and streams the matrix once per query.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "search/fusion.h"
#include "store/index_store.h"
#include "util/status.h"

namespace pampax {

class VectorIndex {
 public:
  // ids[i] owns row i of `matrix` (ids.size() * dim floats).
  VectorIndex(std::vector<int64_t> ids, std::vector<float> matrix, int dim);
  // Every chunk vector of `model` in the store.
  static Result<std::unique_ptr<VectorIndex>> load(IndexStore& store, const std::string& model,
                                                   int dim);

  size_t size() const { return ids_.size(); }
  int dim() const { return dim_; }

  // The k rows closest to q (dim floats), best first (ties: lower id first). `keep`, when
  // given, is asked about candidates in score order, in batches, until k are kept: it takes
  // ids and returns the subset to keep (e.g. IndexStore::filter_chunks).
  using KeepFn = std::function<Result<std::vector<int64_t>>(const std::vector<int64_t>&)>;
  Result<std::vector<ArmHit>> search(const float* q, int k, const KeepFn& keep = {}) const;

 private:
  std::vector<int64_t> ids_;
  std::vector<float> matrix_;
  int dim_;
};

// Dot product of two float arrays (exposed for tests and benchmarks).
float dot(const float* a, const float* b, int n);

}  // namespace pampax
