// What the gguf backends (embedder and reranker) share: llama.cpp initialisation and logging,
// checking a GGUF file before loading it, and a loaded model with one inference context that
// runs token sequences packed several to a forward pass, returning each sequence's pooled
// output (an embedding for mean/cls/last pooling, the classifier's scores for rank pooling).
// Internal to embed/: callers outside use gguf_embedder.h and gguf_reranker.h.
#pragma once

#include <llama.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace pampax::gguf {

// Once per process: llama.cpp's backend and log hook (silent unless PAMPAX_LOG=debug, then
// stderr). Thread-safe.
void init_llama();
// llama.cpp's last error line as " (llama.cpp: ...)", or "" when there was none; clears it.
std::string take_last_error();
const char* pooling_name(enum llama_pooling_type p);

// A GGUF file checked from its header, before any weights are loaded.
struct ModelFile {
  std::string path;
  std::string file_name;    // without the directory, for messages and model ids
  std::string fingerprint;  // 16 hex digits: size + first and last MiB
  std::string arch;         // general.architecture
  bool has_pooling = false; // <arch>.pooling_type present
  uint32_t pooling = 0;     // its value (enum llama_pooling_type)
};
// Errors: kInvalidArgument (empty path, no GGUF magic), kNotFound, kIoError, kCorrupt
// (a header llama.cpp cannot parse).
Result<ModelFile> inspect_model(const std::string& path);

struct SessionOptions {
  int threads = 0;         // 0 = all hardware threads
  int batch_tokens = 256;  // token budget of one forward pass (>= 8)
  int max_tokens = 0;      // longest sequence; 0 = min(1024, training context); else >= 2
};

// A loaded model and its inference context. Thread-compatible: one run() at a time.
class Session {
 public:
  // Loads the model (encoder-decoder models are refused: kUnsupported) and creates a context
  // with embeddings on and the file's own pooling. Errors: kInvalidArgument for options out
  // of range, kCorrupt when llama.cpp cannot load the file, kInternal when it cannot make a
  // context.
  static Result<std::unique_ptr<Session>> open(const ModelFile& file, const SessionOptions& o);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const llama_model* model() const { return model_; }
  const llama_vocab* vocab() const { return vocab_; }
  enum llama_pooling_type pooling() const { return llama_pooling_type(ctx_); }
  int max_tokens() const { return max_tokens_; }
  int threads() const { return threads_; }

  // Tokenises with the model's vocabulary. add_special: the model's own BOS/CLS, EOS/SEP;
  // parse_special: text spelling a control token becomes that token (only for trusted text
  // such as the model's own templates). No truncation. kInvalidArgument when llama.cpp fails.
  Result<std::vector<llama_token>> tokenize(const std::string& text, bool add_special,
                                            bool parse_special) const;

  // Runs every non-empty sequence (each at most max_tokens() long) and calls
  // out(index, pooled) once per sequence with its pooled output (valid during the call only:
  // n_embd_out floats, or n_cls_out for rank pooling). Sequences are packed longest first,
  // ties in input order, as many to a pass as the budget allows (a longer one gets a pass of
  // its own); llama.cpp masks attention between the sequences of a pass, so a result does not
  // depend on its neighbours. Errors: kInvalidArgument for an over-long sequence, kInternal
  // when llama.cpp fails a pass.
  Status run(const std::vector<std::vector<llama_token>>& seqs,
             const std::function<void(size_t, const float*)>& out);

 private:
  Session() = default;
  Status run_group(const std::vector<size_t>& group,
                   const std::vector<std::vector<llama_token>>& seqs,
                   const std::function<void(size_t, const float*)>& out);

  llama_model* model_ = nullptr;
  llama_context* ctx_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  llama_batch batch_{};
  bool batch_ok_ = false;
  int batch_tokens_ = 256;
  int max_tokens_ = 0;
  int n_seq_max_ = 1;
  int threads_ = 1;
};

}  // namespace pampax::gguf
