#include "parse/text_index.h"

#include <array>
#include <cstring>

namespace pampax::parse_internal {
namespace {

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c >= 0x80;
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    t[c] = space ? 0 : (word ? 1 : 2);
  }
  return t;
}

constexpr std::array<uint8_t, 256> kClasses = make_classes();

}  // namespace

const uint8_t kByteClass[256] = {
#define R(i) kClasses[i], kClasses[i + 1], kClasses[i + 2], kClasses[i + 3]
#define R16(i) R(i), R(i + 4), R(i + 8), R(i + 12)
    R16(0),   R16(16),  R16(32),  R16(48),  R16(64),  R16(80),  R16(96),  R16(112),
    R16(128), R16(144), R16(160), R16(176), R16(192), R16(208), R16(224), R16(240),
#undef R16
#undef R
};

void TextIndex::build(std::string_view text) {
  text_ = text;
  const size_t n = text.size();
  line_starts_.clear();
  if (n > 0) line_starts_.push_back(0);
  for (const char* q = text.data(); n > 0;) {
    const void* nl = std::memchr(q, '\n', static_cast<size_t>(text.data() + n - q));
    if (!nl) break;
    q = static_cast<const char*>(nl) + 1;
    if (q < text.data() + n) line_starts_.push_back(static_cast<uint32_t>(q - text.data()));
  }
  prefix_.resize(n + 1);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  uint32_t* pre = prefix_.data();
  uint32_t t = 0, run = 0, prev = 0;
  // Token estimate: a word run costs one token per started 6 bytes, a punctuation run one per
  // started 2 bytes, whitespace is free. The count is attributed to the byte where each token
  // starts, so prefix differences add up exactly across cuts made at token boundaries.
  // Written without branches on the byte class (they mispredict on real text).
  for (size_t i = 0; i < n; ++i) {
    pre[i] = t;
    const uint32_t k = kByteClass[p[i]];
    run = (k == prev) ? run + 1 : 0;
    prev = k;
    const uint32_t lim = (k == 1) ? 6 : 2;
    run = (run == lim) ? 0 : run;
    t += static_cast<uint32_t>(k != 0) & static_cast<uint32_t>(run == 0);
  }
  pre[n] = t;
}

uint32_t TextIndex::advance_tokens(uint32_t a, uint32_t b, uint32_t budget) const {
  if (b <= a) return a;
  const uint64_t target = static_cast<uint64_t>(prefix_[a]) + budget;
  auto first = prefix_.begin() + a;
  auto last = prefix_.begin() + b + 1;
  auto it = std::upper_bound(first, last, target,
                             [](uint64_t v, uint32_t e) { return v < static_cast<uint64_t>(e); });
  return static_cast<uint32_t>((it - prefix_.begin()) - 1);
}

std::string dedent(std::string_view s, size_t indent, size_t cap) {
  if (s.size() > cap) s = s.substr(0, utf8_floor(s, static_cast<uint32_t>(cap)));
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out;
  out.reserve(s.size());
  size_t line_begin = 0;
  bool first = true;
  for (;;) {
    size_t nl = s.find('\n', line_begin);
    std::string_view line = s.substr(
        line_begin, nl == std::string_view::npos ? std::string_view::npos : nl - line_begin);
    if (!first) {
      size_t strip = 0;
      while (strip < indent && strip < line.size() && (line[strip] == ' ' || line[strip] == '\t')) {
        ++strip;
      }
      line.remove_prefix(strip);
    }
    out.append(line);
    if (nl == std::string_view::npos) break;
    out.push_back('\n');
    line_begin = nl + 1;
    first = false;
  }
  make_valid_utf8(&out);
  return out;
}


}  // namespace pampax::parse_internal
