// Token counting for context budgets: tiktoken's byte-pair encodings (cl100k_base, o200k_base),
// reproduced exactly, and a cheap estimate for when exactness is not needed.
//
// Exact tokenizers give the ids tiktoken's encode_ordinary gives for the same text: special-token
// text such as "<|endoftext|>" is ordinary text. Input is bytes; invalid UTF-8 is tokenised as if
// each maximal invalid subsequence were U+FFFD (the WHATWG / Unicode "substitution of maximal
// subparts" rule, which is what a JavaScript or Python caller gets when decoding the bytes with
// replacement before calling tiktoken). So nothing is dropped or crashes, every byte counts, and
// decode(encode(s)) == s exactly when s is valid UTF-8.
//
// A loaded Tokenizer is immutable and safe to use from several threads at once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pampax {

enum class TokenizerKind { kCl100k, kO200k, kEstimate };

// "cl100k_base", "o200k_base", "estimate".
std::string_view tokenizer_name(TokenizerKind kind);
// Inverse of tokenizer_name; kInvalidArgument naming the accepted values otherwise.
Result<TokenizerKind> parse_tokenizer_kind(std::string_view name);

// Where rank files are looked up: $PAMPAX_DATA_DIR if set, else the first of
// <exe dir>/../share/pampax, <exe dir>/../third_party and the source tree's third_party/ that
// holds a tiktoken/ directory (files are <data dir>/tiktoken/<name>.bpe, written by
// scripts/gen-tiktoken at set-up).
std::filesystem::path tokenizer_data_dir();

// Cheap token estimate (no tables, one pass over the bytes), calibrated against cl100k_base on
// tests/assemble/data/tokenizer; see docs/benchmarks.md for its error.
size_t estimate_bpe_tokens(std::string_view text);

class Tokenizer {
 public:
  // Loads the rank file for `kind` from tokenizer_data_dir() (kEstimate needs no file).
  // kNotFound with "run scripts/bootstrap" if the data is missing, kCorrupt if it is damaged.
  static Result<std::unique_ptr<Tokenizer>> load(TokenizerKind kind);
  static Result<std::unique_ptr<Tokenizer>> load_from(TokenizerKind kind,
                                                      const std::filesystem::path& data_dir);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  TokenizerKind kind() const { return kind_; }
  // False for kEstimate: encode() and decode() then return empty results.
  bool exact() const { return kind_ != TokenizerKind::kEstimate; }

  std::vector<uint32_t> encode(std::string_view text) const;
  // encode(text).size() for exact kinds (without building the vector), estimate_bpe_tokens otherwise.
  size_t count(std::string_view text) const;
  // Concatenated bytes of the tokens; ids the encoding does not have are skipped.
  std::string decode(const std::vector<uint32_t>& ids) const;

  struct Impl;  // tokenizer.cpp

 private:
  Tokenizer(TokenizerKind kind, std::unique_ptr<Impl> impl);
  TokenizerKind kind_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pampax
