// Small text helpers shared by the parser (which makes signatures) and the store (which
// rebuilds them from byte ranges): both must produce the same text.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pampax {

// Signatures are whitespace-collapsed and capped at this many bytes.
inline constexpr size_t kSignatureCap = 300;

// Whitespace-collapsed, trimmed copy of `s`, at most `cap` bytes (cut at a UTF-8 boundary),
// always valid UTF-8.
std::string collapse_whitespace(std::string_view s, size_t cap);
// Replaces invalid UTF-8 sequences with U+FFFD so names and signatures are always valid text.
void make_valid_utf8(std::string* s);
// Largest position <= pos that is not inside a UTF-8 multi-byte sequence.
inline uint32_t utf8_floor(std::string_view s, uint32_t pos) {
  if (pos >= s.size()) return pos;
  for (uint32_t k = 0; k < 4 && k <= pos; ++k) {
    if ((static_cast<unsigned char>(s[pos - k]) & 0xC0) != 0x80) return pos - k;
  }
  return pos;  // invalid UTF-8: any cut is as good as another
}

}  // namespace pampax
