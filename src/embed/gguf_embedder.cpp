#include "embed/gguf_embedder.h"

#include <gguf.h>
#include <llama.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <thread>

#include "util/hash.h"

namespace pampax {
namespace {

// Longer inputs are rare in code chunks, and a decoder model's KV cache grows with this.
constexpr int kDefaultMaxTokens = 1024;

// --- llama.cpp logging: silent unless PAMPAX_LOG=debug; the last error is kept so failures
// can say what llama.cpp complained about. ---

std::mutex g_log_mu;
std::string g_last_error;  // guarded by g_log_mu
bool g_log_debug = false;  // set once in init_llama()

void llama_log_callback(ggml_log_level level, const char* text, void* /*user*/) {
  if (g_log_debug) std::fputs(text, stderr);
  if (level == GGML_LOG_LEVEL_ERROR) {
    std::lock_guard<std::mutex> lock(g_log_mu);
    g_last_error = text;
    while (!g_last_error.empty() && (g_last_error.back() == '\n' || g_last_error.back() == ' ')) {
      g_last_error.pop_back();
    }
  }
}

void init_llama() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* lv = std::getenv("PAMPAX_LOG");
    g_log_debug = lv && std::strcmp(lv, "debug") == 0;
    llama_log_set(llama_log_callback, nullptr);
    llama_backend_init();
  });
}

std::string take_last_error() {
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::string e = std::move(g_last_error);
  g_last_error.clear();
  return e.empty() ? "" : " (llama.cpp: " + e + ")";
}

const char* pooling_name(enum llama_pooling_type p) {
  switch (p) {
    case LLAMA_POOLING_TYPE_MEAN: return "mean";
    case LLAMA_POOLING_TYPE_CLS: return "cls";
    case LLAMA_POOLING_TYPE_LAST: return "last";
    case LLAMA_POOLING_TYPE_RANK: return "rank";
    case LLAMA_POOLING_TYPE_NONE: return "none";
    default: return "unspecified";
  }
}

// Identity of the file's content without reading all of it: size plus the first and last MiB
// (weights of a re-quantised or different model differ in both).
Result<std::string> file_fingerprint(const std::string& path, uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path + ": " + std::strerror(errno));
  constexpr uint64_t kMiB = 1 << 20;
  std::string buf = std::to_string(size) + "\n";
  auto read_at = [&](uint64_t off, uint64_t n) {
    std::string part(n, '\0');
    in.seekg(static_cast<std::streamoff>(off));
    in.read(part.data(), static_cast<std::streamsize>(n));
    part.resize(static_cast<size_t>(in.gcount()));
    buf += part;
  };
  read_at(0, std::min(size, kMiB));
  if (size > kMiB) read_at(size - std::min(size - kMiB, kMiB), std::min(size - kMiB, kMiB));
  return content_hash(buf).substr(0, 16);
}

// What the GGUF header says, read without loading any weights so that a multi-GB LLM is
// rejected in milliseconds.
struct GgufMeta {
  std::string arch;
  bool has_pooling = false;
  uint32_t pooling = 0;
};

Result<GgufMeta> read_meta(const std::string& path) {
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* g = gguf_init_from_file(path.c_str(), params);
  if (!g) {
    return Corrupt(path + " has a GGUF header but it could not be parsed" + take_last_error() +
                   ": the file is truncated or damaged; download it again");
  }
  GgufMeta m;
  int64_t k = gguf_find_key(g, "general.architecture");
  if (k >= 0 && gguf_get_kv_type(g, k) == GGUF_TYPE_STRING) m.arch = gguf_get_val_str(g, k);
  k = gguf_find_key(g, (m.arch + ".pooling_type").c_str());
  if (k >= 0) {
    gguf_type t = gguf_get_kv_type(g, k);
    if (t == GGUF_TYPE_UINT32) {
      m.has_pooling = true;
      m.pooling = gguf_get_val_u32(g, k);
    } else if (t == GGUF_TYPE_INT32) {
      m.has_pooling = true;
      m.pooling = static_cast<uint32_t>(gguf_get_val_i32(g, k));
    }
  }
  gguf_free(g);
  return m;
}

class GgufEmbedder final : public Embedder {
 public:
  // `pass_tokens`: the context's per-pass capacity, max(batch_tokens, max_tokens).
  GgufEmbedder(llama_model* model, llama_context* ctx, EmbedderInfo info, GgufOptions opts,
               int pass_tokens, int n_seq_max)
      : model_(model),
        ctx_(ctx),
        vocab_(llama_model_get_vocab(model)),
        info_(std::move(info)),
        opts_(std::move(opts)),
        n_seq_max_(n_seq_max),
        batch_(llama_batch_init(pass_tokens, 0, 1)) {}

  ~GgufEmbedder() override {
    llama_batch_free(batch_);
    llama_free(ctx_);
    llama_model_free(model_);
  }

  const EmbedderInfo& info() const override { return info_; }

