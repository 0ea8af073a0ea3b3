#include "search/searcher.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "search/expansion.h"
#include "util/ident.h"
#include "util/trace.h"

namespace pampax {

bool parse_search_mode(const std::string& s, SearchMode* out) {
  if (s == "hybrid") *out = SearchMode::kHybrid;
  else if (s == "bm25" || s == "lexical") *out = SearchMode::kBm25;
  else if (s == "vector" || s == "semantic") *out = SearchMode::kVector;
  else if (s == "symbol") *out = SearchMode::kSymbol;
  else return false;
  return true;
}

bool parse_group_by(const std::string& s, GroupBy* out) {
  if (s == "none") *out = GroupBy::kNone;
  else if (s == "symbol") *out = GroupBy::kSymbol;
  else if (s == "file") *out = GroupBy::kFile;
  else return false;
  return true;
}

const char* group_by_name(GroupBy g) {
  switch (g) {
    case GroupBy::kNone: return "none";
    case GroupBy::kSymbol: return "symbol";
    case GroupBy::kFile: return "file";
  }
  return "symbol";
}

const char* search_mode_name(SearchMode m) {
  switch (m) {
    case SearchMode::kHybrid: return "hybrid";
    case SearchMode::kBm25: return "bm25";
    case SearchMode::kVector: return "vector";
    case SearchMode::kSymbol: return "symbol";
  }
  return "hybrid";
}

namespace {

std::vector<ArmHit> to_arm(const std::vector<FtsHit>& hits) {
  std::vector<ArmHit> out;
  out.reserve(hits.size());
  for (const FtsHit& h : hits) out.push_back({h.chunk_id, h.score});
  return out;
}

// GroupBy::kSymbol. Only symbols with several hits can group; of those, namespaces and
// modules do not (their pieces are unrelated code). A grouped hit gets the whole symbol's lines.
Result<std::vector<SearchHit>> group_pieces(const std::vector<SearchHit>& hits,
                                            const std::unordered_map<int64_t, const ChunkRow*>& by_id,
                                            IndexStore& store) {
  auto symbol_of = [&](int64_t chunk_id) {
    auto it = by_id.find(chunk_id);
    return it == by_id.end() ? int64_t{0} : it->second->symbol_id;
  };
  std::unordered_map<int64_t, int> hits_of;
  std::vector<int64_t> repeated;
  for (const SearchHit& h : hits)
    if (int64_t s = symbol_of(h.chunk_id); s != 0 && ++hits_of[s] == 2) repeated.push_back(s);
  auto spans = store.symbol_spans(repeated);
  if (!spans.ok()) return spans.status();
  auto groups = [&](int64_t s) {
    auto it = spans->find(s);
    return it != spans->end() && it->second.kind != "namespace" && it->second.kind != "module";
  };
  std::vector<SearchHit> out = group_by_symbol(hits, [&](int64_t chunk_id) {
    int64_t s = symbol_of(chunk_id);
    return groups(s) ? s : int64_t{0};
  });
  for (SearchHit& h : out)
    if (h.grouped > 1) {
      const IndexStore::SymbolSpan& span = spans->at(symbol_of(h.chunk_id));
      h.symbol_start_line = span.start_line;
      h.symbol_end_line = span.end_line;
    }
  return out;
}

}  // namespace

Result<std::vector<SearchHit>> Searcher::search(const SearchRequest& req, QueryRewrite* rewrite) {
  const int limit = std::max(1, req.limit);
  int pool = std::max(o_.min_pool, 3 * limit);
  if (req.group_by == GroupBy::kFile) pool = std::max(o_.file_pool, 20 * limit);
  pool = std::min(pool, 2000);
  if (o_.rerank) pool = std::max(pool, std::min(req.rerank_top, 2000));
  QueryRewrite rw;
  rw.text = req.query;
  if (req.rewrite && req.mode != SearchMode::kSymbol) {
    rw = language_hints(req.query);
    PAMPAX_RETURN_IF_ERROR(correct_spelling(&rw, [this](const std::vector<std::string>& terms, bool candidates) {
      return store_.term_doc_counts(terms, candidates);
    }));
  }
  if (rewrite) *rewrite = rw;
  ParsedQuery q = parse_query(rw.text);
  q.languages = rw.languages;
  if (q.terms.empty() && req.mode != SearchMode::kVector)
    return InvalidArgument("the query has no searchable words");

  if (req.expand && (req.mode == SearchMode::kBm25 || req.mode == SearchMode::kHybrid)) {
    Status lookup_error;
    expand_query(q, [&](const std::string& word) {
      auto r = store_.expansion(word);
      if (!r.ok()) {
        lookup_error = r.status();
        return std::vector<std::pair<std::string, float>>();
      }
      return unpack_translations(*r);
    });
    if (!lookup_error.ok()) return lookup_error;
  }
  LexicalSearcher lexical(store_);
  std::vector<ArmHit> lex, vec;
  if (req.mode == SearchMode::kBm25 || req.mode == SearchMode::kHybrid) {
    auto r = lexical.candidates(q, req.filters, pool);
    if (!r.ok()) return r.status();
    lex = to_arm(*r);
    trace_point("lexical arm: done");
  } else if (req.mode == SearchMode::kSymbol) {
    auto r = lexical.symbol_candidates(q, req.filters, pool);
    if (!r.ok()) return r.status();
    lex = to_arm(*r);
  }
  if (req.mode == SearchMode::kVector || req.mode == SearchMode::kHybrid) {
    if (!vector_) {
      if (req.mode == SearchMode::kVector)
        return Unsupported(
            "this index has no embeddings, so vector search is not available; use --mode bm25 "
            "or hybrid, or add embeddings with `pampax index --embed`");
    } else {
      if (req.query.find_first_not_of(" \t\r\n") == std::string::npos)
        return InvalidArgument("the query is empty");
      auto r = vector_(rw.text, req.filters, pool);
      if (!r.ok()) return r.status();
      vec = std::move(r).value();
    }
  }
  // Equal scores (duplicated or generated code) are ordered by location, in each arm and in
  // the fusion, so two indexes of the same tree answer alike whatever their row ids. The
  // lexical arm returns the whole group of ties at its cut; it is cut here, after ordering.
  std::vector<int64_t> ids;
  ids.reserve(lex.size() + vec.size());
  for (const ArmHit& h : lex) ids.push_back(h.chunk_id);
  for (const ArmHit& h : vec) ids.push_back(h.chunk_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto meta = store_.get_chunk_meta(ids);  // chunks deleted since the hot lists were built vanish
  if (!meta.ok()) return meta.status();
  std::unordered_map<int64_t, const ChunkRow*> by_id;
  for (const ChunkRow& r : *meta) by_id[r.id] = &r;
  auto before = [&](int64_t a, int64_t b) {
    auto ia = by_id.find(a), ib = by_id.find(b);
    if (ia == by_id.end() || ib == by_id.end()) return ia != by_id.end() && ib == by_id.end();
    if (ia->second->path != ib->second->path) return ia->second->path < ib->second->path;
    return ia->second->start_line < ib->second->start_line;
  };
  for (std::vector<ArmHit>* arm : {&lex, &vec}) {
    std::stable_sort(arm->begin(), arm->end(), [&](const ArmHit& a, const ArmHit& b) {
      return a.score != b.score ? a.score > b.score : before(a.chunk_id, b.chunk_id);
    });
    if (arm->size() > static_cast<size_t>(pool)) arm->resize(static_cast<size_t>(pool));
  }
  std::vector<Candidate> fused = fuse(lex, vec, o_.fusion, before);

  std::vector<SearchHit> hits;
  hits.reserve(fused.size());
  for (const Candidate& c : fused) {
    auto it = by_id.find(c.chunk_id);
    if (it == by_id.end()) continue;
    const ChunkRow& r = *it->second;
    SearchHit h;
    h.chunk_id = r.id;
    h.path = r.path;
    h.lang = r.lang;
    h.kind = r.kind;
    h.symbol = r.qualified_name;
    h.start_line = r.start_line;
    h.end_line = r.end_line;
    h.evidence.lexical = c.lexical;
    h.evidence.vector = c.vector;
    h.evidence.fused = c.fused;
    hits.push_back(std::move(h));
  }
  if (req.boosts) {
    rank_hits(hits, q, o_.ranker);
  } else {
    RankerOptions none = o_.ranker;
    none.priors = false;
    none.symbol_exact = none.symbol_partial = none.path_match = none.language_hint = 1.0;
    rank_hits(hits, q, none);
  }
  if (req.group_by == GroupBy::kFile) hits = group_by_file(hits, o_.ranker);
  if (req.group_by == GroupBy::kSymbol) {
    auto grouped = group_pieces(hits, by_id, store_);
    if (!grouped.ok()) return grouped.status();
    hits = std::move(grouped).value();
  }
  if (o_.rerank) PAMPAX_RETURN_IF_ERROR(rerank_hits(hits, req.query, req.rerank_top, store_, o_.rerank));
  if (hits.size() > static_cast<size_t>(limit)) hits.resize(static_cast<size_t>(limit));

  // Snippets and matched terms for what is shown.
  ids.clear();
  for (const SearchHit& h : hits) ids.push_back(h.chunk_id);
  auto rows = store_.get_chunks(ids);
  if (!rows.ok()) return rows.status();
  std::unordered_map<int64_t, const ChunkRow*> text_of;
  for (const ChunkRow& r : *rows) text_of[r.id] = &r;
  std::unordered_map<std::string, std::string> wanted;  // document term -> query term
  for (const QueryTerm& t : q.terms) {
    wanted.emplace(t.text, t.text);
    if (t.text.size() > 1 && t.text[0] == kStemMark[0]) wanted.emplace(t.text.substr(1), t.text);
  }
  for (SearchHit& h : hits) {
    auto it = text_of.find(h.chunk_id);
    if (it == text_of.end()) continue;
    const ChunkRow& r = *it->second;
    h.snippet = make_snippet(r.text, q.terms);
    std::unordered_set<std::string> seen;
    auto collect = [&](std::string_view s) {
      for_each_term(
          s,
          [&](std::string_view term, bool, int, int) {
            auto w = wanted.find(std::string(term));
            if (w != wanted.end() && seen.insert(w->second).second)
              h.evidence.matched_terms.push_back(w->second);
          },
          /*stems=*/true);
    };
    collect(r.path);
    collect(r.qualified_name);
    collect(r.doc);
    collect(r.text);
  }
  return hits;
}

}  // namespace pampax
