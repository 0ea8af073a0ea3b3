// Token estimate without tables: one pass over the bytes, counting the units cl100k_base's
// pre-tokeniser splits text into and weighting each by the tokens it costs on average. Weights
// were fitted on tests/assemble/data/tokenizer (code, prose in eight scripts, emoji, numbers,
// whitespace) against exact cl100k_base counts, then rounded; o200k_base spends fewer tokens on
// non-Latin scripts, so for it the estimate errs high, the safe side for a budget.
#include <cstdint>

#include "assemble/tokenizer.h"

namespace pampax {
namespace {

// Costs in tenths of a token.
constexpr uint32_t kWord = 10;         // a run of ASCII letters (with its leading space)
constexpr uint32_t kDigits = 15;       // each started group of 3 digits
constexpr uint32_t kPunctRun = 6;      // a run of ASCII punctuation ...
constexpr uint32_t kPunctChar = 1;     // ... plus this per character
constexpr uint32_t kNewlines = 15;     // a run of line breaks
constexpr uint32_t kLatinExt = 15;     // U+0080-U+024F: accented Latin letters, Latin-1 signs
constexpr uint32_t kCyrillicGreek = 6;  // U+0370-U+052F (the fit said 0.55)
constexpr uint32_t kOtherScript = 9;   // Arabic, Hebrew, Indic, Thai, combining marks ...
constexpr uint32_t kSymbol = 20;       // U+2000-U+2FFF and beyond the BMP: emoji, math, arrows
constexpr uint32_t kCjk = 10;          // CJK, kana, Hangul, full-width forms

enum Class : uint8_t { kSpace, kLetter, kDigit, kPunct, kNewline };

constexpr Class ascii_class(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return kLetter;
  if (c >= '0' && c <= '9') return kDigit;
  if (c == '\n' || c == '\r') return kNewline;
  if (c == ' ' || c == '\t' || c == '\v' || c == '\f') return kSpace;
  return kPunct;  // also control characters: rare, and each is its own token
}

uint32_t non_ascii_cost(uint32_t cp) {
  if (cp < 0x250) return kLatinExt;
  if (cp >= 0x370 && cp < 0x530) return kCyrillicGreek;
  if ((cp >= 0x3000 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF)) {
    return kCjk;
  }
  if (cp >= 0x10000 || (cp >= 0x2000 && cp < 0x3000)) return kSymbol;
  return kOtherScript;
}

}  // namespace

size_t estimate_bpe_tokens(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  uint64_t tenths = 0;
  Class prev = kSpace;
  uint32_t digits = 0;  // length of the current digit run
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c >= 0x80) {
      // Decode just enough to classify; invalid bytes cost like any other odd character.
      uint32_t cp = 0xFFFD;
      size_t len = 1;
      if (c >= 0xC2 && c <= 0xDF && i + 1 < n) {
        cp = (c & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu);
        len = 2;
      } else if (c >= 0xE0 && c <= 0xEF && i + 2 < n) {
        cp = (c & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu);
        len = 3;
      } else if (c >= 0xF0 && c <= 0xF4 && i + 3 < n) {
        cp = 0x10000;
        len = 4;
      }
      tenths += non_ascii_cost(cp);
      prev = kSpace;
      i += len;
      continue;
    }
    const Class k = ascii_class(c);
    switch (k) {
      case kLetter:
        if (prev != kLetter) tenths += kWord;
        break;
      case kDigit:
        digits = prev == kDigit ? digits + 1 : 1;
        if (digits % 3 == 1) tenths += kDigits;
        break;
      case kPunct:
        tenths += kPunctChar + (prev != kPunct ? kPunctRun : 0);
        break;
      case kNewline:
        if (prev != kNewline) tenths += kNewlines;
        break;
      case kSpace:
        break;
    }
    prev = k;
    ++i;
  }
  const size_t tokens = static_cast<size_t>((tenths + 5) / 10);
  return tokens == 0 && n > 0 ? 1 : tokens;
}

}  // namespace pampax
