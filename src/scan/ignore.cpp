#include "scan/ignore.h"

#include <cstring>

namespace pampax {
namespace {

using uchar = unsigned char;

// Characters that stop git's "wildcard-free prefix" (git calls them glob specials).
inline bool IsGlobSpecial(uchar c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// Length of the leading run of `s` without glob specials.
size_t LiteralPrefixLength(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && !IsGlobSpecial(static_cast<uchar>(s[i]))) ++i;
  return i;
}

// ASCII-only character classes, as git's wildmatch uses them (locale independent).
bool InNamedClass(std::string_view name, uchar c, bool* known) {
  *known = true;
  const bool upper = c >= 'A' && c <= 'Z';
  const bool lower = c >= 'a' && c <= 'z';
  const bool digit = c >= '0' && c <= '9';
  const bool graph = c >= 0x21 && c <= 0x7e;
  if (name == "alnum") return upper || lower || digit;
  if (name == "alpha") return upper || lower;
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return c < 0x20 || c == 0x7f;
  if (name == "digit") return digit;
  if (name == "graph") return graph;
  if (name == "lower") return lower;
  if (name == "print") return graph || c == ' ';
  if (name == "punct") return graph && !upper && !lower && !digit;
  if (name == "space") return c == ' ' || (c >= '\t' && c <= '\r');
  if (name == "upper") return upper;
  if (name == "xdigit") return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  *known = false;
  return false;
}

// Outcomes of one matching attempt. The two aborts prune the backtracking exactly where git
// prunes it, so results (and worst-case cost) follow git.
enum class Wm { kMatch, kNoMatch, kAbortAll, kAbortToStarStar };

class Matcher {
 public:
  Matcher(std::string_view pattern, std::string_view text, bool pathname)
      : pb_(reinterpret_cast<const uchar*>(pattern.data())),
        pe_(pb_ + pattern.size()),
        te_(reinterpret_cast<const uchar*>(text.data()) + text.size()),
        pathname_(pathname) {}

  Wm Run(const uchar* t) { return Match(pb_, t); }

 private:
  // Byte at `p` or 0 past the end (patterns and names never contain NUL).
  uchar P(const uchar* p) const { return p < pe_ ? *p : 0; }
  const uchar* FindSlash(const uchar* t) const {
    const void* s = t < te_ ? std::memchr(t, '/', te_ - t) : nullptr;
    return static_cast<const uchar*>(s);
  }

  Wm Match(const uchar* p, const uchar* t);
  // Handles "[...]" with `p` on '['. Leaves `p` on the closing ']'.
  Wm MatchClass(const uchar*& p, uchar tc);

