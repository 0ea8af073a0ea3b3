// Context assembly: turns a query into the smallest bundle of code that answers it, within a
// hard token budget, with the reasons for each piece (docs/DESIGN.md, "Context assembly").
//
// Selection: a search (hybrid by default) gives candidate chunks; a hit inside a symbol is
// widened to the whole symbol when that is cheap; classes/namespaces around a hit are offered
// as signatures; definitions of the symbols a top hit uses (refs + exact symbol lookup, same
// language) are offered as callees; identical ranges are one candidate. Every candidate has up
// to three renderings (full -> signature + doc comment -> one-line reference) and a value
// (search score relative to the best hit; enclosing headers and callees a fraction of their
// hit's). A greedy fill takes the upgrade with the best marginal value per token that fits;
// overlapping or adjacent full ranges of a file are merged and contained ones dropped when the
// bundle is built.
//
// Budget: `budget` bounds the tokens of Bundle::text — the whole rendered bundle in the
// requested format (markdown: title, budget line, contents, headings, fences, evidence lines,
// code; JSON: every byte of the printed document including the final newline), counted with
// the requested tokenizer over the exact text. The final text is always counted in full; when
// it is over (the per-item costs are counted separately and BPE is not exactly additive), the
// least valuable item is degraded and the text counted again. Markdown drops its contents
// list, then its header, when a budget is too small for them; it is empty only when not even
// one reference fits. A JSON bundle needs its fixed fields: a budget below them is
// kInvalidArgument (saying how many tokens the smallest JSON bundle needs).
#pragma once
#include <cstdint>
#include <string>

#include "assemble/bundle.h"
#include "assemble/scope.h"
#include "assemble/tokenizer.h"
#include "core/engine.h"
#include "util/status.h"

namespace pampax {

struct AssembleRequest {
  std::string query;
  int64_t budget = 8000;  // tokens of the rendered bundle; >= 1
  TokenizerKind tokenizer = TokenizerKind::kCl100k;
  BundleFormat format = BundleFormat::kMarkdown;
  bool evidence = false;  // markdown: add evidence lines and the left-out summary (JSON always
                          // carries evidence)
  Scope scope;            // paths, languages, kinds (search hits; callees: paths and languages)
  SearchMode mode = SearchMode::kHybrid;
  int candidates = 0;     // search hits considered; 0 = budget / 400, clamped to [8, 40]
  bool callees = true;    // offer definitions of symbols the top hits use
};

// Errors: kInvalidArgument for an empty query, a budget < 1, or a JSON budget below the fixed
// fields; the search's errors (no index, ...); kNotFound when the tokenizer data is missing.
// Uses the engine (not thread-safe: one assembly per Engine at a time).
Result<Bundle> assemble(Engine& engine, const AssembleRequest& req);

// Loaded once per process and kept (tokenizers are immutable and thread-safe).
Result<const Tokenizer*> shared_tokenizer(TokenizerKind kind);

// "cl100k" | "cl100k_base" | "o200k" | "o200k_base" | "estimate".
Result<TokenizerKind> parse_tokenizer_option(const std::string& name);

}  // namespace pampax
