// What a search asks and what it answers: shared by every arm (lexical, vector, symbol), the
// fusion and ranking layers, the Engine and its front ends (CLI, MCP, HTTP).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "embed/rerank_config.h"
#include "store/index_store.h"

namespace pampax {

enum class SearchMode {
  kHybrid,  // lexical + vector, fused (falls back to lexical when there are no vectors)
  kBm25,    // lexical only
  kVector,  // vector only (needs embeddings)
  kSymbol,  // identifier lookup: symbol names, exact matches first
};
// How hits are grouped. kSymbol (the default): the pieces of a symbol that was split for size
// (chunks of one symbol row) are one hit, the best piece, with `grouped` counting the pieces
// among the candidates; other chunks stay as they are. kNone: every chunk is its own hit.
// kFile: one hit per file (ranker.h).
enum class GroupBy { kNone, kSymbol, kFile };

// "none" | "symbol" | "file"; false if unknown.
bool parse_group_by(const std::string& s, GroupBy* out);
const char* group_by_name(GroupBy g);

// "hybrid" | "bm25" | "lexical" | "vector" | "semantic" | "symbol"; false if unknown.
bool parse_search_mode(const std::string& s, SearchMode* out);
const char* search_mode_name(SearchMode m);

struct SearchRequest {
  std::string query;
  int limit = 10;
  SearchFilters filters;
  SearchMode mode = SearchMode::kHybrid;
  GroupBy group_by = GroupBy::kSymbol;
  bool boosts = true;  // false: rank by the fused arm scores alone (for comparisons)
  // Query expansion learned from the repository (search/expansion.h). Off by default: on
  // CoSQA it gained +0.001 MRR with plain stems and lost 0.06 with marked stems
  // (docs/benchmarks.md); kept for study.
  bool expand = false;
  // Rerank (search/rerank.h): the reranker the Engine uses (backend "none": no reranking) and
  // how many of the best first-stage results (files, when grouping) it rescores.
  RerankConfig rerank;
  int rerank_top = 50;
  // Hybrid fusion: "" = the embedder's default (builtin vectors: minmax, others: rrf), or
  // "rrf", "weighted", "minmax" (search/fusion.h). vector_weight < 0: the default.
  std::string fusion;
  double vector_weight = -1;
  // Questions (short queries) are rewritten before searching (search/query_rewrite.h):
  // language names become a language hint, unknown words are spelling-corrected. false:
  // search the words as typed.
  bool rewrite = true;
};

// Why a hit is where it is. Ranks are 1-based; 0 means the arm did not return the chunk.
struct ArmEvidence {
  int rank = 0;
  double score = 0;
};
struct Boost {
  std::string name;  // "symbol-match", "path-match", "doc-file", "test-file", ...
  double factor = 1;
};
struct Evidence {
  ArmEvidence lexical, vector;
  double fused = 0;                        // score after fusion, before boosts
  std::vector<Boost> boosts;               // multiplicative, applied in this order
  std::vector<std::string> matched_terms;  // query terms found in the chunk (lexical arm)
  // Set when a reranker rescored the hit: rank = its rank before reranking, score = the
  // reranker's (then also the hit's score). rank 0: not reranked.
  ArmEvidence rerank;
};

struct SearchHit {
  int64_t chunk_id = 0;
  std::string path, lang, kind, symbol;  // symbol: qualified name, "" for code/text chunks
  uint32_t start_line = 0, end_line = 0;
  double score = 0;
  std::string snippet;  // a few lines of the chunk around the best-matching line
  Evidence evidence;
  int grouped = 1;  // grouped hits: how many of the file's (symbol's) chunks were candidates
  // GroupBy::kSymbol, a hit standing for several pieces: the whole symbol's lines (else 0).
  uint32_t symbol_start_line = 0, symbol_end_line = 0;
};

}  // namespace pampax
