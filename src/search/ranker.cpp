#include "search/ranker.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "util/ident.h"

namespace pampax {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

}  // namespace

const char* file_class_name(FileClass c) {
  switch (c) {
    case FileClass::kCode: return "code";
    case FileClass::kTest: return "test";
    case FileClass::kDoc: return "doc";
    case FileClass::kConfig: return "config";
    case FileClass::kVendored: return "vendored";
  }
  return "code";
}

FileClass classify_path(std::string_view path, std::string_view lang) {
  std::string p = lower(path);
  std::vector<std::string_view> dirs;
  size_t start = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == '/') {
      dirs.emplace_back(p.data() + start, i - start);
      start = i + 1;
    }
  std::string_view base(p.data() + start, p.size() - start);
  size_t dot = base.rfind('.');
  std::string_view ext = dot == std::string_view::npos || dot == 0 ? "" : base.substr(dot + 1);
  std::string_view stem = dot == std::string_view::npos || dot == 0 ? base : base.substr(0, dot);

  for (std::string_view d : dirs)
    if (one_of(d, {"vendor", "vendored", "third_party", "thirdparty", "third-party",
                   "node_modules", "bower_components", "extern", "external", "_vendor"}))
      return FileClass::kVendored;
  if (base.find(".min.") != std::string_view::npos || base.ends_with(".pb.go") ||
      base.ends_with("_pb2.py") || base.ends_with(".pb.h") || base.ends_with(".pb.cc") ||
      base.ends_with(".generated.cs") || base.ends_with(".g.dart") || base.ends_with(".lock") ||
      base == "package-lock.json" || base == "yarn.lock")
    return FileClass::kVendored;
  for (std::string_view d : dirs)
    if (one_of(d, {"test", "tests", "testing", "__tests__", "spec", "specs", "testdata",
                   "test_data", "fixtures"}))
      return FileClass::kTest;
  if (stem.starts_with("test_") || stem.ends_with("_test") || stem.ends_with("_tests") ||
      stem.ends_with("_spec") || stem.ends_with(".test") || stem.ends_with(".spec") ||
      stem == "conftest" || (stem.ends_with("test") && ext == "java"))
    return FileClass::kTest;
  for (std::string_view d : dirs)
    if (one_of(d, {"doc", "docs", "documentation", "man", "changelog", "changes",
                   "changelog.d", "newsfragments", "examples_docs"}))
      return FileClass::kDoc;
  if (one_of(ext, {"md", "mdx", "markdown", "rst", "txt", "adoc", "asciidoc", "org", "rdoc",
                   "ipynb", "tex", "man", "pod"}) ||
      stem.starts_with("changelog") || stem.starts_with("changes") || stem.starts_with("history") ||
      stem.starts_with("news") || stem == "authors" || stem == "license" || stem == "copying" ||
      stem == "readme" || stem == "contributing")
    return FileClass::kDoc;
  if (base.starts_with('.') ||
      one_of(ext, {"yml", "yaml", "toml", "ini", "cfg", "conf", "json", "xml", "properties",
                   "lock", "editorconfig", "gitignore", "csv", "tsv", "svg", "in"}) ||
      one_of(base, {"makefile", "dockerfile", "cmakelists.txt", "tox.ini", "setup.cfg"}))
    return FileClass::kConfig;
  (void)lang;
  return FileClass::kCode;
}

void rank_hits(std::vector<SearchHit>& hits, const ParsedQuery& q, const RankerOptions& o) {
  std::unordered_set<std::string> terms, identifiers;
  for (const QueryTerm& t : q.terms) {
    if (t.expansion) continue;  // boosts reward what was asked, not what was inferred
    terms.insert(t.text);
    if (t.identifier) identifiers.insert(t.text);
  }
  for (SearchHit& h : hits) {
    h.evidence.boosts.clear();
    double score = h.evidence.fused;
    auto boost = [&](const char* name, double f) {
      if (f == 1.0) return;
      h.evidence.boosts.push_back({name, f});
      score *= f;
    };
    if (o.priors) {
      switch (classify_path(h.path, h.lang)) {
        case FileClass::kTest: boost("test-file", o.test_file); break;
        case FileClass::kDoc: boost("doc-file", o.doc_file); break;
        case FileClass::kConfig: boost("config-file", o.config_file); break;
        case FileClass::kVendored: boost("vendored-file", o.vendored_file); break;
        case FileClass::kCode: break;
      }
    }
    if (!h.symbol.empty()) {
      std::string_view name = h.symbol;
      size_t cut = name.find_last_of(".:");
      if (cut != std::string_view::npos) name = name.substr(cut + 1);
      auto parts = split_identifier(name);
      // Query terms are in query form (stems of plain words): compare like with like.
      std::string form = q.stemmed ? query_form(lower(name), false, !parts.empty()) : lower(name);
      if (!form.empty() && (identifiers.count(form) || (terms.count(form) && !parts.empty()))) {
        boost("symbol-match", o.symbol_exact);
      } else {
        bool all = parts.size() > 1;
        for (const std::string& part : parts)
          all = all && terms.count(q.stemmed ? query_form(part, true, false) : part);
        if (all) boost("symbol-partial-match", o.symbol_partial);
      }
    }
    {
      std::string_view base = h.path;
      if (size_t s = base.rfind('/'); s != std::string_view::npos) base = base.substr(s + 1);
      if (size_t d = base.find('.'); d != std::string_view::npos && d > 0) base = base.substr(0, d);
      std::string stem = lower(base);
      if (stem.size() > 2 &&
          (terms.count(stem) ||
           (q.stemmed && terms.count(query_form(stem, false, !split_identifier(stem).empty())))))
        boost("path-match", o.path_match);
    }
    if (std::find(q.languages.begin(), q.languages.end(), h.lang) != q.languages.end())
      boost("language-hint", o.language_hint);
    h.score = score;
  }
  std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.path != b.path) return a.path < b.path;
    return a.start_line < b.start_line;
  });
}

std::vector<SearchHit> group_by_symbol(const std::vector<SearchHit>& hits,
                                       const std::function<int64_t(int64_t chunk_id)>& symbol_of) {
  std::vector<SearchHit> out;
  out.reserve(hits.size());
  std::unordered_map<int64_t, size_t> at;
  for (const SearchHit& h : hits) {
    const int64_t sym = symbol_of(h.chunk_id);
    if (sym != 0) {
      auto [it, fresh] = at.emplace(sym, out.size());
      if (!fresh) {
        ++out[it->second].grouped;
        continue;
      }
    }
    out.push_back(h);
  }
  return out;
}

std::vector<SearchHit> group_by_file(const std::vector<SearchHit>& hits, const RankerOptions& o) {
  std::vector<SearchHit> out;
  std::unordered_map<std::string, size_t> at;
  std::vector<double> weight;  // next chunk's weight per file
  for (const SearchHit& h : hits) {
    auto [it, fresh] = at.emplace(h.path, out.size());
    if (fresh) {
      out.push_back(h);
      weight.push_back(o.file_decay);
      continue;
    }
    SearchHit& f = out[it->second];
    if (f.grouped < o.file_chunks) f.score += weight[it->second] * h.score;
    weight[it->second] *= o.file_decay;
    ++f.grouped;
  }
  std::stable_sort(out.begin(), out.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.path < b.path;
  });
  return out;
}

}  // namespace pampax
