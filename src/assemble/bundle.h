// Context bundles: what `assemble` selects (items with detail levels and evidence) and the
// exact text it renders to. Plain data, no behaviour: built by assemble/assembler.h, printed by
// assemble/render.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "assemble/tokenizer.h"
#include "search/types.h"

namespace pampax {

// How much of an item is shown. The assembler degrades in this order: full -> signature ->
// reference -> left out.
enum class Detail : uint8_t {
  kReference,  // one line: `path:line symbol`
  kSignature,  // the symbol's doc comment and signature
  kFull,       // every line of the range
};
const char* detail_name(Detail d);  // "reference" | "signature" | "full"

enum class BundleFormat { kMarkdown, kJson };

// Why an item is in the bundle.
struct ItemEvidence {
  std::string reason;      // "hit" (a search result), "enclosing" (class/namespace around a hit),
                           // "callee" (definition of a symbol that selected code uses)
  int search_rank = 0;     // 1-based rank among the search hits; 0 when not a hit
  ArmEvidence lexical, vector;  // arm ranks and scores of the hit (rank 0 = not returned)
  double score = 0;        // the hit's final search score (0 when not a hit)
  bool symbol_match = false;    // the symbol's name matched a query identifier
  std::vector<std::string> matched_terms;  // query terms found in the hit (lexical arm)
  std::vector<std::string> relations;      // "called by X", "encloses Y", "expanded from hit
                                           // lines A-B to the enclosing S", "merged with ..."
};

struct BundleItem {
  std::string path, lang;
  std::string symbol;      // qualified name, "" for code outside any symbol
  std::string kind;        // chunk or symbol kind
  uint32_t start_line = 0, end_line = 0;  // the range the item stands for (1-based, inclusive)
  Detail detail = Detail::kFull;
  std::string text;        // kFull: the lines; kSignature: doc comment + signature; kReference: ""
  std::string hash;        // first 16 hex digits of XXH3-128 over the range's source text
  int64_t tokens = 0;      // tokens of `text` alone (the bundle's tokenizer)
  double value = 0;        // the selection's estimate of usefulness (relative, for ordering)
  ItemEvidence evidence;
};

// What did not fit.
struct OmittedSummary {
  int items = 0;            // candidates left out entirely
  int64_t full_tokens = 0;  // their tokens at full detail (estimated)
  int degraded = 0;         // items shown below the detail they were offered at
};

struct Bundle {
  std::string query;
  int64_t budget = 0;
  TokenizerKind tokenizer = TokenizerKind::kCl100k;
  BundleFormat format = BundleFormat::kMarkdown;
  bool evidence = false;    // markdown: evidence lines (JSON always has evidence)
  SearchMode mode = SearchMode::kHybrid;   // what the search actually ran
  std::vector<std::string> warnings;
  std::vector<BundleItem> items;           // in render order: by file (best first), then line;
                                           // references last
  OmittedSummary omitted;
  int candidates = 0;       // units considered (hits, enclosing headers, callees)
  // Markdown only: 2 = title, budget line and contents; 1 = title and budget line; 0 = items
  // alone (for budgets too small for a header).
  int chrome = 2;
  int64_t tokens = 0;       // exact tokens of `text`
  std::string text;         // the rendered bundle, exactly what a client prints
  // Timings (milliseconds): the search call, and everything after it (selection + rendering +
  // counting).
  double search_ms = 0, assemble_ms = 0;
};

}  // namespace pampax
