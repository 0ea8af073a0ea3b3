#include "embed/gguf_runtime.h"
#include "util/trace.h"

#include <gguf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "util/hash.h"

namespace pampax::gguf {
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

// ggml runs its threads with OpenMP and they meet at a barrier after every operation. libgomp's
// default lets a waiting thread spin (GOMP_SPINCOUNT, 300,000 rounds) before it sleeps; on a
// busy machine the spinning thread burns the core its partner needs, and 2 threads fell to a
// fifth of their throughput (docs/benchmarks.md). So unless the user chose a policy
// (OMP_WAIT_POLICY, or GOMP_SPINCOUNT to restore libgomp's default), pampax's processes run
// with OMP_WAIT_POLICY=PASSIVE. libgomp reads its environment once, in its constructor:
// cmake/llama.cmake links it statically, so that constructor runs inside the executable, after
// libc is initialised and after this one (priority 101 runs before default-priority
// constructors). This file is linked into every executable that can run a GGUF model.
__attribute__((constructor(101))) void default_omp_wait_policy() {
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT"))
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
}

}  // namespace

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

Result<ModelFile> inspect_model(const std::string& path) {
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
  // The header alone, without the weights, so that a multi-GB LLM is rejected in milliseconds.
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  gguf_context* g = gguf_init_from_file(path.c_str(), params);
  if (!g) {
    return Corrupt(path + " has a GGUF header but it could not be parsed" + take_last_error() +
                   ": the file is truncated or damaged; download it again");
  }
  ModelFile m;
  m.path = path;
  m.file_name = std::filesystem::path(path).filename().string();
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
  auto fp = file_fingerprint(path, size);
  if (!fp.ok()) return fp.status();
  m.fingerprint = std::move(fp).value();
  return m;
}

Result<std::unique_ptr<Session>> Session::open(const ModelFile& file, const SessionOptions& o) {
  if (o.batch_tokens < 8) {
    return InvalidArgument("batch_tokens must be at least 8, got " + std::to_string(o.batch_tokens));
  }
  if (o.max_tokens < 0 || o.max_tokens == 1) {
    return InvalidArgument("max_tokens must be 0 (model default) or at least 2, got " +
                           std::to_string(o.max_tokens));
  }
  if (o.threads < 0) return InvalidArgument("threads must be >= 0");
  init_llama();
  take_last_error();
  std::unique_ptr<Session> s(new Session());
  s->threads_ = o.threads > 0 ? o.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s->batch_tokens_ = o.batch_tokens;

  llama_model_params mp = llama_model_default_params();
  mp.n_gpu_layers = 0;
  trace_point("gguf: session start");
  s->model_ = llama_model_load_from_file(file.path.c_str(), mp);
  trace_point("gguf: model loaded");
  if (!s->model_) {
    return Corrupt("llama.cpp could not load " + file.path + take_last_error() +
                   "; the file may be damaged or use an architecture this build does not know");
  }
  s->vocab_ = llama_model_get_vocab(s->model_);
  if (llama_model_has_encoder(s->model_) && llama_model_has_decoder(s->model_)) {
    return Unsupported(file.file_name + " is an encoder-decoder model; embeddings and reranking "
                       "need an encoder-only or decoder-only model");
  }
  const int n_ctx_train = llama_model_n_ctx_train(s->model_);
  int max_tokens = o.max_tokens > 0 ? o.max_tokens : kDefaultMaxTokens;
  if (n_ctx_train > 0) max_tokens = std::min(max_tokens, n_ctx_train);
  s->max_tokens_ = max_tokens;

  // llama.cpp sizes its worst-case graph for n_ubatch tokens split evenly over n_seq_max
  // sequences and fails an assertion when n_seq_max does not divide n_ubatch: round the
  // capacity up to a multiple of 64 and take its largest divisor within the sequence limit.
  const int pass_tokens = (std::max(o.batch_tokens, max_tokens) + 63) / 64 * 64;
  for (int d = static_cast<int>(std::min<size_t>(llama_max_parallel_sequences(),
                                                 static_cast<size_t>(pass_tokens)));
       d >= 1; --d) {
    if (pass_tokens % d == 0) {
      s->n_seq_max_ = d;
      break;
    }
  }
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(pass_tokens);
  cp.n_batch = static_cast<uint32_t>(pass_tokens);
  // Pooled outputs cannot be split across micro-batches: one pass per packed batch.
  cp.n_ubatch = static_cast<uint32_t>(pass_tokens);
  cp.n_seq_max = static_cast<uint32_t>(s->n_seq_max_);
  cp.n_threads = s->threads_;
  cp.n_threads_batch = s->threads_;
  cp.embeddings = true;
  cp.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;  // the file's own
  cp.kv_unified = true;
  cp.no_perf = true;
  s->ctx_ = llama_init_from_model(s->model_, cp);
  if (!s->ctx_) {
    return Internal("llama.cpp could not create an inference context for " + file.file_name +
                    take_last_error());
  }
  trace_point("gguf: context created");
  s->batch_ = llama_batch_init(pass_tokens, 0, 1);
  s->batch_ok_ = true;
  return s;
}