  Result<std::vector<float>> embed(const std::vector<std::string>& texts,
                                   EmbedRole role) override {
    const size_t dim = static_cast<size_t>(info_.dim);
    std::vector<float> out(texts.size() * dim, 0.0f);
    const std::string& prefix = role == EmbedRole::kQuery ? opts_.query_prefix
                                                          : opts_.document_prefix;
    std::vector<std::vector<llama_token>> toks(texts.size());
    std::vector<size_t> order;
    for (size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].empty()) continue;  // zero row by contract
      auto t = tokenize(prefix.empty() ? texts[i] : prefix + texts[i]);
      if (!t.ok()) return t.status();
      toks[i] = std::move(t.value());
      if (!toks[i].empty()) order.push_back(i);
    }
    // Longest first, ties in input order: packs similar lengths together and is deterministic.
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return toks[a].size() > toks[b].size(); });

    // A text longer than the budget gets a pass of its own.
    std::vector<size_t> group;
    size_t group_tokens = 0;
    for (size_t idx : order) {
      const size_t n = toks[idx].size();
      if (!group.empty() && (group_tokens + n > static_cast<size_t>(opts_.batch_tokens) ||
                             group.size() >= static_cast<size_t>(n_seq_max_))) {
        PAMPAX_RETURN_IF_ERROR(run_group(group, toks, out));
        group.clear();
        group_tokens = 0;
      }
      group.push_back(idx);
      group_tokens += n;
    }
    if (!group.empty()) PAMPAX_RETURN_IF_ERROR(run_group(group, toks, out));
    return out;
  }

 private:
  Result<std::vector<llama_token>> tokenize(const std::string& text) const {
    std::vector<llama_token> t(text.size() + 8);
    // add_special: the model's own CLS/SEP/BOS/EOS; parse_special=false: text that looks like
    // a control token ("[SEP]", "<|endoftext|>") is embedded as text, never as a control.
    int32_t n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), t.data(),
                               static_cast<int32_t>(t.size()), true, false);
    if (n < 0 && n != INT32_MIN) {
      t.resize(static_cast<size_t>(-n));
      n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), t.data(),
                         static_cast<int32_t>(t.size()), true, false);
    }
    if (n < 0) return InvalidArgument("text of " + std::to_string(text.size()) +
                                      " bytes could not be tokenised" + take_last_error());
    t.resize(static_cast<size_t>(n));
    const size_t max = static_cast<size_t>(info_.max_tokens);
    if (t.size() > max) {
      // Keep the head of the text and the closing special token (SEP/EOS) the model was
      // trained to see last: last-token pooling reads exactly that position.
      const llama_token last = t.back();
      const bool closing = (llama_vocab_get_add_eos(vocab_) && last == llama_vocab_eos(vocab_)) ||
                           (llama_vocab_get_add_sep(vocab_) && last == llama_vocab_sep(vocab_));
      t.resize(max);
      if (closing) t.back() = last;
    }
    return t;
  }

  Status run_group(const std::vector<size_t>& group,
                   const std::vector<std::vector<llama_token>>& toks, std::vector<float>& out) {
    batch_.n_tokens = 0;
    for (size_t s = 0; s < group.size(); ++s) {
      const auto& t = toks[group[s]];
      for (size_t p = 0; p < t.size(); ++p) {
        const int32_t i = batch_.n_tokens++;
        batch_.token[i] = t[p];
        batch_.pos[i] = static_cast<llama_pos>(p);
        batch_.n_seq_id[i] = 1;
        batch_.seq_id[i][0] = static_cast<llama_seq_id>(s);
        batch_.logits[i] = 1;
      }
    }
    // Decoder models keep a KV cache; each group is independent of the previous one.
    if (llama_memory_t mem = llama_get_memory(ctx_)) llama_memory_clear(mem, true);
    const int32_t rc = llama_decode(ctx_, batch_);
    if (rc != 0) {
      return Internal("llama.cpp failed to embed a batch of " + std::to_string(batch_.n_tokens) +
                      " tokens (code " + std::to_string(rc) + ")" + take_last_error());
    }
    const size_t dim = static_cast<size_t>(info_.dim);
    for (size_t s = 0; s < group.size(); ++s) {
      const float* e = llama_get_embeddings_seq(ctx_, static_cast<llama_seq_id>(s));
      if (!e) return Internal("llama.cpp returned no pooled embedding" + take_last_error());
      double ss = 0;
      for (size_t d = 0; d < dim; ++d) ss += static_cast<double>(e[d]) * e[d];
      const float inv = ss > 0 ? static_cast<float>(1.0 / std::sqrt(ss)) : 0.0f;
      float* row = out.data() + group[s] * dim;
      for (size_t d = 0; d < dim; ++d) row[d] = e[d] * inv;
    }
    return Status::Ok();
  }

  llama_model* model_;
  llama_context* ctx_;
  const llama_vocab* vocab_;
  EmbedderInfo info_;
  GgufOptions opts_;
  int n_seq_max_;
  llama_batch batch_;
};

}  // namespace

