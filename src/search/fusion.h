// Fusion of the lexical and vector arms into one candidate list.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "search/types.h"

namespace pampax {

struct ArmHit {
  int64_t chunk_id = 0;
  double score = 0;  // arm-specific, higher is better
};

struct FusionOptions {
  // kMinMax: score = sum of weight * (score - arm's worst) / (arm's best - arm's worst) over
  // the arms that returned the chunk: cosines of a weak embedder sit in a narrow band, which
  // kWeighted (divide by the best) flattens.
  enum class Method { kRrf, kWeighted, kMinMax } method = Method::kRrf;
  double rrf_k = 60;            // RRF: score = sum over arms of weight / (rrf_k + rank)
  double lexical_weight = 1.0;
  double vector_weight = 1.0;   // weighted: score = sum of weight * score / arm's best score
};

struct Candidate {
  int64_t chunk_id = 0;
  ArmEvidence lexical, vector;
  double fused = 0;
};

// Each list is best first (rank = position + 1). Candidates come back best first; equal
// fused scores are ordered by `before` (Searcher: path, then start line), else by chunk id.
std::vector<Candidate> fuse(const std::vector<ArmHit>& lexical, const std::vector<ArmHit>& vec,
                            const FusionOptions& o,
                            const std::function<bool(int64_t, int64_t)>& before = {});

}  // namespace pampax
