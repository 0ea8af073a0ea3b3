#include "util/text.h"

namespace pampax {
namespace {

inline bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string collapse_whitespace(std::string_view s, size_t cap) {
  std::string out;
  out.reserve(std::min(s.size(), cap + 4));
  bool pending_space = false;
  for (unsigned char c : s) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(static_cast<char>(c));
    if (out.size() >= cap) break;
  }
  if (out.size() > cap) out.resize(cap);
  if (out.size() == cap && cap < s.size()) {
    out.resize(utf8_floor(out, static_cast<uint32_t>(out.size())));
  }
  make_valid_utf8(&out);
  return out;
}

void make_valid_utf8(std::string* s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s->data());
  const size_t n = s->size();
  // Returns the length of a valid sequence at i, or 0.
  auto seq_len = [&](size_t i) -> size_t {
    unsigned char c = p[i];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + len > n) return 0;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return 0;
    }
    return len;
  };
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t l = seq_len(i);
    if (l == 0) break;
    i += l;
  }
  if (i >= n) return;  // valid: the common case, no copy
  std::string out(s->data(), i);
  while (i < n) {
    size_t l = seq_len(i);
    if (l == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s->data() + i, l);
      i += l;
    }
  }
  s->swap(out);
}

}  // namespace pampax
