// Parsing and chunking: turns one file into symbol-level chunks, symbol definitions and
// identifier references. Knows tree-sitter; knows nothing of storage or search.
//
// Invariants of ParsedFile::chunks (tests check them on every fixture file):
//   - sorted by start_byte, non-overlapping, and together they tile [0, content.size())
//     exactly: every byte of the file belongs to exactly one chunk, so text is stored once;
//   - chunk boundaries fall on line starts except where a symbol starts mid-line, or where a
//     single line holds more than max_chunk_tokens (it is cut inside, on a UTF-8 boundary);
//   - 1 <= start_line <= end_line; lines are 1-based and inclusive.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/language.h"

namespace pampax {

struct ChunkOptions {
  // A symbol whose estimated tokens exceed this is split: nested symbols become their own
  // chunks, and leaf bodies are cut at statement boundaries.
  uint32_t max_chunk_tokens = 600;
  // Runs of top-level code between symbols (imports, globals) are grouped into chunks of up to
  // this many tokens instead of one chunk per statement.
  uint32_t group_tokens = 300;
  // Fallback chunker: target window in lines; it prefers to cut at blank lines.
  uint32_t fallback_window_lines = 60;
};

// A definition found in the file.
struct Symbol {
  std::string name;            // "method"
  std::string qualified_name;  // "Outer.Inner.method" (always '.'-joined, whatever the language)
  std::string kind;            // function, method, class, struct, interface, trait, enum, module,
                               // namespace, impl, type, constant, variable, macro
  std::string signature;       // first line(s) of the definition up to the body, trimmed
  std::string doc;             // doc comment / docstring text (comment markers kept), may be ""
  uint32_t start_line = 0, end_line = 0;
  uint32_t start_byte = 0, end_byte = 0;
  // The signature's source bytes: signature == collapse_whitespace(content[sig_start, sig_end),
  // kSignatureCap), so the index stores two numbers instead of the text. Both 0 when empty.
  uint32_t sig_start = 0, sig_end = 0;
  int32_t parent = -1;         // index into ParsedFile::symbols, -1 at top level
};

// An identifier used (called, referenced) in the file; for callers/usages lookups.
struct Ref {
  std::string name;  // the bare identifier, e.g. "parse_file"
  uint32_t line = 0;
};

struct Chunk {
  std::string kind;            // a Symbol kind, or "code" (grouped top-level code, or the part
                               // of a split symbol between its children), or "text" (fallback)
  std::string name;            // symbol name, "" for code/text chunks
  std::string qualified_name;  // "" for code/text chunks outside any symbol
  std::string signature;       // of the symbol this chunk is (part of), may be ""
  std::string doc;             // doc comment of that symbol, may be ""
  // For pieces of a split symbol (statement pieces, and the code between its nested chunks):
  // the enclosing signature(s) not already in the piece's text, one per line, outermost
  // first, to be shown before the piece's text. "" when the chunk is whole.
  std::string header;
  uint32_t start_line = 0, end_line = 0;
  uint32_t start_byte = 0, end_byte = 0;
  uint32_t tokens = 0;         // estimated tokens of header + text
  int32_t symbol = -1;         // index into ParsedFile::symbols of the symbol it belongs to
};

struct ParsedFile {
  Lang lang = Lang::kUnknown;
  bool used_fallback = false;          // no grammar, or the grammar failed
  std::vector<Chunk> chunks;
  std::vector<Symbol> symbols;
  std::vector<Ref> refs;
  std::vector<std::string> warnings;   // human-readable, e.g. "syntax errors: fell back"
};

// Never fails: any problem (no grammar, parse timeout, too many syntax errors) degrades to
// the fallback chunker with a warning. `content` may contain invalid UTF-8.
ParsedFile parse_file(std::string_view path, std::string_view content, Lang lang,
                      const ChunkOptions& options = {});

// Cheap token estimate used for chunk sizing until the exact tokenizer lands: one token per
// started 6 bytes of a word run ([A-Za-z0-9_] and non-ASCII bytes), one per started 2 bytes of
// a punctuation run, whitespace free, and at least 1 for non-empty text. Close to BPE
// tokenizers on code (3.5-4.5 bytes per token); it under-counts CJK text about 2x.
uint32_t estimate_tokens(std::string_view text);

}  // namespace pampax
