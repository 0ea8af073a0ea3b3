// Internal to src/parse: per-file text index shared by the tree-sitter chunker and the fallback
// chunker (line starts, token prefix sums) and small text helpers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/text.h"

namespace pampax::parse_internal {

// Byte classes of the token estimator: 0 = whitespace, 1 = word ([A-Za-z0-9_] and any byte
// >= 0x80, so UTF-8 text counts as words), 2 = punctuation / anything else.
extern const uint8_t kByteClass[256];

inline bool is_space(unsigned char c) { return kByteClass[c] == 0; }
inline bool is_word(unsigned char c) { return kByteClass[c] == 1; }

// Line starts and token prefix sums of one file. Positions are byte offsets.
class TextIndex {
 public:
  // Rebuilds for `text`; buffers are reused between calls.
  void build(std::string_view text);
  // Frees the buffers if they grew large (keeps small ones for reuse).
  void trim() {
    if (prefix_.capacity() > (size_t{4} << 20)) {
      std::vector<uint32_t>().swap(prefix_);
      std::vector<uint32_t>().swap(line_starts_);
    }
    text_ = {};
  }

  std::string_view text() const { return text_; }
  uint32_t size() const { return static_cast<uint32_t>(text_.size()); }

  // Number of lines (a final line without '\n' counts; "" has 0 lines, "a\n" has 1).
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }
  // Start byte of 0-based line `i`; line_start(line_count()) == size().
  uint32_t line_start(uint32_t i) const {
    return i < line_starts_.size() ? line_starts_[i] : size();
  }
  // 0-based line containing byte `pos` (pos == size() maps to the last line).
  uint32_t line_of(uint32_t pos) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    return it == line_starts_.begin() ? 0 : static_cast<uint32_t>(it - line_starts_.begin() - 1);
  }
  // Start of the line containing `pos`.
  uint32_t line_start_of(uint32_t pos) const { return line_start(line_of(pos)); }

  // Estimated tokens of [a, b): tokens starting in the range (see estimate_tokens).
  uint32_t tokens(uint32_t a, uint32_t b) const { return b > a ? prefix_[b] - prefix_[a] : 0; }
  // Largest q in [a, b] with tokens(a, q) <= budget.
  uint32_t advance_tokens(uint32_t a, uint32_t b, uint32_t budget) const;

 private:
  std::string_view text_;
  std::vector<uint32_t> line_starts_;
  std::vector<uint32_t> prefix_;  // prefix_[i] = tokens starting in [0, i)
};

// Removes up to `indent` leading blanks from the lines after the first (the first line started
// at column `indent`: doc comments of nested symbols), trims trailing whitespace, caps the size.
std::string dedent(std::string_view s, size_t indent, size_t cap);
// Shared with the store (src/util/text.h).
using pampax::make_valid_utf8;
using pampax::utf8_floor;
inline std::string collapse_ws(std::string_view s, size_t cap) { return collapse_whitespace(s, cap); }

}  // namespace pampax::parse_internal
