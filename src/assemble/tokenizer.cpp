// Exact tiktoken BPE. Two stages, as in tiktoken: a regex splits the text into pieces (PCRE2,
// JIT-compiled), then each piece is merged byte-pair by byte-pair, always merging the adjacent
// pair whose concatenation has the lowest rank (leftmost on ties), until no pair is a token.
#include "assemble/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>

#ifndef PAMPAX_DATA_DIR_DEFAULT
#define PAMPAX_DATA_DIR_DEFAULT ""
#endif

namespace pampax {
namespace {

constexpr uint32_t kNoRank = std::numeric_limits<uint32_t>::max();
// Pieces up to this many bytes merge in place on the stack (quadratic, but tiny); longer ones
// (whitespace runs, minified code, base64) use a heap so that they stay O(n log n).
constexpr size_t kSmallPiece = 64;

uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // the files are little-endian, like every machine pampax targets
}

// Copy of `s` where each maximal invalid UTF-8 subsequence is replaced by U+FFFD (WHATWG
// decoder rule: a bad lead byte is one subpart; a good lead byte plus the continuation bytes
// that were still acceptable is one subpart). Returns false (and leaves *out alone) if `s` is
// valid.
bool replace_invalid_utf8(std::string_view s, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  // Length of the well-formed sequence at i, or 0 with *consumed = bytes of the bad subpart.
  auto scan = [&](size_t i, size_t* consumed) -> size_t {
    const unsigned char b = p[i];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      *consumed = 1;
      return 0;
    }
    size_t j = i + 1;
    for (size_t k = 0; k < need; ++k, ++j) {
      if (j >= n || p[j] < lo || p[j] > hi) {
        *consumed = j - i;
        return 0;
      }
      lo = 0x80;
      hi = 0xBF;
    }
    return need + 1;
  };
  size_t i = 0;
  size_t consumed = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t len = scan(i, &consumed);
    if (len == 0) break;
    i += len;
  }
  if (i >= n) return false;
  out->clear();
  out->reserve(n + 16);
  out->append(s.data(), i);
  while (i < n) {
    if (p[i] < 0x80) {
      out->push_back(static_cast<char>(p[i++]));
      continue;
    }
    const size_t len = scan(i, &consumed);
    if (len) {
      out->append(s.data() + i, len);
      i += len;
    } else {
      out->append("\xEF\xBF\xBD");
      i += consumed;
    }
  }
  return true;
}

// tiktoken's regexes use Rust's \s, which is the Unicode White_Space property. PCRE2's \s under
// UCP differs: it lacks U+0085 (NEXT LINE) and has U+180E (MONGOLIAN VOWEL SEPARATOR). Spell
// White_Space out wherever \s or \S appears, inside or outside a class.
std::string spell_out_white_space(std::string_view pat) {
  static constexpr std::string_view kWhiteSpace =
      "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}"
      "\\x{205F}\\x{3000}";
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pat.size(); ++i) {
    const char c = pat[i];
    if (c == '\\' && i + 1 < pat.size()) {
      const char e = pat[++i];
      if (e == 's') {
        if (!in_class) out += '[';
        out += kWhiteSpace;
        if (!in_class) out += ']';
      } else if (e == 'S' && !in_class) {
        out += "[^";
        out += kWhiteSpace;
        out += ']';
      } else {
        out += c;
        out += e;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
    } else if (c == ']' && in_class) {
      in_class = false;
    }
    out += c;
  }
  return out;
}

// Per-thread PCRE2 match state: the compiled pattern is shared, match data must not be.
struct MatchState {
  pcre2_match_data* md = nullptr;
  pcre2_match_context* ctx = nullptr;
  pcre2_jit_stack* stack = nullptr;
  MatchState() {
    md = pcre2_match_data_create(1, nullptr);
    ctx = pcre2_match_context_create(nullptr);
    // Backtracking over a long \s+ run needs more than the default 32 KiB JIT stack.
    stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    if (ctx && stack) pcre2_jit_stack_assign(ctx, nullptr, stack);
  }
  ~MatchState() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(ctx);
    pcre2_match_data_free(md);
  }
  MatchState(const MatchState&) = delete;
  MatchState& operator=(const MatchState&) = delete;
};

MatchState& match_state() {
  thread_local MatchState state;
  return state;
}

}  // namespace

