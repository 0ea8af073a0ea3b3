#include "search/query_rewrite.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "search/query.h"
#include "util/ident.h"
#include "util/stem.h"

namespace pampax {
namespace {

struct LanguageWord {
  std::string_view word;
  std::string_view lang;  // the name `--lang` and the index use
};

constexpr std::array<LanguageWord, 14> kLanguageWords = {{
    {"python", "python"},
    {"python2", "python"},
    {"python3", "python"},
    {"javascript", "javascript"},
    {"nodejs", "javascript"},
    {"typescript", "typescript"},
    {"golang", "go"},
    {"java", "java"},
    {"rust", "rust"},
    {"ruby", "ruby"},
    {"php", "php"},
    {"csharp", "csharp"},
    {"cpp", "cpp"},
    {"bash", "bash"},
}};

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A run of word characters [begin, end) in text.
struct Word {
  size_t begin, end;
};

std::vector<Word> words_of(std::string_view text) {
  std::vector<Word> out;
  for (size_t i = 0; i < text.size();) {
    if (!word_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && word_char(text[j])) ++j;
    out.push_back({i, j});
    i = j;
  }
  return out;
}

// Not glued to a neighbour by a dot, dash, slash, colon, ...: "setup.py", "python-dateutil",
// "src/python" are names, not words. Sentence punctuation after the word is fine ("in python.").
bool standalone(std::string_view text, const Word& w) {
  static constexpr std::string_view kGlue = "._-/\\:@#$+";
  if (w.begin > 0 && kGlue.find(text[w.begin - 1]) != std::string_view::npos) return false;
  if (w.end < text.size() && kGlue.find(text[w.end]) != std::string_view::npos) {
    if (text[w.end] == '+') return false;  // "c++"
    if (w.end + 1 < text.size() && word_char(text[w.end + 1])) return false;
  }
  return true;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool short_question(std::string_view text) {
  return parse_query(text).words <= kStemmedQueryMaxWords;
}

}  // namespace

QueryRewrite language_hints(std::string_view text) {
  QueryRewrite rw;
  rw.text = std::string(text);
  if (!short_question(text)) return rw;
  std::vector<Word> words = words_of(text);
  std::vector<bool> drop(words.size(), false);
  std::vector<std::string> langs;
  bool other_content = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    std::string lw = lowered(text.substr(w.begin, w.end - w.begin));
    const LanguageWord* hit = nullptr;
    if (standalone(text, w))
      for (const LanguageWord& l : kLanguageWords)
        if (l.word == lw) hit = &l;
    if (hit) {
      drop[i] = true;
      if (std::find(langs.begin(), langs.end(), hit->lang) == langs.end()) langs.emplace_back(hit->lang);
    } else if (!is_stop_word(lw)) {
      other_content = true;
    }
  }
  if (langs.empty() || !other_content) return rw;
  std::string out;
  size_t at = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    if (!drop[i]) continue;
    out.append(text.substr(at, words[i].begin - at));
    out.push_back(' ');
    at = words[i].end;
  }
  out.append(text.substr(at));
  rw.text = std::move(out);
  rw.languages = std::move(langs);
  return rw;
}

namespace {

// A word worth correcting: 4-32 letters, all lowercase or capitalised, not a stop word.
bool correctable(std::string_view w) {
  if (w.size() < 4 || w.size() > 32) return false;
  for (size_t i = 0; i < w.size(); ++i) {
    char c = w[i];
    bool low = c >= 'a' && c <= 'z';
    bool up = c >= 'A' && c <= 'Z';
    if (!low && !(up && i == 0)) return false;
  }
  return !is_stop_word(lowered(w));
}

std::vector<std::string> one_edit(const std::string& w) {
  std::set<std::string> out;
  for (size_t i = 0; i <= w.size(); ++i) {
    for (char c = 'a'; c <= 'z'; ++c) {
      std::string ins = w;
      ins.insert(ins.begin() + static_cast<std::ptrdiff_t>(i), c);
      out.insert(std::move(ins));
      if (i < w.size() && w[i] != c) {
        std::string rep = w;
        rep[i] = c;
        out.insert(std::move(rep));
      }
    }
    if (i < w.size()) {
      std::string del = w;
      del.erase(i, 1);
      if (del.size() >= 3) out.insert(std::move(del));
    }
    if (i + 1 < w.size() && w[i] != w[i + 1]) {
      std::string swp = w;
      std::swap(swp[i], swp[i + 1]);
      out.insert(std::move(swp));
    }
  }
  out.erase(w);
  return {out.begin(), out.end()};
}

}  // namespace

Status correct_spelling(QueryRewrite* rw, const DocCountFn& doc_counts) {
  const std::string text = rw->text;
  if (!short_question(text)) return Status::Ok();
  std::vector<Word> words = words_of(text);
  std::string out;
  size_t at = 0;
  for (const Word& w : words) {
    std::string_view typed = std::string_view(text).substr(w.begin, w.end - w.begin);
    if (!correctable(typed) || !standalone(text, w)) continue;
    std::string lw = lowered(typed);
    std::vector<std::string> known = {lw};
    if (std::string s = porter_stem(lw); s != lw) known.push_back(kStemMark + s);
    auto counts = doc_counts(known, false);
    if (!counts.ok()) return counts.status();
    bool seen = false;
    for (int64_t n : *counts) seen |= n > 0;
    if (seen) continue;
    std::vector<std::string> candidates = one_edit(lw);
    auto cand_counts = doc_counts(candidates, true);
    if (!cand_counts.ok()) return cand_counts.status();
    int64_t best = 1;  // at least 2 chunks
    const std::string* pick = nullptr;
    for (size_t i = 0; i < candidates.size() && i < cand_counts->size(); ++i)
      if ((*cand_counts)[i] > best) {  // candidates are sorted: ties keep the first
        best = (*cand_counts)[i];
        pick = &candidates[i];
      }
    if (!pick) continue;
    out.append(text.substr(at, w.begin - at));
    out.append(*pick);
    at = w.end;
    rw->corrections.push_back({lw, *pick});
  }
  if (rw->corrections.empty()) return Status::Ok();
  out.append(text.substr(at));
  rw->text = std::move(out);
  return Status::Ok();
}

}  // namespace pampax
