// The builtin embedder: a chunk's (or query's) vector is the idf-weighted sum of the static
// word vectors of its terms (embed/builtin_model.h), L2-normalised. No model runs: a query costs
// one lookup per term and a d-dimensional sum. Texts with no known term embed as zero rows.
//
// Threading: one embed() call at a time per object. Over words in memory (a preloaded or
// in-memory model) one call embeds documents on set_threads() threads; each text is summed by
// one thread in the same term order, so the vectors are bit-identical for every thread count.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "embed/builtin_model.h"
#include "embed/embedder.h"

namespace pampax {

// Finds a term's idf and vector (dim floats); false when the term is not in the vocabulary,
// an error Status when the lookup itself failed.
using BuiltinWordLookup =
    std::function<Result<bool>(const std::string& term, float* idf, std::vector<float>* vec)>;

// One word of a stored model: its idf and vector (dim floats).
struct BuiltinWord {
  float idf = 0;
  std::vector<float> vec;
};
using BuiltinWords = std::unordered_map<std::string, BuiltinWord>;  // by stem

class BuiltinEmbedder : public Embedder {
 public:
  // Over a stored model: `lookup` is asked once per distinct term (answers are cached). Its
  // calls are never concurrent: such an embedder embeds on one thread.
  BuiltinEmbedder(std::string model_id, int dim, BuiltinWordLookup lookup);
  // Over every word of a model, in memory (read-only, shared by the threads of embed()).
  // Errors: kCorrupt when a vector does not have `dim` values.
  static Result<std::unique_ptr<BuiltinEmbedder>> over_words(std::string model_id, int dim,
                                                             BuiltinWords words);
  // Over a model in memory (tests, training).
  explicit BuiltinEmbedder(const BuiltinModel& model);

  const EmbedderInfo& info() const override { return info_; }
  // Documents use every term; queries leave English stop words out (unless all are).
  Result<std::vector<float>> embed(const std::vector<std::string>& texts, EmbedRole role) override;

  // Threads that embed the documents of one embed() call: 0 = all cores, 1 = the calling
  // thread only (the default). Ignored over a lookup (one thread) and for small calls.
  void set_threads(int threads) { threads_ = threads; }

 private:
  BuiltinEmbedder() = default;
  // A worker's memo of raw document terms -> words; one per thread of embed().
  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Memo {
    std::unordered_map<std::string, const BuiltinWord*, SvHash, std::equal_to<>> raw;
  };
  Result<const BuiltinWord*> word(const std::string& term);
  // A document term as for_each_term gives it (before stemming) -> its word; one lookup per
  // term occurrence on the indexing path instead of a stem lookup and a word lookup.
  Result<const BuiltinWord*> raw_word(Memo& memo, std::string_view raw);
  // The vector of texts[i] into out (dim floats, zero-filled by the caller).
  Status embed_one(Memo& memo, const std::string& text, EmbedRole role, float* out, std::vector<float>& acc);

  EmbedderInfo info_;
  BuiltinWordLookup lookup_;                  // empty over words in memory
  std::shared_ptr<const BuiltinWords> words_;  // every word (in memory), or null over lookup_
  BuiltinWords looked_up_;                    // lookup_'s answers (node addresses are stable)
  BuiltinWord missing_;                       // the answer for an unknown term (empty vector)
  std::vector<std::unique_ptr<Memo>> memos_;  // memos_[t] belongs to worker t
  int threads_ = 1;
};

}  // namespace pampax
