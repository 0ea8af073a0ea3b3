// The builtin layer's prior: static word vectors trained by this project, ahead of time, with the
// same trainer as the repository model (embed/builtin_model.h) on a large corpus of functions
// with their docstrings (bench/eval/research/prior_corpus.py builds the corpus). A repository
// alone is often too small to learn that "df" goes with "dataframe" or "remove" with "delete";
// the prior carries such associations into every index, next to the repository's own vectors.
//
// Combined model: the union of both vocabularies; a term's vector is its repository vector
// followed by its prior vector times `prior_weight` (either half zero when the term is not in
// that model), so a cosine between two combined sums adds the repository cosine term and
// prior_weight^2 times the prior one. idf comes from the repository model when it has the term,
// else from the prior.
//
// File format (little-endian): "PAMPAXPRIOR1\n", u32 dim, u32 term count, then per term (sorted)
// u16 length, the term's bytes, f32 idf, `dim` int8 components scaled by f32 scale (the row's
// max |component| / 127). Rows are L2-normalised again after dequantisation.
#pragma once
#include <string>
#include <string_view>

#include "embed/builtin_model.h"
#include "util/status.h"

namespace pampax {

std::string serialize_builtin_prior(const BuiltinModel& m);
// Errors: kCorrupt for a malformed or truncated file.
Result<BuiltinModel> parse_builtin_prior(std::string_view bytes);

// The prior compiled into this binary (empty model when built without one).
const BuiltinModel& embedded_builtin_prior();

// See the header comment. The result's hash covers both models and the weight.
BuiltinModel combine_builtin_models(const BuiltinModel& repo, const BuiltinModel& prior, float prior_weight);

// Recomputes m.hash from its terms, idf and vectors (as train_builtin_model does).
void rehash_builtin_model(BuiltinModel& m);

}  // namespace pampax
