#include "search/lexical.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "util/ident.h"

namespace pampax {
namespace {

constexpr size_t kMaxTerms = 32;

}  // namespace

Result<std::string> LexicalSearcher::match_expression(const ParsedQuery& q) {
  if (q.terms.empty()) return InvalidArgument("the query has no searchable words");
  // Short queries go to FTS5 as they are. Long ones (bug reports) are cut to the most
  // selective terms: every extra OR branch costs a posting-list scan, and a term found in
  // most chunks adds cost but almost no ranking signal.
  std::vector<std::string> terms;
  if (q.terms.size() <= 6) {
    for (const QueryTerm& t : q.terms) terms.push_back(t.text);
    return fts_or_expression(terms);
  }
  auto total_r = store_.meta("chunk_count");
  double total = total_r ? std::max(1.0, std::atof(total_r->c_str())) : 1.0;
  struct Scored {
    double weight;
    const QueryTerm* t;
  };
  std::vector<Scored> scored;
  for (const QueryTerm& t : q.terms) {
    auto df = store_.term_doc_count(t.text);
    if (!df.ok()) return df.status();
    if (*df == 0) continue;
    double idf = std::log((total - static_cast<double>(*df) + 0.5) / (static_cast<double>(*df) + 0.5) + 1.0);
    double w = idf * (1.0 + std::log(static_cast<double>(t.occurrences))) * (t.identifier ? 1.5 : 1.0);
    scored.push_back({w, &t});
  }
  if (scored.empty()) return std::string();
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.weight > b.weight; });
  for (size_t i = 0; i < scored.size() && i < kMaxTerms; ++i) terms.push_back(scored[i].t->text);
  return fts_or_expression(terms);
}

Result<std::vector<SearchHit>> LexicalSearcher::search(const SearchRequest& req) {
  ParsedQuery q = parse_query(req.query);
  auto expr = match_expression(q);
  if (!expr.ok()) return expr.status();
  std::vector<SearchHit> out;
  if (expr->empty()) return out;  // no query term occurs anywhere
  const double w[4] = {w_.path, w_.symbol, w_.doc, w_.body};
  auto hits = store_.fts_search(*expr, req.filters, w, std::max(1, req.limit));
  if (!hits.ok()) return hits.status();
  std::vector<int64_t> ids;
  for (const FtsHit& h : *hits) ids.push_back(h.chunk_id);
  auto rows = store_.get_chunks(ids);
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
  return out;
}

std::string make_snippet(const std::string& text, const std::vector<QueryTerm>& terms,
                         int max_lines) {
  std::unordered_set<std::string> wanted;
  for (const QueryTerm& t : terms) wanted.insert(t.text);
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
    for_each_term(line, [&](std::string_view term, bool, int, int) {
      std::string t(term);
      if (wanted.count(t)) seen.insert(std::move(t));
    });
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
