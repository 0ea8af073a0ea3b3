#include "search/query.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "util/ident.h"

namespace pampax {
namespace {

const std::unordered_set<std::string_view>& stop_words() {
  static const std::unordered_set<std::string_view> kWords = {
      "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
      "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
      "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
      "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
      "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
      "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off",
      "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she",
      "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
      "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
      "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while",
      "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "s", "t", "d",
      "ll", "m", "re", "ve", "e", "g", "eg", "ie", "etc", "please", "thanks", "hi", "hello",
      "want", "need", "like", "get", "way", "one", "using", "use", "used", "find", "show",
      "code", "there", "something", "thing", "things", "does", "doesn", "don", "isn", "aren",
      "wasn", "didn", "shouldn", "won", "let", "lets", "may", "might", "must", "shall"};
  return kWords;
}

bool looks_like_identifier(std::string_view w) {
  bool lower = false, upper_after_lower = false;
  for (size_t i = 0; i < w.size(); ++i) {
    char c = w[i];
    if (c == '_' && i > 0 && i + 1 < w.size()) return true;
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z' && lower) upper_after_lower = true;
  }
  return upper_after_lower;
}

}  // namespace

bool is_stop_word(std::string_view w) { return stop_words().count(w) > 0; }

namespace {

ParsedQuery parse_query_forms(std::string_view text, bool stems) {
  ParsedQuery q;
  q.stemmed = stems;
  q.raw = std::string(text);
  std::unordered_map<std::string, size_t> index;
  std::vector<QueryTerm> all;
  std::vector<bool> all_stop;  // every word that gave this term is a stop word
  int words = 0;
  bool any_identifier = false;
  for_each_term(text, [&](std::string_view term, bool colocated, int s, int e) {
    std::string_view original = text.substr(static_cast<size_t>(s), static_cast<size_t>(e - s));
    bool ident = looks_like_identifier(original);
    if (!colocated) {
      ++words;
      any_identifier |= ident;
    }
    std::string form = stems ? query_form(term, colocated, !colocated && !split_identifier(original).empty())
                             : std::string(term);
    auto [it, inserted] = index.emplace(form, all.size());
    if (inserted) {
      all.push_back(QueryTerm{form, 0, false, false});
      all_stop.push_back(true);
    }
    if (!is_stop_word(term)) all_stop[it->second] = false;  // judged before stemming
    QueryTerm& t = all[it->second];
    ++t.occurrences;
    t.whole |= !colocated;
    t.identifier |= ident;
  });
  q.identifier_like = words == 1 && any_identifier;
  q.words = words;
  for (size_t i = 0; i < all.size(); ++i) {
    // Identifier words are never stop words ("get" in getUser is the name, not filler).
    if (all[i].identifier || !all_stop[i]) q.terms.push_back(all[i]);
  }
  if (q.terms.empty()) q.terms = std::move(all);  // "this", "return": search them anyway
  return q;
}

}  // namespace

ParsedQuery parse_query(std::string_view text) {
  ParsedQuery q = parse_query_forms(text, true);
  if (q.words > kStemmedQueryMaxWords) q = parse_query_forms(text, false);
  return q;
}

std::string fts_or_expression(const std::vector<std::string>& terms) {
  std::string out;
  for (const std::string& t : terms) {
    if (!out.empty()) out += " OR ";
    out += '"';
    for (char c : t) {
      if (c == '"') out += '"';  // FTS5 escapes a quote by doubling it
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace pampax
