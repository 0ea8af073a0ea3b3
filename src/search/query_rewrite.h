// Query rewriting before the arms see a short question: words that name a programming
// language become a language hint instead of a search term, and typed words that the index
// has never seen are corrected to the nearest word it has. Both apply to questions only
// (at most kStemmedQueryMaxWords words): a bug report's exact words are left alone.
//
// Why (docs/benchmarks.md, "Query rewriting"): in "python check if a file exists" the word
// "python" matches every chunk that mentions Python rather than the code asked for, and
// "permisions" matches nothing. Measured on CoSQA dev-500 and a held-out CoSQA set.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pampax {

struct SpellingCorrection {
  std::string typed;     // the word as typed, lowercase
  std::string searched;  // the indexed word searched instead
};

struct QueryRewrite {
  std::string text;                     // what the arms search (the query when nothing applies)
  std::vector<std::string> languages;   // canonical language names ("python"), first-mention order
  std::vector<SpellingCorrection> corrections;
};

// Pure. The language words ("python", "python3", "javascript", "nodejs", "typescript",
// "golang", "java", "rust", "ruby", "php", "csharp", "cpp", "bash"; case-insensitive) are
// removed from `text` when they stand as words of their own (not inside "setup.py",
// "python-dateutil" or "python_path") and the rest of the question still has a word that
// is not a stop word. Their canonical names go to `languages`. Queries longer than
// kStemmedQueryMaxWords words, or that would be left without words, are returned unchanged.
QueryRewrite language_hints(std::string_view text);

// Document counts of index terms, in order; an error aborts the correction. `candidates` is
// true for the one-edit candidates (whose counts may be answered from a filter that can miss
// the newest words) and false for the typed word and its stem (exact counts).
using DocCountFn =
    std::function<Result<std::vector<int64_t>>(const std::vector<std::string>&, bool candidates)>;

// Corrects, in rw->text, each plain word (letters only, 4 to 32 of them, not a stop word,
// not part of an identifier or a dotted name) that the index does not know, neither as typed
// nor by its stem, to the indexed word one edit away (a letter deleted, inserted, replaced,
// or two swapped) found in the most chunks, if one is found in at least 2. Ties go to the
// alphabetically first. Questions only (as above). `doc_counts` is called once per unknown
// word with all its candidates.
Status correct_spelling(QueryRewrite* rw, const DocCountFn& doc_counts);

}  // namespace pampax