Result<std::unique_ptr<Embedder>> open_gguf_embedder(const GgufOptions& options) {
  GgufOptions opts = options;
  const std::string& path = opts.model_path;
  if (opts.batch_tokens < 8) {
    return InvalidArgument("batch_tokens must be at least 8, got " +
                           std::to_string(opts.batch_tokens));
  }
  if (opts.max_tokens < 0 || opts.max_tokens == 1) {
    return InvalidArgument("max_tokens must be 0 (model default) or at least 2, got " +
                           std::to_string(opts.max_tokens));
  }
  if (opts.threads < 0) return InvalidArgument("threads must be >= 0");
  if (opts.threads == 0) opts.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::error_code ec;
  if (path.empty()) return InvalidArgument("no GGUF model path given (--model path.gguf)");
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("GGUF model file not found: " + path);
  }
  const uint64_t size = std::filesystem::file_size(path, ec);
  {
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(magic, 4);
    if (in.gcount() != 4 || std::memcmp(magic, "GGUF", 4) != 0) {
      return InvalidArgument(path + " is not a GGUF file (no GGUF magic); convert the model " +
                             "with llama.cpp's convert_hf_to_gguf.py or download a .gguf build");
    }
  }

  init_llama();
  take_last_error();
  auto meta = read_meta(path);
  if (!meta.ok()) return meta.status();
  const std::string fname = std::filesystem::path(path).filename().string();
  if (!meta->has_pooling || meta->pooling == LLAMA_POOLING_TYPE_NONE) {
    return Unsupported(fname + " ('" + meta->arch + "' architecture) declares no pooling in its " +
                       "metadata, so it is not an embedding model; use an embedding GGUF " +
                       "(e.g. all-MiniLM-L6-v2, bge-small-en, nomic-embed-text)");
  }
  if (meta->pooling == LLAMA_POOLING_TYPE_RANK) {
    return Unsupported(fname + " is a reranker (rank pooling), not an embedding model");
  }
  auto fp = file_fingerprint(path, size);
  if (!fp.ok()) return fp.status();

  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(path.c_str(), mp);
  if (!model) {
    return Corrupt("llama.cpp could not load " + path + take_last_error() +
                   "; the file may be damaged or use an architecture this build does not know");
  }
  if (llama_model_has_encoder(model) && llama_model_has_decoder(model)) {
    llama_model_free(model);
    return Unsupported(fname + " is an encoder-decoder model; embeddings need an encoder-only "
                       "or decoder-only model");
  }
  const int n_ctx_train = llama_model_n_ctx_train(model);
  int max_tokens = opts.max_tokens > 0 ? opts.max_tokens : kDefaultMaxTokens;
  if (n_ctx_train > 0) max_tokens = std::min(max_tokens, n_ctx_train);

  // llama.cpp sizes its worst-case graph for n_ubatch tokens split evenly over n_seq_max
  // sequences and fails an assertion when n_seq_max does not divide n_ubatch: round the
  // capacity up to a multiple of 64 and take its largest divisor within the sequence limit.
  const int pass_tokens = (std::max(opts.batch_tokens, max_tokens) + 63) / 64 * 64;
  int n_seq_max = 1;
  for (int d = static_cast<int>(std::min<size_t>(llama_max_parallel_sequences(),
                                                 static_cast<size_t>(pass_tokens)));
       d >= 1; --d) {
    if (pass_tokens % d == 0) {
      n_seq_max = d;
      break;
    }
  }
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(pass_tokens);
  cp.n_batch = static_cast<uint32_t>(pass_tokens);
  // Pooled embeddings cannot be split across micro-batches: one pass per packed batch.
  cp.n_ubatch = static_cast<uint32_t>(pass_tokens);
  cp.n_seq_max = static_cast<uint32_t>(n_seq_max);
  cp.n_threads = opts.threads;
  cp.n_threads_batch = opts.threads;
  cp.embeddings = true;
  cp.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;  // the file's own
  cp.kv_unified = true;
  cp.no_perf = true;
  llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) {
    llama_model_free(model);
    return Internal("llama.cpp could not create an inference context for " + fname +
                    take_last_error());
  }
  const enum llama_pooling_type pooling = llama_pooling_type(ctx);
  if (pooling == LLAMA_POOLING_TYPE_NONE || pooling == LLAMA_POOLING_TYPE_RANK) {
    llama_free(ctx);
    llama_model_free(model);
    return Unsupported(fname + " has " + pooling_name(pooling) +
                       " pooling; only mean, cls and last pooling produce text embeddings");
  }

  EmbedderInfo info;
  info.dim = llama_model_n_embd_out(model);
  info.max_tokens = max_tokens;
  info.model_id = "gguf:" + fname + ":" + fp.value() + ":" + pooling_name(pooling) + ":" +
                  std::to_string(info.dim);
  if (!opts.query_prefix.empty() || !opts.document_prefix.empty()) {
    info.model_id += ":prefix-" +
                     content_hash(opts.query_prefix + '\0' + opts.document_prefix).substr(0, 8);
  }
  return std::unique_ptr<Embedder>(
      std::make_unique<GgufEmbedder>(model, ctx, std::move(info), std::move(opts), pass_tokens,
                                     n_seq_max));
}

}  // namespace pampax
