#include "assemble/scope.h"

#include <algorithm>

#include "parse/language.h"

namespace pampax {

namespace {

// Matches a '[...]' class at p (p points after '['); sets *end past the ']'. A class without
// a closing ']' matches nothing (as in SQLite).
bool class_match(std::string_view pat, size_t p, unsigned char c, size_t* end) {
  bool negate = false, found = false;
  if (p < pat.size() && pat[p] == '^') {
    negate = true;
    ++p;
  }
  if (p < pat.size() && pat[p] == ']') {  // a leading ']' is literal
    found = c == ']';
    ++p;
  }
  while (p < pat.size() && pat[p] != ']') {
    unsigned char lo = static_cast<unsigned char>(pat[p]);
    if (p + 2 < pat.size() && pat[p + 1] == '-' && pat[p + 2] != ']') {
      unsigned char hi = static_cast<unsigned char>(pat[p + 2]);
      if (c >= lo && c <= hi) found = true;
      p += 3;
    } else {
      if (c == lo) found = true;
      ++p;
    }
  }
  if (p >= pat.size()) return false;
  *end = p + 1;
  return found != negate;
}

}  // namespace

bool glob_match(std::string_view pat, std::string_view s) {
  size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  while (t < s.size()) {
    if (p < pat.size()) {
      char pc = pat[p];
      if (pc == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t end = 0;
        if (class_match(pat, p + 1, static_cast<unsigned char>(s[t]), &end)) {
          p = end;
          ++t;
          continue;
        }
      } else if (pc == s[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool scope_matches(const Scope& sc, std::string_view path, std::string_view lang,
                   std::string_view kind) {
  if (!sc.langs.empty() && std::find(sc.langs.begin(), sc.langs.end(), lang) == sc.langs.end())
    return false;
  if (!kind.empty() && !sc.kinds.empty() &&
      std::find(sc.kinds.begin(), sc.kinds.end(), kind) == sc.kinds.end())
    return false;
  if (sc.path_globs.empty()) return true;
  for (const std::string& g : sc.path_globs)
    if (glob_match(g, path)) return true;
  return false;
}

SearchFilters scope_push_down(const Scope& sc) {
  SearchFilters f;
  if (sc.path_globs.size() == 1) f.path_glob = sc.path_globs[0];
  if (sc.langs.size() == 1) f.lang = sc.langs[0];
  if (sc.kinds.size() == 1) f.kind = sc.kinds[0];
  return f;
}

Status normalise_scope(Scope* sc) {
  for (std::string& l : sc->langs) {
    Lang lang = lang_from_name(l);
    if (lang == Lang::kCount)
      return InvalidArgument("unknown language '" + l +
                             "' (known: c, cpp, python, javascript, typescript, tsx, go, rust, "
                             "java, csharp, ruby, php, bash, markdown, yaml, toml, json, text)");
    l = std::string(lang_name(lang));
  }
  for (const std::string& g : sc->path_globs)
    if (g.empty()) return InvalidArgument("empty path glob");
  for (const std::string& k : sc->kinds)
    if (k.empty()) return InvalidArgument("empty kind");
  return Status();
}

Result<SearchResponse> search_in_scope(Engine& engine, SearchRequest req, const Scope& sc) {
  SearchFilters push = scope_push_down(sc);
  if (!push.lang.empty()) req.filters.lang = push.lang;
  if (!push.path_glob.empty()) req.filters.path_glob = push.path_glob;
  if (!push.kind.empty()) req.filters.kind = push.kind;
  bool post = sc.path_globs.size() > 1 || sc.langs.size() > 1 || sc.kinds.size() > 1;
  int want = req.limit;
  if (post) req.limit = std::min(1000, std::max(want, want * 4));
  auto r = engine.search(req);
  if (!r.ok() || !post) return r;
  SearchResponse out = std::move(r).value();
  std::vector<SearchHit> kept;
  for (SearchHit& h : out.hits) {
    if (static_cast<int>(kept.size()) >= want) break;
    if (scope_matches(sc, h.path, h.lang, h.kind)) kept.push_back(std::move(h));
  }
  out.hits = std::move(kept);
  return out;
}

}  // namespace pampax
