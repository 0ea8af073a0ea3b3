#include "search/lexical.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "util/ident.h"

namespace pampax {
namespace {

constexpr size_t kMaxTerms = 32;

}  // namespace

Result<std::vector<LexicalSearcher::Term>> LexicalSearcher::plan(const ParsedQuery& q) {
  if (q.terms.empty()) return InvalidArgument("the query has no searchable words");
  std::vector<Term> terms;
  for (const QueryTerm& t : q.terms) {
    auto hot = store_.hot_term(t.text);
    if (!hot.ok()) return hot.status();
    if (!*hot && t.text.size() > 1 && t.text[0] == kStemMark[0]) {
      // "~s" matches s or ~s; when s alone is hot, its list stands in (a subset of the
      // matches, like every hot list).
      hot = store_.hot_term(t.text.substr(1));
      if (!hot.ok()) return hot.status();
    }
    Term term{t.text, 0, std::move(*hot), t.identifier, t.occurrences, t.weight};
    if (term.hot) term.df = term.hot->df;
    terms.push_back(std::move(term));
  }
  // Short queries keep every term. Long ones (bug reports) keep the most selective: every
  // extra term costs a posting-list scan and adds little signal once it is common.
  if (terms.size() <= 6) return terms;
  auto total_r = store_.meta("chunk_count");
  double total = total_r ? std::max(1.0, std::atof(total_r->c_str())) : 1.0;
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < terms.size(); ++i) {
    Term& t = terms[i];
    if (!t.hot) {
      auto df = store_.term_doc_count(t.text);  // cheap: a cold term has few postings
      if (!df.ok()) return df.status();
      t.df = *df;
      if (t.text.size() > 1 && t.text[0] == kStemMark[0]) {
        // "~s" matches s or ~s, and documents index ~s only where it differs from the word
        // ("longest" has no "~longest"): count both (an upper bound of the union), or the
        // term would look absent and be dropped.
        auto plain = store_.term_doc_count(t.text.substr(1));
        if (!plain.ok()) return plain.status();
        t.df += *plain;
      }
    }
    if (t.df == 0) continue;
    double df = static_cast<double>(t.df);
    double idf = std::log((total - df + 0.5) / (df + 0.5) + 1.0);
    double weight = idf * (1.0 + std::log(static_cast<double>(t.occurrences))) *
                    (t.identifier ? 1.5 : 1.0) * t.weight;
    order.emplace_back(-weight, i);
  }
  std::stable_sort(order.begin(), order.end());
  std::vector<Term> kept;
  for (size_t k = 0; k < order.size() && k < kMaxTerms; ++k) kept.push_back(std::move(terms[order[k].second]));
  return kept;
}

Result<std::string> LexicalSearcher::match_expression(const ParsedQuery& q) {
  auto terms = plan(q);
  if (!terms.ok()) return terms.status();
  std::vector<std::string> words;
  for (const Term& t : *terms) words.push_back(t.text);
  return fts_or_expression(words);
}

Result<std::vector<FtsHit>> LexicalSearcher::rank(const std::vector<Term>& terms,
                                                  const SearchFilters& filters, int limit) {
  const double w[4] = {w_.path, w_.symbol, w_.doc, w_.body};
  std::vector<std::string> cold;
  std::string cold_weights;  // per cold phrase, in order ("" when all are 1)
  bool weighted = false;
  size_t hot_count = 0;
  for (const Term& t : terms) {
    if (t.hot) {
      ++hot_count;
      continue;
    }
    cold.push_back(t.text);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6g", cold_weights.empty() ? "" : ",", t.weight);
    cold_weights += buf;
    weighted |= t.weight != 1.0;
  }
  if (!weighted) cold_weights.clear();
  // Which members of a group of equal scores fall inside `limit` would depend on row ids:
  // the whole group at the cut is kept (the caller orders ties by location and cuts).
  auto keep_ties = [](std::vector<FtsHit>& h, size_t limit) {
    size_t keep = std::min(h.size(), limit);
    while (keep > 0 && keep < h.size() && h[keep].score == h[keep - 1].score) ++keep;
    h.resize(keep);
  };
  if (hot_count == 0) {
    if (cold.empty()) return std::vector<FtsHit>();
    for (int extra = 16;; extra *= 4) {
      const int ask = limit + extra;
      auto hits = store_.fts_search(fts_or_expression(cold), filters, w, ask, cold_weights);
      if (!hits.ok()) return hits.status();
      // Done when the list ended, or the last row asked for is below the cut's score.
      if (hits->size() < static_cast<size_t>(ask) || hits->size() <= static_cast<size_t>(limit) ||
          hits->back().score != (*hits)[static_cast<size_t>(limit) - 1].score || ask > 1000000) {
        keep_ties(*hits, static_cast<size_t>(limit));
        return hits;
      }
    }
  }
  // Some terms are hot. BM25 is a sum over terms, so a chunk's score is its score for the
  // cold terms (exact, from FTS5, over their short posting lists) plus its score for each hot
  // term, taken from that term's precomputed best chunks (0 for chunks outside them: an
  // underestimate bounded by the term's low IDF). This keeps queries like "return this" at
  // a few microseconds per term instead of a scan of most of the index.
  std::unordered_map<int64_t, double> score;
  if (!cold.empty()) {
    auto hits = store_.fts_search(fts_or_expression(cold), filters, w, limit + 50, cold_weights);
    if (!hits.ok()) return hits.status();
    for (const FtsHit& h : *hits) score[h.chunk_id] += h.score;
  }
  bool filtered = !filters.lang.empty() || !filters.path_glob.empty() || !filters.kind.empty();
  for (const Term& t : terms) {
    if (!t.hot) continue;
    if (filtered) {
      std::vector<int64_t> ids;
      for (const FtsHit& h : t.hot->top) ids.push_back(h.chunk_id);
      auto keep = store_.filter_chunks(ids, filters);
      if (!keep.ok()) return keep.status();
      std::unordered_set<int64_t> ok(keep->begin(), keep->end());
      for (const FtsHit& h : t.hot->top)
        if (ok.count(h.chunk_id)) score[h.chunk_id] += t.weight * h.score;
    } else {
      for (const FtsHit& h : t.hot->top) score[h.chunk_id] += t.weight * h.score;
    }
  }
  std::vector<FtsHit> out;
  out.reserve(score.size());
  for (auto& [id, s] : score) out.push_back({id, s});
  std::sort(out.begin(), out.end(), [](const FtsHit& a, const FtsHit& b) {
    return a.score != b.score ? a.score > b.score : a.chunk_id < b.chunk_id;
  });
  keep_ties(out, static_cast<size_t>(limit));
  return out;
}

