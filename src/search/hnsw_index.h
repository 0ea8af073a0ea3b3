// An HNSW graph (Debian's header-only hnswlib 0.6.2) over the rows of a vector matrix, with
// the inner product as similarity (rows are unit vectors). Labels are row numbers: the owner
// (VectorIndex) maps them to chunk ids and rescores exactly.
// Threading: build() uses `threads` workers; search() is const and may run concurrently
// (it never changes the graph's ef, it asks for max(ef, k) results instead).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
}

namespace pampax {

struct HnswParams {
  int m = 16;                 // links per node (2m on the bottom layer)
  int ef_construction = 100;  // candidate list while inserting
  uint64_t seed = 100;        // level draws: the same input and one thread give the same graph
};

class HnswIndex {
 public:
  ~HnswIndex();
  // A graph over n rows of `matrix` (n * dim floats, unit vectors). Errors: kInvalidArgument
  // for n == 0 or dim <= 0, kInternal when hnswlib fails (e.g. out of memory).
  static Result<std::unique_ptr<HnswIndex>> build(const float* matrix, size_t n, int dim,
                                                  const HnswParams& p, int threads);
  // Writes the graph to `path` (through a temporary file renamed into place).
  Status save(const std::string& path) const;
  // Reads a graph written by save(). kNotFound when the file is missing, kCorrupt when it is
  // unreadable or does not hold `n` rows of `dim` floats.
  static Result<std::unique_ptr<HnswIndex>> load(const std::string& path, size_t n, int dim);

  size_t size() const;
  int dim() const { return dim_; }
  // Up to max(ef, k) rows nearest to q as (similarity, row), best first.
  std::vector<std::pair<float, uint32_t>> search(const float* q, size_t k, size_t ef) const;

 private:
  HnswIndex(int dim);
  int dim_;
  size_t space_dim_;  // what the metric reads (must outlive graph_)
  std::unique_ptr<class DotSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

}  // namespace pampax
