// The builtin embedder: a chunk's (or query's) vector is the idf-weighted sum of the static
// word vectors of its terms (embed/builtin_model.h), L2-normalised. No model runs: a query costs
// one lookup per term and a d-dimensional sum. Texts with no known term embed as zero rows.
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

class BuiltinEmbedder : public Embedder {
 public:
  // Over a stored model: `lookup` is asked once per distinct term (answers are cached).
  BuiltinEmbedder(std::string model_id, int dim, BuiltinWordLookup lookup);
  // Over a model in memory (tests, training).
  explicit BuiltinEmbedder(const BuiltinModel& model);

  const EmbedderInfo& info() const override { return info_; }
  // Documents use every term; queries leave English stop words out (unless all are).
  Result<std::vector<float>> embed(const std::vector<std::string>& texts, EmbedRole role) override;

 private:
  struct Word {
    float idf = 0;
    std::vector<float> vec;  // empty: not in the vocabulary
  };
  Result<const Word*> word(const std::string& term);
  // A document term as for_each_term gives it (before stemming) -> its word; one lookup per
  // term occurrence on the indexing path instead of a stem lookup and a word lookup.
  Result<const Word*> raw_word(std::string_view raw);

  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  EmbedderInfo info_;
  BuiltinWordLookup lookup_;
  std::unordered_map<std::string, Word> cache_;  // by stem; node addresses are stable
  std::unordered_map<std::string, const Word*, SvHash, std::equal_to<>> raw_;
};

}  // namespace pampax
