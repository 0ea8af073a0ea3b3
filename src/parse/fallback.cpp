#include "parse/fallback.h"

#include <algorithm>
#include <string>

namespace pampax::parse_internal {
namespace {

bool blank_line(std::string_view line) {
  for (unsigned char c : line) {
    if (!is_space(c)) return false;
  }
  return true;
}

// "## Title" -> "Title"; "" when the line is not an ATX heading.
std::string_view heading_text(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  size_t hashes = 0;
  while (i < line.size() && line[i] == '#') {
    ++i;
    ++hashes;
  }
  if (hashes == 0 || hashes > 6) return {};
  if (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n') {
    return {};
  }
  while (i < line.size() && is_space(static_cast<unsigned char>(line[i]))) ++i;
  size_t e = line.size();
  while (e > i && (is_space(static_cast<unsigned char>(line[e - 1])) || line[e - 1] == '#')) --e;
  return line.substr(i, e - i);
}

bool fence_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  line.remove_prefix(i);
  return line.substr(0, 3) == "```" || line.substr(0, 3) == "~~~";
}

}  // namespace

void set_chunk_range(const TextIndex& idx, uint32_t a, uint32_t b, Chunk* c) {
  c->start_byte = a;
  c->end_byte = b;
  c->start_line = idx.line_of(a) + 1;
  c->end_line = (b > a ? idx.line_of(b - 1) : idx.line_of(a)) + 1;
  // Same estimator as estimate_tokens(text), read from the prefix sums (a cut inside a word
  // run may count one token less than a fresh count).
  c->tokens = std::max<uint32_t>(idx.tokens(a, b), b > a ? 1 : 0) +
              (c->header.empty() ? 0 : estimate_tokens(c->header));
}

uint32_t next_cut_inside(const TextIndex& idx, uint32_t p, uint32_t b, uint32_t max_tokens) {
  std::string_view text = idx.text();
  uint32_t q = idx.advance_tokens(p, b, std::max<uint32_t>(max_tokens, 1));
  if (q >= b) return b;
  // Prefer to cut right after whitespace or a separator, within the last 256 bytes.
  const uint32_t floor = q > p + 256 ? q - 256 : p + 1;
  uint32_t best = q;
  for (uint32_t k = q; k > floor; --k) {
    unsigned char c = static_cast<unsigned char>(text[k - 1]);
    if (is_space(c) || c == ';' || c == ',' || c == '}') {
      best = k;
      break;
    }
  }
  q = utf8_floor(text, best);
  if (q <= p) {
    q = p + 1;
    while (q < b && (static_cast<unsigned char>(text[q]) & 0xC0) == 0x80 && q < p + 4) ++q;
  }
  return std::min(q, b);
}

void cut_inside_line(const TextIndex& idx, uint32_t a, uint32_t b, uint32_t max_tokens,
                     std::vector<uint32_t>* cuts) {
  for (uint32_t p = a;;) {
    uint32_t q = next_cut_inside(idx, p, b, max_tokens);
    if (q >= b) break;
    cuts->push_back(q);
    p = q;
  }
}

void fallback_chunks(const TextIndex& idx, Lang lang, const ChunkOptions& options,
                     std::vector<Chunk>* out) {
  const uint32_t n = idx.size();
  if (n == 0) return;
  const std::string_view text = idx.text();
  const uint32_t window = std::max<uint32_t>(options.fallback_window_lines, 1);
  const uint32_t max_tokens = std::max<uint32_t>(options.max_chunk_tokens, 16);
  const uint32_t m = idx.line_count();
  const bool markdown = lang == Lang::kMarkdown;

  auto line_text = [&](uint32_t i) {
    uint32_t a = idx.line_start(i), b = idx.line_start(i + 1);
    return text.substr(a, b - a);
  };
  std::vector<uint8_t> blank(m), heading(m);
  bool in_fence = false;
  for (uint32_t i = 0; i < m; ++i) {
    std::string_view line = line_text(i);
    blank[i] = blank_line(line);
    if (markdown) {
      if (fence_line(line)) {
        in_fence = !in_fence;
      } else if (!in_fence && !heading_text(line).empty()) {
        heading[i] = 1;
      }
    }
  }

  auto emit = [&](uint32_t a, uint32_t b) {
    Chunk c;
    c.kind = "text";
    if (markdown) {
      uint32_t l = idx.line_of(a);
      while (l < m && idx.line_start(l) < b && blank[l]) ++l;
      if (l < m && idx.line_start(l) < b && heading[l] && idx.line_start(l) >= a) {
        std::string name(heading_text(line_text(l)).substr(0, 200));
        make_valid_utf8(&name);
        c.name = std::move(name);
      }
    }
    set_chunk_range(idx, a, b, &c);
    out->push_back(std::move(c));
  };

  uint32_t s = 0;
  while (s < m) {
    const uint32_t a = idx.line_start(s);
    // A single line over the budget: cut inside it.
    if (idx.tokens(a, idx.line_start(s + 1)) > max_tokens) {
      const uint32_t b = idx.line_start(s + 1);
      std::vector<uint32_t> cuts;
      cut_inside_line(idx, a, b, max_tokens, &cuts);
      uint32_t p = a;
      for (uint32_t q : cuts) {
        emit(p, q);
        p = q;
      }
      emit(p, b);
      ++s;
      continue;
    }
    // Furthest allowed end line: within 2 windows and within the token budget.
    uint32_t lo_e = s + 1, hi_e = std::min(m, s + 2 * window);
    while (lo_e < hi_e) {
      uint32_t mid = lo_e + (hi_e - lo_e + 1) / 2;
      if (idx.tokens(a, idx.line_start(mid)) <= max_tokens) {
        lo_e = mid;
      } else {
        hi_e = mid - 1;
      }
    }
    const uint32_t hard = lo_e;
    uint32_t cut = hard;
    const bool rest_fits = hard == m && (m - s) <= window + window / 2;
    if (!rest_fits) {
      const uint32_t target = std::min(s + window, hard);
      const uint32_t lo = s + std::max<uint32_t>(1, (target - s) / 2);
      auto closest = [&](auto&& ok, uint32_t from) -> uint32_t {
        uint32_t best = 0, best_d = UINT32_MAX;
        for (uint32_t c = std::max(from, s + 1); c <= hard && c < m; ++c) {
          if (!ok(c)) continue;
          uint32_t d = c > target ? c - target : target - c;
          if (d < best_d) {
            best_d = d;
            best = c;
          }
        }
        return best;
      };
      uint32_t c = 0;
      if (markdown) {
        c = closest([&](uint32_t l) { return heading[l] != 0; },
                    s + std::max<uint32_t>(1, (target - s) / 4));
      }
      if (c == 0) c = closest([&](uint32_t l) { return blank[l - 1] && !blank[l]; }, lo);
      if (c == 0) c = target;
      cut = std::max(c, s + 1);
    }
    emit(a, idx.line_start(cut));
    s = cut;
  }
}

}  // namespace pampax::parse_internal
