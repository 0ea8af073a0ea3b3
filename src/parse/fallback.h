// Internal to src/parse: the line-window chunker used for text, markup and data files, and for
// source files whose parse failed.
#pragma once
#include <cstdint>
#include <vector>

#include "parse/chunker.h"
#include "parse/text_index.h"

namespace pampax::parse_internal {

// Sets byte and line fields and the token estimate of `c` for [a, b) (header included).
void set_chunk_range(const TextIndex& idx, uint32_t a, uint32_t b, Chunk* c);

// Appends "text" chunks tiling the whole file: windows of about fallback_window_lines lines,
// cut preferably after blank lines (Markdown: before headings), never longer than twice the
// window, and never over max_chunk_tokens unless a single line is; a line longer than that is
// cut inside the line (after whitespace when possible, always on a UTF-8 boundary).
void fallback_chunks(const TextIndex& idx, Lang lang, const ChunkOptions& options,
                     std::vector<Chunk>* out);

// End of the first piece of [p, b) holding at most `max_tokens` tokens (b if all fits),
// preferring a position right after whitespace; always > p and on a UTF-8 boundary.
uint32_t next_cut_inside(const TextIndex& idx, uint32_t p, uint32_t b, uint32_t max_tokens);

// Cuts [a, b) into pieces of at most `max_tokens` tokens, preferring positions after
// whitespace; appends the cut positions (excluding a and b) to `cuts`.
void cut_inside_line(const TextIndex& idx, uint32_t a, uint32_t b, uint32_t max_tokens,
                     std::vector<uint32_t>* cuts);

}  // namespace pampax::parse_internal
