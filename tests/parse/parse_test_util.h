// Helpers shared by the parse tests: fixture loading and the chunk invariants.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "parse/chunker.h"
#include "util/text.h"

namespace pampax::testing_parse {

inline std::string fixture_dir() { return std::string(PAMPAX_SOURCE_DIR) + "/tests/fixtures"; }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// 1-based line of byte `pos`, counted independently of the chunker.
inline uint32_t line_at(std::string_view text, uint32_t pos) {
  return 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// Checks the ParsedFile contract on `content`; `what` names the input in failure messages.
inline void check_invariants(std::string_view content, const ParsedFile& pf,
                             const std::string& what) {
  SCOPED_TRACE(what);
  // Tiling: sorted, contiguous, exact.
  uint32_t expect = 0;
  std::string joined;
  joined.reserve(content.size());
  std::vector<uint32_t> line_starts{0};
  for (uint32_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\n') line_starts.push_back(i + 1);
  }
  auto line_of = [&](uint32_t pos) {
    return static_cast<uint32_t>(std::upper_bound(line_starts.begin(), line_starts.end(), pos) -
                                 line_starts.begin());
  };
  for (size_t i = 0; i < pf.chunks.size(); ++i) {
    const Chunk& c = pf.chunks[i];
    ASSERT_EQ(c.start_byte, expect) << "chunk " << i << " does not start where the previous ended";
    ASSERT_LT(c.start_byte, c.end_byte) << "empty chunk " << i;
    ASSERT_LE(c.end_byte, content.size());
    expect = c.end_byte;
    joined.append(content.substr(c.start_byte, c.end_byte - c.start_byte));
    EXPECT_EQ(c.start_line, line_of(c.start_byte)) << "chunk " << i;
    EXPECT_EQ(c.end_line, line_of(c.end_byte - 1)) << "chunk " << i;
    EXPECT_GE(c.start_line, 1u);
    EXPECT_LE(c.start_line, c.end_line);
    EXPECT_GT(c.tokens, 0u) << "chunk " << i;
    EXPECT_GE(c.symbol, -1);
    EXPECT_LT(c.symbol, static_cast<int32_t>(pf.symbols.size()));
    EXPECT_FALSE(c.kind.empty());
    EXPECT_TRUE(valid_utf8(c.name) && valid_utf8(c.qualified_name) && valid_utf8(c.signature) &&
                valid_utf8(c.doc) && valid_utf8(c.header))
        << "chunk " << i << " has invalid UTF-8 metadata";
    if (c.kind != "code" && c.kind != "text") {
      ASSERT_GE(c.symbol, 0) << "symbol chunk " << i << " without symbol";
      EXPECT_EQ(pf.symbols[c.symbol].kind, c.kind);
      EXPECT_EQ(pf.symbols[c.symbol].qualified_name, c.qualified_name);
    }
  }
  ASSERT_EQ(expect, content.size()) << "chunks do not reach the end of the file";
  ASSERT_TRUE(joined == content) << "concatenated chunks differ from the file";
  // Symbols.
  for (size_t i = 0; i < pf.symbols.size(); ++i) {
    const Symbol& s = pf.symbols[i];
    EXPECT_GE(s.parent, -1) << "symbol " << i;
    EXPECT_LT(s.parent, static_cast<int32_t>(i)) << "symbol " << i << " parent after it";
    EXPECT_FALSE(s.name.empty()) << "symbol " << i;
    EXPECT_FALSE(s.kind.empty()) << "symbol " << i;
    EXPECT_LE(s.start_byte, s.end_byte);
    EXPECT_LE(s.end_byte, content.size());
    // The index stores the signature as its byte range: it must rebuild the same text.
    ASSERT_LE(s.sig_start, s.sig_end) << "symbol " << i;
    ASSERT_LE(s.sig_end, content.size()) << "symbol " << i;
    EXPECT_EQ(collapse_whitespace(content.substr(s.sig_start, s.sig_end - s.sig_start),
                                  kSignatureCap),
              s.signature)
        << "symbol " << i << " " << s.qualified_name;
    EXPECT_GE(s.start_line, 1u);
    EXPECT_LE(s.start_line, s.end_line);
    EXPECT_LE(s.signature.size(), 300u);
    EXPECT_TRUE(valid_utf8(s.name) && valid_utf8(s.qualified_name) && valid_utf8(s.signature) &&
                valid_utf8(s.doc))
        << "symbol " << i << " has invalid UTF-8";
  }
  for (const Ref& r : pf.refs) {
    EXPECT_FALSE(r.name.empty());
    EXPECT_GE(r.line, 1u);
    EXPECT_LE(r.line, line_starts.size());
    EXPECT_TRUE(valid_utf8(r.name));
  }
}

}  // namespace pampax::testing_parse
