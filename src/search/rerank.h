// The rerank stage of the search pipeline: the best `top` first-stage hits (fused arm scores
// with the ranking features, or files when grouping) are rescored by a cross-encoder reading
// the query and each hit's text together, and reordered by that score. Hits after `top` keep
// their first-stage order and follow.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "search/types.h"
#include "store/index_store.h"
#include "util/status.h"

namespace pampax {

// Scores documents against a query, one score per document in order, higher is better
// (Reranker::score behind a function, so search/ does not depend on a backend).
using RerankFn = std::function<Result<std::vector<float>>(const std::string& query,
                                                          const std::vector<std::string>& docs)>;

// What the reranker reads for a chunk: its path, then its qualified name, header and body
// (embed_text), cut at kEmbedTextCap bytes.
std::string rerank_text(const ChunkRow& chunk);

// Reranks hits[0, top) (hits sorted best first) in place: each gets evidence.rerank = {its
// rank before (1-based), the reranker's score} and score = that score; they are sorted by it
// (ties keep their first-stage order). Chunks that vanished from the index since the hits were
// made keep their place after the reranked ones. Errors: the store's, the reranker's, or
// kInternal when it returns the wrong number of scores.
Status rerank_hits(std::vector<SearchHit>& hits, const std::string& query, int top,
                   IndexStore& store, const RerankFn& rerank);

}  // namespace pampax
