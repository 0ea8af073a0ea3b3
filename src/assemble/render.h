// Renders a Bundle as markdown or JSON. Pure functions of the bundle (no I/O), deterministic,
// safe from any thread. The assembler uses the per-item pieces to cost items, so the whole
// rendering is the concatenation of the pieces below (header, contents lines, item blocks,
// reference lines, footer) — keep it that way.
#pragma once
#include <string>

#include "assemble/bundle.h"

namespace pampax {

// The whole bundle in b.format. Uses b.tokens as the reported token count (the assembler sets
// it to the count of the result).
std::string render_bundle(const Bundle& b);
std::string render_markdown(const Bundle& b);
// Compact JSON (one line: whitespace would spend the budget) ending in a newline; shape in
// docs/cli.md ("assemble --output json").
std::string render_json(const Bundle& b);

// ---- pieces (the assembler's cost model) ----
// Markdown: an item's block without its text (heading, evidence line, fences) and its line in
// the contents; references are one line each (no block).
std::string markdown_item_block(const Bundle& b, const BundleItem& it, bool with_text);
std::string markdown_contents_line(const BundleItem& it, int number);
// JSON: one item as it appears in "items".
std::string json_item(const BundleItem& it);

// The markdown language tag for an index language name ("cpp", "python", "" for text).
std::string markdown_lang_tag(const std::string& lang);
// A fence of backticks longer than any run of backticks in `text` (at least 3).
std::string code_fence(const std::string& text);

}  // namespace pampax