Result<std::vector<FtsHit>> LexicalSearcher::candidates(const ParsedQuery& q,
                                                         const SearchFilters& filters, int limit) {
  auto terms = plan(q);
  if (!terms.ok()) return terms.status();
  return rank(*terms, filters, std::max(1, limit));
}

Result<std::vector<FtsHit>> LexicalSearcher::symbol_candidates(const ParsedQuery& q,
                                                               const SearchFilters& filters,
                                                               int limit) {
  if (q.terms.empty()) return InvalidArgument("the query has no searchable words");
  std::vector<std::string> words;
  for (const QueryTerm& t : q.terms) {
    if (words.size() >= kMaxTerms) break;
    words.push_back(t.text);
  }
  const double w[4] = {w_.path, w_.symbol, w_.doc, w_.body};
  return store_.fts_search("symbol : (" + fts_or_expression(words) + ")", filters, w,
                           std::max(1, limit));
}

Result<std::vector<SearchHit>> LexicalSearcher::search(const SearchRequest& req) {
  ParsedQuery q = parse_query(req.query);
  auto hits = candidates(q, req.filters, req.limit);
  if (!hits.ok()) return hits.status();
  std::vector<SearchHit> out;
  std::vector<int64_t> ids;
  for (const FtsHit& h : *hits) ids.push_back(h.chunk_id);
  auto rows = store_.get_chunks(ids);  // ids of chunks deleted since the hot lists were built vanish
  if (!rows.ok()) return rows.status();
  size_t r = 0;
  for (const FtsHit& h : *hits) {
    if (r >= rows->size() || (*rows)[r].id != h.chunk_id) continue;
    const ChunkRow& c = (*rows)[r++];
    SearchHit hit;
    hit.chunk_id = c.id;
    hit.path = c.path;
    hit.lang = c.lang;
    hit.kind = c.kind;
    hit.symbol = c.qualified_name;
    hit.start_line = c.start_line;
    hit.end_line = c.end_line;
    hit.score = h.score;
    hit.snippet = make_snippet(c.text, q.terms);
    out.push_back(std::move(hit));
  }
  // Equal scores are common (generated or duplicated code); order them by location so the
  // same index content always gives the same answer, whatever the row ids.
  std::stable_sort(out.begin(), out.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.path != b.path) return a.path < b.path;
    return a.start_line < b.start_line;
  });
  if (out.size() > static_cast<size_t>(std::max(1, req.limit))) out.resize(static_cast<size_t>(std::max(1, req.limit)));
  return out;
}

std::string make_snippet(const std::string& text, const std::vector<QueryTerm>& terms,
                         int max_lines) {
  std::unordered_set<std::string> wanted;
  for (const QueryTerm& t : terms) {
    wanted.insert(t.text);
    if (t.text.size() > 1 && t.text[0] == kStemMark[0]) wanted.insert(t.text.substr(1));
  }
  // Split into lines and score each by the distinct query terms it contains.
  std::vector<std::pair<size_t, size_t>> lines;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      if (i > start || i < text.size()) lines.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (lines.empty()) return {};
  size_t best = 0;
  int best_score = -1;
  for (size_t li = 0; li < lines.size(); ++li) {
    std::string_view line(text.data() + lines[li].first, lines[li].second - lines[li].first);
    std::unordered_set<std::string> seen;
    for_each_term(
        line,
        [&](std::string_view term, bool, int, int) {
          std::string t(term);
          if (wanted.count(t)) seen.insert(std::move(t));
        },
        /*stems=*/true);
    int score = static_cast<int>(seen.size());
    if (score > best_score) {
      best_score = score;
      best = li;
    }
  }
  // Show the best line with one line of context before it when there is room.
  size_t first = best > 0 && max_lines > 1 ? best - 1 : best;
  size_t last = std::min(lines.size(), first + static_cast<size_t>(max_lines));
  std::string out;
  for (size_t li = first; li < last; ++li) {
    std::string_view line(text.data() + lines[li].first, lines[li].second - lines[li].first);
    if (line.size() > 200) line = line.substr(0, 200);
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace pampax
