// Which reranker a search uses (`pampax search --rerank ...`). Not stored in the index: a
// reranker changes no stored data, only the order of one search's results.
#pragma once
#include <memory>
#include <string>

#include "embed/reranker.h"
#include "util/status.h"

namespace pampax {

struct RerankConfig {
  std::string backend = "none";  // none | gguf | http
  std::string model_path;        // gguf: the reranker .gguf file
  std::string url;               // http: base URL
  std::string model;             // http: model name sent to the server (cohere API)
  std::string api = "cohere";    // http: cohere (also Jina, llama-server) | tei
  int threads = 0;               // gguf: compute threads (0 = all cores)

  bool enabled() const { return backend != "none"; }
  // A short human description ("gguf /models/rerank.gguf").
  std::string describe() const;
};

// Opens the backend. Errors: kInvalidArgument for an unknown backend or API or a missing model
// path / URL; the backend's otherwise, prefixed with what was being opened.
Result<std::unique_ptr<Reranker>> make_reranker(const RerankConfig& config);

}  // namespace pampax
