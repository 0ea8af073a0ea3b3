// Scope: which part of a repository a search or an assembly looks at (paths, languages, chunk
// kinds), with several values per field. Used by context packs (assemble/pack.h) and by the
// --path-glob/--lang/--kind flags of `search` and `assemble`.
//
// The store's filters hold one value per field (SearchFilters); a field with exactly one value
// is pushed down into the search, a field with several is checked on the results (the search
// then fetches more candidates, see search_in_scope).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.h"
#include "util/status.h"

namespace pampax {

struct Scope {
  std::vector<std::string> path_globs;  // SQLite GLOB over the relative path ('*' crosses '/')
  std::vector<std::string> langs;       // lang_name() values
  std::vector<std::string> kinds;       // chunk / symbol kinds
  bool empty() const { return path_globs.empty() && langs.empty() && kinds.empty(); }
};

// SQLite's GLOB: '*' any run (including '/'), '?' one character, '[...]' a class with ranges
// and '^' negation; case-sensitive. Bytes, not characters, for '?' (paths are mostly ASCII).
bool glob_match(std::string_view pattern, std::string_view text);

// True when the path, language and kind are inside the scope. An empty `kind` skips the kind
// check (used for definitions added around search hits, whose kind is a symbol kind).
bool scope_matches(const Scope& scope, std::string_view path, std::string_view lang,
                   std::string_view kind);

// The single-valued fields as store filters (fields with several values are left empty).
SearchFilters scope_push_down(const Scope& scope);

// Normalises language names (aliases such as "py" become "python"); kInvalidArgument naming
// the unknown value otherwise.
Status normalise_scope(Scope* scope);

// Engine::search inside `scope`, on top of req.filters (which the single-valued fields of the
// scope replace). With a multi-valued field the search asks for up to 4x req.limit (at most
// 1000) and keeps the first req.limit hits inside the scope.
Result<SearchResponse> search_in_scope(Engine& engine, SearchRequest req, const Scope& scope);

}  // namespace pampax