struct Tokenizer::Impl {
  std::string file;                // the whole .bpe file; token bytes point into it
  const char* token_bytes = nullptr;
  std::vector<uint32_t> offset;    // by token index, size count + 1
  std::vector<uint32_t> rank;      // by token index
  std::vector<uint32_t> index_of;  // by rank: token index, or kNoRank
  uint32_t byte_rank[256] = {};
  size_t max_token_len = 0;
  // Open addressing, linear probing: slot = (hash >> 32) << 32 | (token index + 1); 0 = empty.
  std::vector<uint64_t> slots;
  uint64_t mask = 0;
  pcre2_code* re = nullptr;

  ~Impl() { pcre2_code_free(re); }

  uint32_t lookup(const unsigned char* p, size_t n) const {
    if (n > max_token_len) return kNoRank;
    const uint64_t h = XXH3_64bits(p, n);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (uint64_t i = h & mask;; i = (i + 1) & mask) {
      const uint64_t s = slots[i];
      if (s == 0) return kNoRank;
      if (static_cast<uint32_t>(s >> 32) != tag) continue;
      const uint32_t t = static_cast<uint32_t>(s) - 1;
      const uint32_t off = offset[t];
      if (offset[t + 1] - off == n && std::memcmp(token_bytes + off, p, n) == 0) return rank[t];
    }
  }

  Status parse(const std::filesystem::path& path);
  template <class Emit>
  void encode_text(std::string_view text, Emit&& emit) const;
  template <class Emit>
  void encode_piece(const unsigned char* p, size_t n, Emit&& emit) const;
  template <class Emit>
  void merge_small(const unsigned char* p, size_t n, Emit&& emit) const;
  template <class Emit>
  void merge_large(const unsigned char* p, size_t n, Emit&& emit) const;
};

Status Tokenizer::Impl::parse(const std::filesystem::path& path) {
  const std::string where = path.string();
  FILE* f = std::fopen(where.c_str(), "rb");
  if (!f) {
    return NotFound("tokenizer data " + where +
                    " is missing: run scripts/bootstrap (or set PAMPAX_DATA_DIR to the directory "
                    "holding tiktoken/)");
  }
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  file.resize(size > 0 ? static_cast<size_t>(size) : 0);
  const size_t got = std::fread(file.data(), 1, file.size(), f);
  std::fclose(f);
  const Status corrupt = Corrupt("tokenizer data " + where +
                                 " is damaged or from another version: rerun scripts/bootstrap");
  if (got != file.size() || file.size() < 20 || file.compare(0, 8, "PXBPE001") != 0) return corrupt;
  const uint64_t count = load_u32(file.data() + 8);
  const uint64_t pat_len = load_u32(file.data() + 12);
  const uint64_t bytes_len = load_u32(file.data() + 16);
  if (count < 256 || 20 + pat_len + 8 * count + 4 + bytes_len != file.size()) return corrupt;
  const char* pat = file.data() + 20;
  const char* ranks = pat + pat_len;
  const char* offsets = ranks + 4 * count;
  token_bytes = offsets + 4 * (count + 1);

  rank.resize(count);
  offset.resize(count + 1);
  uint32_t max_rank = 0;
  for (size_t i = 0; i < count; ++i) {
    rank[i] = load_u32(ranks + 4 * i);
    offset[i] = load_u32(offsets + 4 * i);
    max_rank = std::max(max_rank, rank[i]);
  }
  offset[count] = load_u32(offsets + 4 * count);
  if (offset[0] != 0 || offset[count] != bytes_len || max_rank >= kNoRank) return corrupt;
  size_t cap = 1;
  while (cap < 2 * count) cap <<= 1;
  slots.assign(cap, 0);
  mask = cap - 1;
  index_of.assign(static_cast<size_t>(max_rank) + 1, kNoRank);
  std::vector<uint64_t> hashes(count);
  for (uint32_t t = 0; t < count; ++t) {
    if (offset[t + 1] <= offset[t] || index_of[rank[t]] != kNoRank) return corrupt;
    index_of[rank[t]] = t;
    const size_t len = offset[t + 1] - offset[t];
    max_token_len = std::max(max_token_len, len);
    hashes[t] = XXH3_64bits(token_bytes + offset[t], len);
  }
  // Inserting is a cache miss per token; prefetching a few slots ahead hides most of it (this
  // loop is most of the load time).
  constexpr uint32_t kAhead = 16;
  for (uint32_t t = 0; t < count; ++t) {
    if (t + kAhead < count) __builtin_prefetch(&slots[hashes[t + kAhead] & mask], 1);
    const uint64_t h = hashes[t];
    uint64_t i = h & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = (h >> 32 << 32) | (t + 1);
  }
  for (int b = 0; b < 256; ++b) {
    const unsigned char c = static_cast<unsigned char>(b);
    byte_rank[b] = lookup(&c, 1);
    if (byte_rank[b] == kNoRank) return corrupt;  // BPE needs every single byte to be a token
  }

  const std::string pattern = spell_out_white_space(std::string_view(pat, pat_len));
  int err = 0;
  PCRE2_SIZE err_off = 0;
  re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                     PCRE2_UTF | PCRE2_UCP, &err, &err_off, nullptr);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return Corrupt("tokenizer pattern in " + where + " does not compile at offset " +
                   std::to_string(err_off) + ": " + reinterpret_cast<const char*>(msg));
  }
  // Without JIT pcre2_match interprets the pattern: slower, same result.
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  return Status::Ok();
}

