// The `gguf` rerank backend: a cross-encoder reranker in a GGUF file (rank pooling: BERT-style
// ms-marco MiniLM, bge-reranker, jina-reranker; Qwen3-Reranker through the file's rerank
// template), run in-process on the CPU by llama.cpp.
#pragma once

#include <memory>
#include <string>

#include "embed/reranker.h"
#include "util/status.h"

namespace pampax {

struct GgufRerankOptions {
  std::string model_path;
  int threads = 0;  // 0 = all hardware threads
  // Token budget of one forward pass: pairs are packed several to a pass up to this many
  // tokens (a longer pair gets a pass of its own); see GgufOptions::batch_tokens.
  int batch_tokens = 512;
  // Longest pair in tokens, special tokens included; 0 = the model's training context, at most
  // 1024. The query keeps at most half of it; the document is cut to fit the rest.
  int max_tokens = 0;
};

// Loads the reranker. The pair is built as llama.cpp's server builds it: with the file's
// `tokenizer.chat_template.rerank` when it has one ({query} and {document} substituted; the
// template's own text may spell control tokens, the query and document never do), else
// [BOS] query [EOS] [SEP] document [EOS], each special token only where the vocabulary adds it
// (a converted BERT cross-encoder: [CLS] query [SEP] document [SEP]).
// Errors: kNotFound, kInvalidArgument (not a GGUF file, options out of range), kUnsupported
// (not a reranker: the file's pooling is not rank), kCorrupt (llama.cpp refused the file).
Result<std::unique_ptr<Reranker>> open_gguf_reranker(const GgufRerankOptions& options);

}  // namespace pampax
