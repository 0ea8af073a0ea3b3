// Ranking features applied on top of the fused arm scores: file-class priors (docs, tests,
// config, vendored and generated files), symbol-name and path matches of query terms, and
// grouping (one hit per symbol, or per file for "which file" questions). Every factor applied
// is recorded in the hit's evidence, so a result can explain its place.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "search/query.h"
#include "search/types.h"

namespace pampax {

enum class FileClass { kCode, kTest, kDoc, kConfig, kVendored };
const char* file_class_name(FileClass c);
// From the relative path (and the language pampax detected for it).
FileClass classify_path(std::string_view path, std::string_view lang);

struct RankerOptions {
  bool priors = true;            // file-class factors below
  double test_file = 0.8;
  double doc_file = 0.6;         // markdown, rst, text, notebooks, anything under doc(s)/
  double config_file = 0.5;      // yaml, toml, ini, json, dotfiles, ...
  double vendored_file = 0.6;    // vendor/, third_party/, node_modules/, minified, generated
  double symbol_exact = 1.5;     // the chunk's symbol name is a query identifier
  double symbol_partial = 1.2;   // every part of the symbol name is among the query terms
  double path_match = 1.2;       // the file's stem is a query term
  double language_hint = 1.2;    // the chunk is in a language the query named ("python ...")
  // GroupBy::kFile: a file scores its best chunk plus file_decay^i times its i-th next best.
  double file_decay = 0.3;
  int file_chunks = 3;           // chunks per file that count
};

// Multiplies each hit's `evidence.fused` by its factors into `score` (recording them in
// `evidence.boosts`) and sorts best first; ties by path then line, so the order depends only
// on the index content.
void rank_hits(std::vector<SearchHit>& hits, const ParsedQuery& q, const RankerOptions& o);

// Merges hits (sorted best first) into one hit per file, in file-score order; each keeps its
// best chunk's location and evidence, `grouped` counts the file's chunks among the hits.
std::vector<SearchHit> group_by_file(const std::vector<SearchHit>& hits, const RankerOptions& o);

// GroupBy::kSymbol: keeps the best hit (the first, hits sorted best first) of each symbol row
// (`symbol_of(chunk_id)`; 0: the chunk belongs to none and stays as it is); `grouped` counts
// the symbol's hits. The order is otherwise unchanged.
std::vector<SearchHit> group_by_symbol(const std::vector<SearchHit>& hits,
                                       const std::function<int64_t(int64_t chunk_id)>& symbol_of);

}  // namespace pampax
