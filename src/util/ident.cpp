#include "util/ident.h"

#include <unordered_map>

#include "util/stem.h"

namespace pampax {
namespace {

inline bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}
inline bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(unsigned char c) { return (c >= 'a' && c <= 'z') || c >= 0x80; }
inline bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline char lower(unsigned char c) { return is_upper(c) ? static_cast<char>(c + 32) : static_cast<char>(c); }

constexpr size_t kMaxWord = 64;

// Calls emit(begin, end) for each sub-word of word[0..n). Bytes that are not letters or
// digits separate sub-words.
template <class F>
void split_parts(std::string_view w, F&& emit) {
  size_t n = w.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = w[i];
    if (c == '_' || c == '-') { ++i; continue; }
    size_t start = i;
    if (is_digit(c)) {
      while (i < n && is_digit(static_cast<unsigned char>(w[i]))) ++i;
    } else if (is_upper(c)) {
      ++i;
      if (i < n && is_upper(static_cast<unsigned char>(w[i]))) {
        // Acronym run: "HTTPServer" -> "HTTP" + "Server"; "URLs" -> "URLs"? keep simple:
        // the run ends before the last capital when a lowercase letter follows it.
        while (i < n && is_upper(static_cast<unsigned char>(w[i]))) ++i;
        if (i < n && is_lower(static_cast<unsigned char>(w[i])) && i - start > 1) --i;
      } else {
        while (i < n && is_lower(static_cast<unsigned char>(w[i]))) ++i;
      }
    } else if (is_lower(c)) {
      while (i < n && is_lower(static_cast<unsigned char>(w[i]))) ++i;
    } else {
      ++i;  // punctuation, space, ...: a separator (callers may pass any text)
      continue;
    }
    emit(start, i);
  }
}

}  // namespace

std::vector<std::string> split_identifier(std::string_view word) {
  std::vector<std::string> parts;
  split_parts(word, [&](size_t b, size_t e) {
    std::string p;
    p.reserve(e - b);
    for (size_t k = b; k < e; ++k) p.push_back(lower(static_cast<unsigned char>(word[k])));
    parts.push_back(std::move(p));
  });
  if (parts.size() <= 1) parts.clear();
  return parts;
}

namespace {

// porter_stem with a per-thread memo: the index sees the same words over and over.
const std::string& cached_stem(const std::string& word) {
  thread_local std::unordered_map<std::string, std::string> memo;
  auto it = memo.find(word);
  if (it != memo.end()) return it->second;
  if (memo.size() >= (1u << 16)) memo.clear();
  return memo.emplace(word, porter_stem(word)).first->second;
}

}  // namespace

std::string query_form(std::string_view term, bool colocated, bool multi_part) {
  if (!colocated && multi_part) return std::string(term);
  return stemmable(term) ? kStemMark + cached_stem(std::string(term)) : std::string(term);
}

void for_each_term(std::string_view text, const TermSink& sink, bool stems) {
  std::string buf;
  size_t n = text.size();
  size_t i = 0;
  std::string part;
  std::string marked;
  auto emit_stem = [&](const std::string& word, int s, int e) {
    const std::string& st = cached_stem(word);
    if (st == word) return;  // the query side also asks for the word itself
    marked.assign(kStemMark);
    marked += st;
    sink(marked, true, s, e);
  };
  auto emit_part = [&](int s, int e) {
    sink(part, true, s, e);
    if (stems && stemmable(part)) emit_stem(part, s, e);
  };
  while (i < n) {
    if (!is_word_byte(static_cast<unsigned char>(text[i]))) { ++i; continue; }
    size_t start = i;
    while (i < n && is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view word = text.substr(start, std::min(i - start, kMaxWord));
    buf.assign(word.size(), '\0');
    for (size_t k = 0; k < word.size(); ++k) buf[k] = lower(static_cast<unsigned char>(word[k]));
    int s = static_cast<int>(start), e = static_cast<int>(i);
    sink(buf, false, s, e);
    int parts = 0;
    size_t first_b = 0, first_e = 0;
    split_parts(word, [&](size_t b, size_t en) {
      if (parts == 0) { first_b = b; first_e = en; ++parts; return; }
      if (parts == 1) {
        part.assign(word.substr(first_b, first_e - first_b));
        for (auto& ch : part) ch = lower(static_cast<unsigned char>(ch));
        emit_part(s, e);
      }
      ++parts;
      part.assign(word.substr(b, en - b));
      for (auto& ch : part) ch = lower(static_cast<unsigned char>(ch));
      emit_part(s, e);
    });
    if (parts == 1 && (first_e - first_b) != word.size()) {
      // A single part that differs from the whole word: "__init__" is indexed as "__init__"
      // and "init", so both find it.
      part.assign(word.substr(first_b, first_e - first_b));
      for (auto& ch : part) ch = lower(static_cast<unsigned char>(ch));
      emit_part(s, e);
    } else if (parts <= 1 && stems && stemmable(buf)) {
      emit_stem(buf, s, e);  // a plain word: its stem too ("parsing" -> "~pars")
    }
  }
}

}  // namespace pampax
