// The search pipeline: query -> lexical arm (BM25F) and vector arm -> fusion -> ranking
// features -> optional file grouping -> snippets and evidence. One instance per query
// (cheap); the arms it uses live in the Engine.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "search/fusion.h"
#include "search/lexical.h"
#include "search/query_rewrite.h"
#include "search/ranker.h"
#include "search/rerank.h"
#include "search/types.h"
#include "store/index_store.h"
#include "util/status.h"

namespace pampax {

// The vector arm: the best `k` chunks for a query text under the filters, best first.
using VectorArm =
    std::function<Result<std::vector<ArmHit>>(const std::string& query, const SearchFilters&, int k)>;

struct SearchOptions {
  FusionOptions fusion;
  RankerOptions ranker;
  int min_pool = 100;   // candidates taken from each arm (at least), whatever the limit
  int file_pool = 300;  // with GroupBy::kFile, chunks considered (at least)
  // Rescores the best SearchRequest::rerank_top results before the limit; empty: no rerank.
  RerankFn rerank;
};

class Searcher {
 public:
  // `vector` may be empty: hybrid then answers from the lexical arm alone, and vector mode is
  // an error that says how to add embeddings.
  Searcher(IndexStore& store, VectorArm vector = {}, SearchOptions o = {})
      : store_(store), vector_(std::move(vector)), o_(std::move(o)) {}

  // Errors: kInvalidArgument for a query without searchable words (or an empty query in any
  // mode), kFailedPrecondition for vector mode without vectors.
  // `rewrite`, when given, receives how the query was rewritten (search/query_rewrite.h).
  Result<std::vector<SearchHit>> search(const SearchRequest& req, QueryRewrite* rewrite = nullptr);

 private:
  IndexStore& store_;
  VectorArm vector_;
  SearchOptions o_;
};

}  // namespace pampax
