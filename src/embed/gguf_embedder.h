// The `gguf` embedding backend: any embedding model in a GGUF file, run in-process on the CPU
// by llama.cpp (BERT family: MiniLM, bge, e5, nomic, jina; decoder embedders such as
// Qwen3-Embedding when the file declares last-token pooling).
#pragma once

#include <memory>
#include <string>

#include "embed/embedder.h"
#include "util/status.h"

namespace pampax {

struct GgufOptions {
  std::string model_path;
  // Compute threads; 0 = all hardware threads.
  int threads = 0;
  // Token budget of one forward pass: texts of similar length are packed together up to this
  // many tokens (a longer text gets a pass of its own). llama.cpp attends over the whole packed
  // pass (masking across texts), so cost grows with the square of the budget: a few hundred
  // tokens is the sweet spot for small encoders (docs/benchmarks.md).
  int batch_tokens = 256;
  // Inputs longer than this (in model tokens, special tokens included) are truncated.
  // 0 = the model's training context, at most 1024.
  int max_tokens = 0;
  // Prepended to every text of that role (asymmetric models, e.g. "query: "). Part of the
  // model id when set.
  std::string query_prefix;
  std::string document_prefix;
};

// Loads the model and prepares an inference context. Errors: kNotFound (no such file),
// kInvalidArgument (not a GGUF file, or options out of range), kUnsupported (a GGUF that is
// not an embedding model: no pooling in its metadata, a reranker, an encoder-decoder),
// kCorrupt (llama.cpp refused to load it).
// llama.cpp's own logging is silent unless PAMPAX_LOG=debug (then it goes to stderr).
Result<std::unique_ptr<Embedder>> open_gguf_embedder(const GgufOptions& options);

}  // namespace pampax