  const uchar* pb_;
  const uchar* pe_;
  const uchar* te_;
  bool pathname_;
};

Wm Matcher::MatchClass(const uchar*& p, uchar tc) {
  uchar pc = P(++p);
  if (pc == '^') pc = '!';
  const bool negated = pc == '!';
  if (negated) pc = P(++p);
  uchar prev = 0;
  bool matched = false;
  do {
    if (pc == 0) return Wm::kAbortAll;  // no closing ']'
    if (pc == '\\') {
      pc = P(++p);
      if (pc == 0) return Wm::kAbortAll;
      if (tc == pc) matched = true;
    } else if (pc == '-' && prev != 0 && P(p + 1) != 0 && P(p + 1) != ']') {
      pc = P(++p);
      if (pc == '\\') {
        pc = P(++p);
        if (pc == 0) return Wm::kAbortAll;
      }
      if (tc >= prev && tc <= pc) matched = true;
      pc = 0;  // a range cannot start a new range
    } else if (pc == '[' && P(p + 1) == ':') {
      const uchar* name = p + 2;
      const uchar* q = name;
      while (P(q) != 0 && P(q) != ']') ++q;
      if (P(q) == 0) return Wm::kAbortAll;
      if (q == name || q[-1] != ':') {
        // Not "[:name:]": the '[' is an ordinary member; rescan from the ':'.
        if (tc == '[') matched = true;
        // p stays on '['; the loop condition advances to ':'.
        pc = '[';
        continue;
      }
      bool known = false;
      std::string_view cls(reinterpret_cast<const char*>(name), q - name - 1);
      if (InNamedClass(cls, tc, &known)) matched = true;
      if (!known) return Wm::kAbortAll;  // malformed [:class:]
      p = q;
      pc = 0;
    } else if (tc == pc) {
      matched = true;
    }
  } while (prev = pc, (pc = P(++p)) != ']');
  if (matched == negated || (pathname_ && tc == '/')) return Wm::kNoMatch;
  return Wm::kMatch;
}

Wm Matcher::Match(const uchar* p, const uchar* t) {
  for (; p < pe_; ++p, ++t) {
    uchar pc = *p;
    if (t >= te_ && pc != '*') return Wm::kAbortAll;
    uchar tc = t < te_ ? *t : 0;
    switch (pc) {
      case '\\':
        pc = P(++p);  // a trailing backslash matches nothing (tc is never 0 here)
        if (tc != pc) return Wm::kNoMatch;
        continue;
      default:
        if (tc != pc) return Wm::kNoMatch;
        continue;
      case '?':
        if (pathname_ && tc == '/') return Wm::kNoMatch;
        continue;
      case '[': {
        Wm r = MatchClass(p, tc);
        if (r != Wm::kMatch) return r;
        continue;
      }
      case '*':
        break;
    }

    // '*' or a run of them.
    bool match_slash;
    if (P(++p) == '*') {
      const uchar* first_star = p - 1;
      const bool at_component_start = first_star == pb_ || first_star[-1] == '/';
      while (P(++p) == '*') {
      }
      if (!pathname_) {
        match_slash = true;
      } else if (at_component_start &&
                 (p == pe_ || *p == '/' || (*p == '\\' && P(p + 1) == '/'))) {
        // A whole-component "**". "x/**/y" must also match "x/y": try zero directories.
        if (P(p) == '/' && Match(p + 1, t) == Wm::kMatch) return Wm::kMatch;
        match_slash = true;
      } else {
        match_slash = false;  // "a**b": just a '*'
      }
    } else {
      match_slash = !pathname_;
    }

    if (p == pe_) {
      // Trailing "**" takes everything; a trailing '*' stops at '/'.
      if (!match_slash && FindSlash(t) != nullptr) return Wm::kNoMatch;
      return Wm::kMatch;
    }
    if (!match_slash && *p == '/') {
      // "*/": the star eats the rest of this component.
      const uchar* slash = FindSlash(t);
      if (slash == nullptr) return Wm::kNoMatch;
      t = slash;  // the loop increment consumes the '/' on both sides
      continue;
    }
    while (t < te_) {
      tc = *t;
      if (!IsGlobSpecial(*p)) {
        // Skip ahead to the next occurrence of the literal that follows the star.
        const uchar want = *p;
        while (t < te_ && (match_slash || *t != '/') && *t != want) ++t;
        if (t >= te_ || *t != want) return Wm::kNoMatch;
        tc = *t;
      }
      Wm r = Match(p, t);
      if (r != Wm::kNoMatch) {
        if (!match_slash || r != Wm::kAbortToStarStar) return r;
      } else if (!match_slash && tc == '/') {
        return Wm::kAbortToStarStar;
      }
      ++t;
    }
    return Wm::kAbortAll;
  }
  return t == te_ ? Wm::kMatch : Wm::kNoMatch;
}

bool EqualBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool Wildmatch(std::string_view pattern, std::string_view text, bool pathname) {
  Matcher m(pattern, text, pathname);
  return m.Run(reinterpret_cast<const uchar*>(text.data())) == Wm::kMatch;
}

// ---------------------------------------------------------------------------------------------
// IgnoreList

void IgnoreList::AddFile(std::string_view content) {
  if (content.size() >= 3 && std::memcmp(content.data(), "\xEF\xBB\xBF", 3) == 0) {
    content.remove_prefix(3);
  }
  uint32_t line_number = 1;
  while (!content.empty()) {
    size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    // Git strips one '\r' before every line end, including the implied one at the end.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    AddLine(line, line_number++);
    if (nl == std::string_view::npos) break;
    content.remove_prefix(nl + 1);
  }
}

void IgnoreList::AddLine(std::string_view line, uint32_t line_number) {
  // Git handles lines as C strings: an embedded NUL ends the line.
  if (size_t nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
  if (line.empty() || line[0] == '#') return;

  // Trailing spaces go unless escaped. A trailing lone backslash disables trimming.
  size_t last_space = std::string_view::npos;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ') {
      if (last_space == std::string_view::npos) last_space = i;
    } else if (c == '\\' && ++i >= line.size()) {
      last_space = std::string_view::npos;
      break;
    } else {
      last_space = std::string_view::npos;
    }
  }
  if (last_space != std::string_view::npos) line = line.substr(0, last_space);

