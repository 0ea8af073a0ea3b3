// Lexical (BM25) search over the FTS5 index, with identifier-aware query terms.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "search/query.h"
#include "search/types.h"
#include "store/index_store.h"
#include "util/status.h"

namespace pampax {

// Per-column BM25 weights: path, symbol, doc, body.
struct LexicalWeights {
  double path = 2.0, symbol = 4.0, doc = 1.5, body = 1.0;
};

class LexicalSearcher {
 public:
  explicit LexicalSearcher(IndexStore& store, LexicalWeights w = {}) : store_(store), w_(w) {}

  // Empty query (no searchable terms) gives kInvalidArgument. Results best first, scored by
  // BM25F alone (no ranking features: see Searcher for the full pipeline).
  Result<std::vector<SearchHit>> search(const SearchRequest& req);

  // The best `limit` chunks for a parsed query, best first, plus every chunk whose score equals
  // the last one's (a group of equal scores at the cut is kept whole: which of its members
  // would fit depends on row ids; Searcher orders ties by location, then cuts). Equal scores
  // come in chunk id order. Empty query: kInvalidArgument.
  Result<std::vector<FtsHit>> candidates(const ParsedQuery& q, const SearchFilters& filters,
                                         int limit);
  // Same, counting only matches in the symbol column (identifier lookup).
  Result<std::vector<FtsHit>> symbol_candidates(const ParsedQuery& q, const SearchFilters& filters,
                                                int limit);

  // The FTS5 expression a query turns into (for --explain and tests).
  Result<std::string> match_expression(const ParsedQuery& q);

 private:
  struct Term {
    std::string text;
    int64_t df = 0;  // known for hot terms and for long queries
    std::optional<IndexStore::HotTerm> hot;
    bool identifier = false;
    int occurrences = 1;
    double weight = 1.0;
  };
  // The terms to evaluate, each marked hot or cold.
  Result<std::vector<Term>> plan(const ParsedQuery& q);
  // Best `limit` chunks for the terms, and the ties of the last (see candidates()).
  Result<std::vector<FtsHit>> rank(const std::vector<Term>& terms, const SearchFilters& filters,
                                   int limit);

  IndexStore& store_;
  LexicalWeights w_;
};

// Picks up to `max_lines` consecutive lines of `text` around the line with the most query
// terms; lines are cut at 200 bytes. `first_line` is the line number of text's first line;
// the snippet does not carry line numbers.
std::string make_snippet(const std::string& text, const std::vector<QueryTerm>& terms,
                         int max_lines = 3);

}  // namespace pampax
