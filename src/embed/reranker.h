// Reranker: scores how relevant each of a few dozen candidate documents is to a query, reading
// query and document together (a cross-encoder), which ranks better than comparing separately
// computed vectors but costs a model pass per document. One interface for every backend (gguf
// via llama.cpp, http rerank APIs); the Searcher applies it to the top fused candidates.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace pampax {

struct RerankerInfo {
  // Stable identity of the model and everything that changes its scores (backend, file content
  // hash or server URL and model name). Scores of different ids are not comparable.
  std::string model_id;
  // Longest query + document pair in model tokens; longer documents are cut (never an error).
  int max_tokens = 0;
};

class Reranker {
 public:
  virtual ~Reranker() = default;
  virtual const RerankerInfo& info() const = 0;
  // One relevance score per document, in input order: higher is more relevant. Scores are the
  // model's raw outputs (logits for cross-encoders), comparable only within one model; each
  // depends only on (query, document), not on the other documents or the batching.
  // Errors: kInvalidArgument for an empty query; the backend's (kIoError, kCorrupt,
  // kInternal) otherwise. Thread-compatible: one call at a time per instance.
  virtual Result<std::vector<float>> score(const std::string& query,
                                           const std::vector<std::string>& documents) = 0;
};

}  // namespace pampax