template <class Emit>
void Tokenizer::Impl::encode_text(std::string_view text, Emit&& emit) const {
  std::string replaced;
  if (replace_invalid_utf8(text, &replaced)) text = replaced;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  MatchState& st = match_state();
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.md);
  size_t pos = 0;
  while (pos < n) {
    // The text is valid UTF-8 (checked above), so PCRE2 need not re-check it at every call:
    // doing so makes tokenising quadratic.
    const int rc = pcre2_match(re, s, n, pos, PCRE2_NO_UTF_CHECK, st.md, st.ctx);
    size_t start = n, end = n;
    if (rc >= 0) {
      start = ov[0];
      end = ov[1];
    }
    // Text no alternative matches (impossible with the shipped patterns, which match any
    // character) is encoded rather than dropped, unlike tiktoken.
    if (start > pos) encode_piece(s + pos, start - pos, emit);
    if (end == start) {
      if (start >= n) break;
      end = start + 1;  // an empty match: step over one character
      while (end < n && (s[end] & 0xC0) == 0x80) ++end;
    }
    encode_piece(s + start, end - start, emit);
    pos = end;
  }
}

template <class Emit>
void Tokenizer::Impl::encode_piece(const unsigned char* p, size_t n, Emit&& emit) const {
  if (n == 1) {
    emit(byte_rank[p[0]]);
    return;
  }
  const uint32_t whole = lookup(p, n);
  if (whole != kNoRank) {
    emit(whole);
  } else if (n <= kSmallPiece) {
    merge_small(p, n, emit);
  } else {
    merge_large(p, n, emit);
  }
}

// Parts are [start[i], start[i+1]); pair[i] is the rank of parts i and i+1 joined.
template <class Emit>
void Tokenizer::Impl::merge_small(const unsigned char* p, size_t n, Emit&& emit) const {
  uint32_t start[kSmallPiece + 1];
  uint32_t tok[kSmallPiece];
  uint32_t pair[kSmallPiece];
  size_t parts = n;
  for (size_t i = 0; i <= n; ++i) start[i] = static_cast<uint32_t>(i);
  for (size_t i = 0; i < n; ++i) tok[i] = byte_rank[p[i]];
  for (size_t i = 0; i + 1 < n; ++i) pair[i] = lookup(p + i, 2);
  pair[n - 1] = kNoRank;
  for (;;) {
    uint32_t best = kNoRank;
    size_t at = 0;
    for (size_t i = 0; i + 1 < parts; ++i) {
      if (pair[i] < best) {
        best = pair[i];
        at = i;
      }
    }
    if (best == kNoRank) break;
    // Part at+1 disappears into part at.
    tok[at] = best;
    for (size_t i = at + 1; i + 1 < parts; ++i) {
      start[i] = start[i + 1];
      tok[i] = tok[i + 1];
      pair[i] = pair[i + 1];
    }
    start[parts - 1] = start[parts];
    --parts;
    auto joined = [&](size_t i) {
      return i + 1 < parts ? lookup(p + start[i], start[i + 2] - start[i]) : kNoRank;
    };
    pair[at] = joined(at);
    if (at > 0) pair[at - 1] = joined(at - 1);
  }
  for (size_t i = 0; i < parts; ++i) emit(tok[i]);
}

