// Fuzz target: the chunker (parse/chunker.h) on arbitrary bytes in every language. Besides
// "no crash", the documented invariants of ParsedFile must hold: chunks sorted, contiguous and
// tiling the file exactly, lines 1-based and ordered, symbol indices in range.
// Input: byte 0 picks the language, byte 1 the chunk sizes, the rest is the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "parse/chunker.h"
#include "parse/language.h"

using namespace pampax;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Lang lang = static_cast<Lang>(data[0] % static_cast<uint8_t>(Lang::kCount));
  ChunkOptions opt;
  opt.max_chunk_tokens = 8u + (data[1] & 0x3f) * 10u;
  opt.group_tokens = 4u + (data[1] >> 6) * 40u;
  opt.fallback_window_lines = 1u + (data[1] & 0x0f);
  std::string_view content(reinterpret_cast<const char*>(data + 2), size - 2);
  ParsedFile pf = parse_file("fuzz/input", content, lang, opt);

  uint32_t expect = 0;
  uint32_t lines = 1 + static_cast<uint32_t>(std::count(content.begin(), content.end(), '\n'));
  for (const Chunk& c : pf.chunks) {
    FUZZ_CHECK(c.start_byte == expect, "gap or overlap at byte %u (chunk starts at %u), lang %d",
               expect, c.start_byte, int(lang));
    FUZZ_CHECK(c.end_byte > c.start_byte, "empty chunk at %u", c.start_byte);
    FUZZ_CHECK(c.end_byte <= content.size(), "chunk past the end");
    FUZZ_CHECK(c.start_line >= 1 && c.start_line <= c.end_line && c.end_line <= lines,
               "bad lines %u-%u of %u", c.start_line, c.end_line, lines);
    uint32_t first = 1 + static_cast<uint32_t>(
                             std::count(content.begin(), content.begin() + c.start_byte, '\n'));
    FUZZ_CHECK(c.start_line == first, "start_line %u, byte %u is on line %u", c.start_line,
               c.start_byte, first);
    FUZZ_CHECK(c.symbol < static_cast<int32_t>(pf.symbols.size()), "symbol index out of range");
    expect = c.end_byte;
  }
  FUZZ_CHECK(expect == content.size(), "chunks cover %u of %zu bytes", expect, content.size());
  for (const Symbol& s : pf.symbols) {
    FUZZ_CHECK(s.parent < static_cast<int32_t>(pf.symbols.size()), "parent out of range");
    FUZZ_CHECK(s.start_line >= 1 && s.start_line <= s.end_line, "bad symbol lines");
    FUZZ_CHECK(s.sig_start <= s.sig_end && s.sig_end <= content.size(), "bad signature range");
  }
  for (const Ref& r : pf.refs) FUZZ_CHECK(r.line >= 1 && r.line <= lines, "ref line %u", r.line);
  return 0;
}
