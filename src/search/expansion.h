// Query expansion learned from the repository itself (the builtin semantic layer, part 1).
// At index time an IBM Model 1 translation table P(code term | word) is trained by EM on
// (description, code) pairs: a chunk's doc comment and name words against the terms of its
// code. At query time plain words of the query bring in the code terms they translate to,
// with a lower weight, so "check whether a value is iterable" also looks for `__iter__` and
// `hasattr`. Measured on CoSQA in bench/eval/research/builtin_semantic.md.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "search/query.h"

namespace pampax {

struct ExpansionTrainOptions {
  int iterations = 5;
  int min_source_df = 2;       // description words seen in fewer chunks are ignored
  double min_prob = 1e-3;      // translations kept
  int max_per_word = 40;       // best translations kept per word
  size_t max_targets = 96;     // code terms per chunk (rarest first)
  // Code terms in more than this fraction of the pairs are left out before training (1 = none:
  // the NULL word absorbs keywords and "self"; leaving them out at 5% cost CoSQA 0.008 MRR,
  // docs/benchmarks.md). English stop words are always left out.
  double max_target_df = 1.0;
};

struct TrainingPair {
  std::string description;  // doc comment and symbol name (natural language side)
  std::string code;         // the chunk's text
};

// word -> [(term, P(term | word))], best first.
using TranslationTable = std::unordered_map<std::string, std::vector<std::pair<std::string, float>>>;

TranslationTable train_expansions(const std::vector<TrainingPair>& pairs,
                                  const ExpansionTrainOptions& o = {});

// Packs/unpacks one word's translations ("term p term p ...") for storage.
std::string pack_translations(const std::vector<std::pair<std::string, float>>& t);
std::vector<std::pair<std::string, float>> unpack_translations(const std::string& s);

struct ExpandOptions {
  int max_terms = 10;     // expansion terms added
  double weight = 0.3;    // weight of the best expansion term (others scale down with p)
  int max_query_words = 40;  // longer queries (bug reports) are not expanded
};

// Adds expansion terms to q (QueryTerm::weight < 1, expansion = true). `lookup(word)` returns
// the stored translations of a query word (empty when none).
template <class Lookup>
void expand_query(ParsedQuery& q, Lookup&& lookup, const ExpandOptions& o = {});

}  // namespace pampax

#include "search/expansion_impl.h"