// Same merge order as merge_small, with a min-heap of (rank, start) instead of a linear scan.
// A heap entry is stale when its part is gone or has since grown: a part's pair rank only
// changes by its span growing, and a longer byte string is a different token, so comparing the
// rank is an exact staleness test.
template <class Emit>
void Tokenizer::Impl::merge_large(const unsigned char* p, size_t n, Emit&& emit) const {
  // Parts are named by their first byte; next[i] is the following part's first byte (n = end).
  std::vector<uint32_t> next(n), prev(n), tok(n), pair(n);
  std::vector<uint64_t> heap;
  heap.reserve(n);
  auto key = [](uint32_t r, size_t i) { return static_cast<uint64_t>(r) << 32 | i; };
  auto joined = [&](size_t i) -> uint32_t {
    const size_t j = next[i];
    if (j >= n) return kNoRank;
    return lookup(p + i, next[j] - i);
  };
  for (size_t i = 0; i < n; ++i) {
    next[i] = static_cast<uint32_t>(i + 1);
    prev[i] = static_cast<uint32_t>(i == 0 ? kNoRank : i - 1);
    tok[i] = byte_rank[p[i]];
  }
  for (size_t i = 0; i < n; ++i) {
    pair[i] = i + 1 < n ? lookup(p + i, 2) : kNoRank;
    if (pair[i] != kNoRank) heap.push_back(key(pair[i], i));
  }
  std::make_heap(heap.begin(), heap.end(), std::greater<>());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>());
    const uint64_t top = heap.back();
    heap.pop_back();
    const uint32_t r = static_cast<uint32_t>(top >> 32);
    const size_t i = static_cast<uint32_t>(top);
    if (pair[i] != r) continue;  // stale (dead parts have pair == kNoRank)
    const size_t j = next[i];
    tok[i] = r;
    next[i] = next[j];
    if (next[j] < n) prev[next[j]] = static_cast<uint32_t>(i);
    pair[j] = kNoRank;
    pair[i] = joined(i);
    if (pair[i] != kNoRank) {
      heap.push_back(key(pair[i], i));
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    }
    if (prev[i] != kNoRank) {
      const size_t h = prev[i];
      pair[h] = joined(h);
      if (pair[h] != kNoRank) {
        heap.push_back(key(pair[h], h));
        std::push_heap(heap.begin(), heap.end(), std::greater<>());
      }
    }
  }
  for (size_t i = 0; i < n; i = next[i]) emit(tok[i]);
}

// ---------------------------------------------------------------------------------------------

std::string_view tokenizer_name(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::kCl100k:
      return "cl100k_base";
    case TokenizerKind::kO200k:
      return "o200k_base";
    case TokenizerKind::kEstimate:
      return "estimate";
  }
  return "unknown";
}

Result<TokenizerKind> parse_tokenizer_kind(std::string_view name) {
  for (TokenizerKind k : {TokenizerKind::kCl100k, TokenizerKind::kO200k, TokenizerKind::kEstimate}) {
    if (name == tokenizer_name(k)) return k;
  }
  return InvalidArgument("unknown tokenizer '" + std::string(name) +
                         "': use cl100k_base, o200k_base or estimate");
}

std::filesystem::path tokenizer_data_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("PAMPAX_DATA_DIR"); env && *env) return fs::path(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / ".." / "share" / "pampax");
    candidates.push_back(exe.parent_path() / ".." / "third_party");
  }
  const fs::path fallback(PAMPAX_DATA_DIR_DEFAULT);
  for (const fs::path& c : candidates) {
    if (fs::is_directory(c / "tiktoken", ec)) return c.lexically_normal();
  }
  return fallback;
}

Tokenizer::Tokenizer(TokenizerKind kind, std::unique_ptr<Impl> impl)
    : kind_(kind), impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(TokenizerKind kind) {
  return load_from(kind, tokenizer_data_dir());
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::load_from(TokenizerKind kind,
                                                        const std::filesystem::path& data_dir) {
  if (kind == TokenizerKind::kEstimate) {
    return std::unique_ptr<Tokenizer>(new Tokenizer(kind, nullptr));
  }
  auto impl = std::make_unique<Impl>();
  const std::filesystem::path file =
      data_dir / "tiktoken" / (std::string(tokenizer_name(kind)) + ".bpe");
  PAMPAX_RETURN_IF_ERROR(impl->parse(file));
  return std::unique_ptr<Tokenizer>(new Tokenizer(kind, std::move(impl)));
}

std::vector<uint32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<uint32_t> ids;
  if (!impl_) return ids;
  ids.reserve(text.size() / 3 + 1);
  impl_->encode_text(text, [&](uint32_t id) { ids.push_back(id); });
  return ids;
}

size_t Tokenizer::count(std::string_view text) const {
  if (!impl_) return estimate_bpe_tokens(text);
  size_t n = 0;
  impl_->encode_text(text, [&](uint32_t) { ++n; });
  return n;
}

std::string Tokenizer::decode(const std::vector<uint32_t>& ids) const {
  std::string out;
  if (!impl_) return out;
  for (uint32_t id : ids) {
    if (id >= impl_->index_of.size() || impl_->index_of[id] == kNoRank) continue;
    const uint32_t t = impl_->index_of[id];
    out.append(impl_->token_bytes + impl_->offset[t], impl_->offset[t + 1] - impl_->offset[t]);
  }
  return out;
}

}  // namespace pampax