Session::~Session() {
  if (batch_ok_) llama_batch_free(batch_);
  if (ctx_) llama_free(ctx_);
  if (model_) llama_model_free(model_);
}

Result<std::vector<llama_token>> Session::tokenize(const std::string& text, bool add_special,
                                                   bool parse_special) const {
  std::vector<llama_token> t(text.size() + 8);
  int32_t n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), t.data(),
                             static_cast<int32_t>(t.size()), add_special, parse_special);
  if (n < 0 && n != INT32_MIN) {
    t.resize(static_cast<size_t>(-n));
    n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), t.data(),
                       static_cast<int32_t>(t.size()), add_special, parse_special);
  }
  if (n < 0) {
    return InvalidArgument("text of " + std::to_string(text.size()) +
                           " bytes could not be tokenised" + take_last_error());
  }
  t.resize(static_cast<size_t>(n));
  return t;
}

Status Session::run(const std::vector<std::vector<llama_token>>& seqs,
                    const std::function<void(size_t, const float*)>& out) {
  std::vector<size_t> order;
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i].empty()) continue;
    if (seqs[i].size() > static_cast<size_t>(max_tokens_)) {
      return InvalidArgument("a sequence of " + std::to_string(seqs[i].size()) +
                             " tokens is longer than the limit of " + std::to_string(max_tokens_));
    }
    order.push_back(i);
  }
  // Longest first, ties in input order: packs similar lengths together and is deterministic.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return seqs[a].size() > seqs[b].size(); });
  std::vector<size_t> group;
  size_t group_tokens = 0;
  for (size_t idx : order) {
    const size_t n = seqs[idx].size();
    if (!group.empty() && (group_tokens + n > static_cast<size_t>(batch_tokens_) ||
                           group.size() >= static_cast<size_t>(n_seq_max_))) {
      PAMPAX_RETURN_IF_ERROR(run_group(group, seqs, out));
      group.clear();
      group_tokens = 0;
    }
    group.push_back(idx);
    group_tokens += n;
  }
  if (!group.empty()) PAMPAX_RETURN_IF_ERROR(run_group(group, seqs, out));
  return Status::Ok();
}

Status Session::run_group(const std::vector<size_t>& group,
                          const std::vector<std::vector<llama_token>>& seqs,
                          const std::function<void(size_t, const float*)>& out) {
  batch_.n_tokens = 0;
  for (size_t s = 0; s < group.size(); ++s) {
    const auto& t = seqs[group[s]];
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
    return Internal("llama.cpp failed a batch of " + std::to_string(batch_.n_tokens) +
                    " tokens (code " + std::to_string(rc) + ")" + take_last_error());
  }
  for (size_t s = 0; s < group.size(); ++s) {
    const float* e = llama_get_embeddings_seq(ctx_, static_cast<llama_seq_id>(s));
    if (!e) return Internal("llama.cpp returned no pooled output" + take_last_error());
    out(group[s], e);
  }
  return Status::Ok();
}

}  // namespace pampax::gguf
