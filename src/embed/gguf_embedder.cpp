#include "embed/gguf_embedder.h"

#include <llama.h>

#include <algorithm>
#include <cmath>

#include "embed/gguf_runtime.h"
#include "util/hash.h"

namespace pampax {
namespace {

class GgufEmbedder final : public Embedder {
 public:
  GgufEmbedder(std::unique_ptr<gguf::Session> session, EmbedderInfo info, GgufOptions opts)
      : session_(std::move(session)), info_(std::move(info)), opts_(std::move(opts)) {}

  const EmbedderInfo& info() const override { return info_; }

  Result<std::vector<float>> embed(const std::vector<std::string>& texts,
                                   EmbedRole role) override {
    const size_t dim = static_cast<size_t>(info_.dim);
    std::vector<float> out(texts.size() * dim, 0.0f);
    const std::string& prefix = role == EmbedRole::kQuery ? opts_.query_prefix
                                                          : opts_.document_prefix;
    std::vector<std::vector<llama_token>> toks(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].empty()) continue;  // zero row by contract
      auto t = tokenize(prefix.empty() ? texts[i] : prefix + texts[i]);
      if (!t.ok()) return t.status();
      toks[i] = std::move(t.value());
    }
    PAMPAX_RETURN_IF_ERROR(session_->run(toks, [&](size_t i, const float* e) {
      double ss = 0;
      for (size_t d = 0; d < dim; ++d) ss += static_cast<double>(e[d]) * e[d];
      const float inv = ss > 0 ? static_cast<float>(1.0 / std::sqrt(ss)) : 0.0f;
      float* row = out.data() + i * dim;
      for (size_t d = 0; d < dim; ++d) row[d] = e[d] * inv;
    }));
    return out;
  }

 private:
  Result<std::vector<llama_token>> tokenize(const std::string& text) const {
    // add_special: the model's own CLS/SEP/BOS/EOS; parse_special=false: text that looks like
    // a control token ("[SEP]", "<|endoftext|>") is embedded as text, never as a control.
    auto r = session_->tokenize(text, true, false);
    if (!r.ok()) return r.status();
    std::vector<llama_token>& t = r.value();
    const size_t max = static_cast<size_t>(info_.max_tokens);
    if (t.size() > max) {
      // Keep the head of the text and the closing special token (SEP/EOS) the model was
      // trained to see last: last-token pooling reads exactly that position.
      const llama_vocab* vocab = session_->vocab();
      const llama_token last = t.back();
      const bool closing = (llama_vocab_get_add_eos(vocab) && last == llama_vocab_eos(vocab)) ||
                           (llama_vocab_get_add_sep(vocab) && last == llama_vocab_sep(vocab));
      t.resize(max);
      if (closing) t.back() = last;
    }
    return r;
  }

  std::unique_ptr<gguf::Session> session_;
  EmbedderInfo info_;
  GgufOptions opts_;
};

}  // namespace

Result<std::unique_ptr<Embedder>> open_gguf_embedder(const GgufOptions& options) {
  GgufOptions opts = options;
  if (opts.batch_tokens < 8) {
    return InvalidArgument("batch_tokens must be at least 8, got " +
                           std::to_string(opts.batch_tokens));
  }
  if (opts.max_tokens < 0 || opts.max_tokens == 1) {
    return InvalidArgument("max_tokens must be 0 (model default) or at least 2, got " +
                           std::to_string(opts.max_tokens));
  }
  if (opts.threads < 0) return InvalidArgument("threads must be >= 0");
  auto file = gguf::inspect_model(opts.model_path);
  if (!file.ok()) return file.status();
  const std::string& fname = file->file_name;
  if (!file->has_pooling || file->pooling == LLAMA_POOLING_TYPE_NONE) {
    return Unsupported(fname + " ('" + file->arch + "' architecture) declares no pooling in its " +
                       "metadata, so it is not an embedding model; use an embedding GGUF " +
                       "(e.g. all-MiniLM-L6-v2, bge-small-en, nomic-embed-text)");
  }
  if (file->pooling == LLAMA_POOLING_TYPE_RANK) {
    return Unsupported(fname + " is a reranker (rank pooling), not an embedding model; use it "
                       "with `pampax search --rerank gguf --rerank-model FILE`");
  }
  gguf::SessionOptions so;
  so.threads = opts.threads;
  so.batch_tokens = opts.batch_tokens;
  so.max_tokens = opts.max_tokens;
  auto session = gguf::Session::open(*file, so);
  if (!session.ok()) return session.status();
  const enum llama_pooling_type pooling = (*session)->pooling();
  if (pooling == LLAMA_POOLING_TYPE_NONE || pooling == LLAMA_POOLING_TYPE_RANK) {
    return Unsupported(fname + " has " + gguf::pooling_name(pooling) +
                       " pooling; only mean, cls and last pooling produce text embeddings");
  }

  EmbedderInfo info;
  info.dim = llama_model_n_embd_out((*session)->model());
  info.max_tokens = (*session)->max_tokens();
  info.model_id = "gguf:" + fname + ":" + file->fingerprint + ":" + gguf::pooling_name(pooling) +
                  ":" + std::to_string(info.dim);
  if (!opts.query_prefix.empty() || !opts.document_prefix.empty()) {
    info.model_id += ":prefix-" +
                     content_hash(opts.query_prefix + '\0' + opts.document_prefix).substr(0, 8);
  }
  return std::unique_ptr<Embedder>(
      std::make_unique<GgufEmbedder>(std::move(session).value(), std::move(info), std::move(opts)));
}

}  // namespace pampax
