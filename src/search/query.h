// Query normalisation: from what a person or an agent typed (a word, an identifier, a
// question, a whole bug report) to the terms the lexical index understands.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace pampax {

struct QueryTerm {
  std::string text;     // lowercase, as the FTS tokenizer emits it
  int occurrences = 0;  // how often it appeared in the query (long queries repeat key words)
  bool whole = false;   // appeared as a whole word (not only as a sub-word of an identifier)
  bool identifier = false;  // from a word that looks like code: camelCase, snake_case, a.b
  double weight = 1.0;      // multiplies the term's score (expansion terms weigh less)
  bool expansion = false;   // added by query expansion, not typed
};

struct ParsedQuery {
  std::string raw;
  std::vector<QueryTerm> terms;  // distinct, in first-appearance order, stop words removed
                                 // unless the query has nothing else
  bool identifier_like = false;  // a single identifier-ish token ("getUserName", "foo_bar")
  int words = 0;                 // whole words in the text
  bool stemmed = false;          // plain words were put in stem form
  std::vector<std::string> languages;  // languages the query named (search/query_rewrite.h)
};

// Long texts (more than kStemmedQueryMaxWords words: bug reports, stack traces) keep their
// words as typed: they carry exact vocabulary, and stems there cost precision (SWE-bench Lite
// MRR 0.600 -> 0.576); short questions use stems (CoSQA MRR 0.325 -> 0.350). See
// docs/benchmarks.md.
inline constexpr int kStemmedQueryMaxWords = 40;
ParsedQuery parse_query(std::string_view text);

// True for English function words and question words that carry no code meaning.
bool is_stop_word(std::string_view lower_word);

// FTS5 MATCH expression: the terms quoted and OR-ed. Empty when there are no terms.
std::string fts_or_expression(const std::vector<std::string>& terms);

}  // namespace pampax