  IgnorePattern pat;
  pat.line = line_number;
  if (!line.empty() && line[0] == '!') {
    pat.flags |= IgnorePattern::kNegative;
    line.remove_prefix(1);
  }
  std::string_view body = line;
  if (!body.empty() && body.back() == '/') {
    body.remove_suffix(1);
    pat.flags |= IgnorePattern::kMustBeDir;
  }
  // An empty pattern ("", "!", "/", a line of spaces) can never match a name: drop it.
  if (body.empty()) return;
  if (body.find('/') == std::string_view::npos) pat.flags |= IgnorePattern::kNoDir;
  pat.literal_len = static_cast<uint32_t>(LiteralPrefixLength(body));
  if (body[0] == '*' && LiteralPrefixLength(body.substr(1)) == body.size() - 1) {
    pat.flags |= IgnorePattern::kEndsWith;
  }
  pat.text.assign(body);
  patterns_.push_back(std::move(pat));
}

IgnoreList::Match IgnoreList::Check(std::string_view path, bool is_dir) const {
  if (patterns_.empty()) return Match::kNone;
  if (path.size() <= base_.size() || path.compare(0, base_.size(), base_) != 0) {
    return Match::kNone;
  }
  const size_t slash = path.rfind('/');
  const std::string_view basename =
      slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::string_view rel = path.substr(base_.size());  // path below the base

  for (size_t i = patterns_.size(); i-- > 0;) {
    const IgnorePattern& pat = patterns_[i];
    if ((pat.flags & IgnorePattern::kMustBeDir) && !is_dir) continue;
    const std::string_view text = pat.text;
    bool hit;
    if (pat.flags & IgnorePattern::kNoDir) {
      // Matched against the basename only, at any depth.
      if (pat.literal_len == text.size()) {
        hit = EqualBytes(text, basename);
      } else if (pat.flags & IgnorePattern::kEndsWith) {
        hit = basename.size() >= text.size() - 1 &&
              EqualBytes(text.substr(1), basename.substr(basename.size() - (text.size() - 1)));
      } else {
        hit = Wildmatch(text, basename, /*pathname=*/false);
      }
    } else {
      // Matched against the whole path below the base; a leading '/' only anchors.
      std::string_view pt = text;
      size_t prefix = pat.literal_len;
      if (pt[0] == '/') {
        pt.remove_prefix(1);
        --prefix;
      }
      std::string_view name = rel;
      hit = true;
      if (prefix > 0) {
        // Git compares the literal prefix first and wildmatches only the rest; that also
        // makes a "**" right after the prefix count as starting a component.
        if (prefix > name.size() || std::memcmp(pt.data(), name.data(), prefix) != 0) {
          hit = false;
        } else {
          pt.remove_prefix(prefix);
          name.remove_prefix(prefix);
        }
      }
      if (hit && !(pt.empty() && name.empty())) hit = Wildmatch(pt, name, /*pathname=*/true);
    }
    if (hit) return (pat.flags & IgnorePattern::kNegative) ? Match::kIncluded : Match::kExcluded;
  }
  return Match::kNone;
}

// ---------------------------------------------------------------------------------------------
// IgnoreStack

IgnoreList::Match IgnoreStack::Check(std::string_view path, bool is_dir) const {
  for (size_t i = lists_.size(); i-- > 0;) {
    IgnoreList::Match m = lists_[i]->Check(path, is_dir);
    if (m != IgnoreList::Match::kNone) return m;
  }
  return IgnoreList::Match::kNone;
}

// ---------------------------------------------------------------------------------------------
// IgnoreTree

void IgnoreTree::AddGlobal(std::string_view content) { global_.AddFile(content); }

void IgnoreTree::AddFile(const std::string& base, std::string_view content) {
  auto it = by_base_.find(base);
  if (it == by_base_.end()) it = by_base_.emplace(base, IgnoreList(base)).first;
  it->second.AddFile(content);
}

bool IgnoreTree::IsIgnored(std::string_view path, bool is_dir) const {
  IgnoreStack stack;
  stack.Push(&global_);
  auto push_base = [&](std::string_view base) {
    auto it = by_base_.find(base);
    if (it != by_base_.end()) stack.Push(&it->second);
  };
  push_base("");
  // Every ancestor directory is checked with the lists above it, as a walk would.
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (stack.IsExcluded(path.substr(0, slash), /*is_dir=*/true)) return true;
    push_base(path.substr(0, slash + 1));
  }
  return stack.IsExcluded(path, is_dir);
}

}  // namespace pampax
