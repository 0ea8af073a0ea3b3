#include "util/stem.h"

namespace pampax {
namespace {

// The word being stemmed, with the Porter predicates over its prefix w[0, end).
class Stemmer {
 public:
  explicit Stemmer(std::string_view w) : w_(w) {}
  std::string run() {
    step1a();
    step1b();
    step1c();
    step2();
    step3();
    step4();
    step5();
    return w_;
  }

 private:
  bool cons(size_t i) const {
    switch (w_[i]) {
      case 'a': case 'e': case 'i': case 'o': case 'u': return false;
      case 'y': return i == 0 ? true : !cons(i - 1);
      default: return true;
    }
  }
  // m() of the prefix [0, n): the number of VC sequences.
  int measure(size_t n) const {
    int m = 0;
    size_t i = 0;
    while (i < n && cons(i)) ++i;
    while (i < n) {
      while (i < n && !cons(i)) ++i;
      if (i >= n) break;
      while (i < n && cons(i)) ++i;
      ++m;
    }
    return m;
  }
  bool has_vowel(size_t n) const {
    for (size_t i = 0; i < n; ++i)
      if (!cons(i)) return true;
    return false;
  }
  bool double_cons(size_t n) const {
    return n >= 2 && w_[n - 1] == w_[n - 2] && cons(n - 1);
  }
  // *o: the prefix ends consonant-vowel-consonant, the last not w, x or y.
  bool cvc(size_t n) const {
    if (n < 3 || !cons(n - 1) || cons(n - 2) || !cons(n - 3)) return false;
    char c = w_[n - 1];
    return c != 'w' && c != 'x' && c != 'y';
  }
  bool ends(std::string_view s) const { return w_.size() >= s.size() && std::string_view(w_).ends_with(s); }
  size_t stem_len(std::string_view suffix) const { return w_.size() - suffix.size(); }
  void replace(std::string_view suffix, std::string_view with) {
    w_.resize(w_.size() - suffix.size());
    w_ += with;
  }

  void step1a() {
    if (ends("sses")) replace("sses", "ss");
    else if (ends("ies")) replace("ies", "i");
    else if (ends("ss")) return;
    else if (ends("s")) replace("s", "");
  }
  void step1b() {
    if (ends("eed")) {
      if (measure(stem_len("eed")) > 0) replace("eed", "ee");
      return;
    }
    std::string_view suffix;
    if (ends("ed")) suffix = "ed";
    else if (ends("ing")) suffix = "ing";
    else return;
    if (!has_vowel(stem_len(suffix))) return;
    replace(suffix, "");
    if (ends("at")) replace("at", "ate");
    else if (ends("bl")) replace("bl", "ble");
    else if (ends("iz")) replace("iz", "ize");
    else if (double_cons(w_.size())) {
      char c = w_.back();
      if (c != 'l' && c != 's' && c != 'z') w_.pop_back();
    } else if (measure(w_.size()) == 1 && cvc(w_.size())) {
      w_ += 'e';
    }
  }
  void step1c() {
    if (ends("y") && has_vowel(w_.size() - 1)) w_.back() = 'i';
  }
  // Replaces the longest listed suffix when the stem before it has m() > min_m.
  template <size_t N>
  void rules(const std::pair<std::string_view, std::string_view> (&list)[N], int min_m) {
    const std::pair<std::string_view, std::string_view>* best = nullptr;
    for (const auto& r : list)
      if (ends(r.first) && (!best || r.first.size() > best->first.size())) best = &r;
    if (best && measure(stem_len(best->first)) > min_m) replace(best->first, best->second);
  }
  void step2() {
    static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
        {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"},  {"anci", "ance"},
        {"izer", "ize"},    {"abli", "able"},   {"alli", "al"},    {"entli", "ent"},
        {"eli", "e"},       {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
        {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"}, {"fulness", "ful"},
        {"ousness", "ous"}, {"aliti", "al"},    {"iviti", "ive"},  {"biliti", "ble"}};
    rules(kRules, 0);
  }
  void step3() {
    static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
        {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"},
        {"ical", "ic"},  {"ful", ""},   {"ness", ""}};
    rules(kRules, 0);
  }
  void step4() {
    static constexpr std::string_view kSuffixes[] = {
        "al",  "ance", "ence", "er",  "ic",  "able", "ible", "ant", "ement", "ment",
        "ent", "ion",  "ou",   "ism", "ate", "iti",  "ous",  "ive", "ize"};
    std::string_view best;
    for (std::string_view s : kSuffixes)
      if (ends(s) && s.size() > best.size()) best = s;
    if (best.empty()) return;
    size_t n = stem_len(best);
    if (measure(n) <= 1) return;
    if (best == "ion" && !(n > 0 && (w_[n - 1] == 's' || w_[n - 1] == 't'))) return;
    replace(best, "");
  }
  void step5() {
    if (ends("e")) {
      size_t n = w_.size() - 1;
      int m = measure(n);
      if (m > 1 || (m == 1 && !cvc(n))) w_.pop_back();
    }
    if (ends("ll") && measure(w_.size()) > 1) w_.pop_back();
  }

  std::string w_;
};

}  // namespace

bool stemmable(std::string_view w) {
  if (w.size() <= 2) return false;
  for (char c : w)
    if (c < 'a' || c > 'z') return false;
  return true;
}

std::string porter_stem(std::string_view w) {
  if (!stemmable(w)) return std::string(w);
  return Stemmer(w).run();
}

}  // namespace pampax
