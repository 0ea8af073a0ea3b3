// Template body of expand_query (search/expansion.h).
#pragma once
#include <algorithm>
#include <unordered_set>

namespace pampax {

template <class Lookup>
void expand_query(ParsedQuery& q, Lookup&& lookup, const ExpandOptions& o) {
  std::vector<std::string> words;
  for (const QueryTerm& t : q.terms)
    if (t.whole && !t.identifier && !t.expansion) words.push_back(t.text);
  if (words.empty() || static_cast<int>(words.size()) > o.max_query_words || o.max_terms <= 0) return;
  std::unordered_map<std::string, double> score;
  for (const std::string& w : words)
    for (const auto& [term, p] : lookup(w)) score[term] += p / static_cast<double>(words.size());
  std::unordered_set<std::string> have;
  for (const QueryTerm& t : q.terms) have.insert(t.text);
  std::vector<std::pair<double, std::string>> best;
  for (auto& [term, s] : score)
    if (!have.count(term)) best.emplace_back(-s, term);
  std::sort(best.begin(), best.end());
  if (best.empty()) return;
  double top = -best.front().first;
  for (size_t i = 0; i < best.size() && static_cast<int>(i) < o.max_terms; ++i) {
    QueryTerm t;
    t.text = best[i].second;
    t.occurrences = 1;
    t.weight = o.weight * (-best[i].first) / top;
    t.expansion = true;
    q.terms.push_back(std::move(t));
  }
}

}  // namespace pampax
