// Identifier-aware word splitting shared by the FTS tokenizer (index side) and the query
// parser (query side): both must produce the same terms, or matches are lost.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pampax {

// Splits one identifier-ish word (letters, digits, '_', '-') into lowercase sub-words at
// camelCase, PascalCase ("HTTPServer" -> http, server), snake_case, kebab-case and
// letter/digit boundaries ("utf8" -> utf, 8). Returns an empty vector when the word has a
// single part (the word itself is the only term).
std::vector<std::string> split_identifier(std::string_view word);

// Visits every term of `text` in order: each maximal run of [A-Za-z0-9_] (and bytes >= 0x80,
// treated as letters so UTF-8 words stay whole) is emitted lowercased as a whole word
// (colocated=false) followed by its sub-words (colocated=true). Words longer than 64 bytes are
// truncated to keep the index sane on minified code. `start`/`end` are byte offsets in text.
// With `stems`, plain words and sub-words whose Porter stem (util/stem.h) differs from them
// also give it, marked, as a colocated term ("parsing" -> parsing, ~pars). The mark keeps
// stems apart from words: an exact query for "unit" does not match "units". A stemmed query
// term "~unit" is expanded by the FTS tokenizer to the alternatives {unit, ~unit}, which
// matches every form.
inline constexpr const char* kStemMark = "~";
using TermSink = std::function<void(std::string_view term, bool colocated, int start, int end)>;
void for_each_term(std::string_view text, const TermSink& sink, bool stems = false);

// The form a query term takes to match every form of a word: "~" + the stem of a plain word
// or a sub-word; whole multi-part identifiers ("getusername") and words that cannot be
// stemmed stay as they are. `multi_part`: the term is a
// whole word that split_identifier() splits.
std::string query_form(std::string_view lower_term, bool colocated, bool multi_part);

}  // namespace pampax
