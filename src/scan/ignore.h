// gitignore pattern parsing and matching, with git's exact semantics (git 2.39 dir.c and
// wildmatch.c behaviour, reimplemented): no regex, no allocation while matching.
//
// Vocabulary:
//   * A "path" is relative to the scan root, '/'-separated, with no leading "./" and no
//     trailing '/'. Directories are told apart by an explicit `is_dir` flag.
//   * A "base" is the directory an ignore file lives in, relative to the root: "" for the
//     root, otherwise ending with '/' ("src/", "src/net/"). Patterns of a list only apply to
//     paths below their base.
//
// Typical use (what the walker does): keep an IgnoreStack; when entering a directory push the
// IgnoreList parsed from its .gitignore (+ .pampaxignore); test each entry with
// IgnoreStack::IsExcluded; never descend into an excluded directory (that is how git makes it
// impossible to re-include a file whose parent directory is excluded); pop when leaving.
//
// Thread safety: IgnoreList and IgnoreTree are immutable after building, so concurrent const
// calls are safe. IgnoreStack is single-threaded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pampax {

// Git's wildmatch. Matches the whole `text` against `pattern`:
//   '?'      one byte;  '*' any run of bytes;  "[...]" a class ("[a-z]", "[!x]", "[^x]",
//            "[[:alpha:]]", "\]" inside escapes); '\x' the literal byte x.
//   With `pathname` true (git's WM_PATHNAME): '?', '*' and classes never match '/'; "**"
//   matches across '/' only as a whole path component ("**/x", "x/**", "x/**/y" or a lone
//   "**"), otherwise it behaves like '*'. "x/**/y" also matches "x/y".
// A malformed class (no closing ']') makes the pattern match nothing, as in git.
bool Wildmatch(std::string_view pattern, std::string_view text, bool pathname);

// One parsed gitignore line. Exposed for tests and diagnostics.
struct IgnorePattern {
  enum Flags : uint8_t {
    kNegative = 1,   // started with '!': re-includes
    kMustBeDir = 2,  // ended with '/': matches directories only
    kNoDir = 4,      // no '/' left after removing a trailing one: matches the basename
    kEndsWith = 8,   // "*literal": a fast suffix test on the basename
  };
  std::string text;        // pattern without '!' and without the trailing '/'
  uint32_t literal_len = 0;  // length of the wildcard-free prefix of `text` (git's nowildcardlen)
  uint8_t flags = 0;
  uint32_t line = 0;       // 1-based line in its source, for diagnostics
};

// The patterns of one source (a .gitignore, a .pampaxignore, .git/info/exclude), all relative
// to one base directory. Later patterns take precedence over earlier ones.
class IgnoreList {
 public:
  enum class Match { kNone, kExcluded, kIncluded };

  // REQUIRES: base is "" or ends with '/'.
  explicit IgnoreList(std::string base = "") : base_(std::move(base)) {}

  // Appends the patterns in `content`, the text of an ignore file: a UTF-8 BOM is skipped,
  // lines end with "\n" or "\r\n", lines starting with '#' are comments, blank lines are
  // skipped, unescaped trailing spaces are removed ("a\ " keeps one space), "\#" and "\!"
  // start a pattern with a literal '#' or '!'.
  void AddFile(std::string_view content);
  // Appends one line (no line terminator), with the same rules as AddFile.
  void AddLine(std::string_view line, uint32_t line_number = 0);

  const std::string& base() const { return base_; }
  bool empty() const { return patterns_.empty(); }
  const std::vector<IgnorePattern>& patterns() const { return patterns_; }

  // The verdict of the last pattern matching `path`, or kNone. Only `path` itself is looked
  // at: whether a parent directory is excluded is the caller's business.
  // REQUIRES: `path` is below base() (else kNone); `is_dir` says whether it is a directory
  // (symlinks are not directories for this purpose, as in git).
  Match Check(std::string_view path, bool is_dir) const;

 private:
  std::string base_;
  std::vector<IgnorePattern> patterns_;
};

// The lists that apply at one point of a walk, in priority order. Git's order is: the deepest
// directory's list first, up to the root's, then .git/info/exclude. To get that, push
// info/exclude first, then the root's list, then each subdirectory's list as the walk enters
// it. Lists are not owned and must outlive their time on the stack.
class IgnoreStack {
 public:
  void Push(const IgnoreList* list) { lists_.push_back(list); }
  void Pop() { lists_.pop_back(); }
  size_t size() const { return lists_.size(); }

  // The verdict of the most recently pushed list that has an opinion on `path`.
  IgnoreList::Match Check(std::string_view path, bool is_dir) const;
  // True when `path` is excluded by its own patterns. The caller is responsible for parent
  // directories (a walk simply does not descend into excluded ones).
  bool IsExcluded(std::string_view path, bool is_dir) const {
    return Check(path, is_dir) == IgnoreList::Match::kExcluded;
  }

 private:
  std::vector<const IgnoreList*> lists_;
};

// All ignore lists of a tree held in memory, for answering about arbitrary paths without a
// walk (tests, file watchers). Same precedence as a walk with an IgnoreStack.
class IgnoreTree {
 public:
  // Adds the lowest-priority, root-relative list (what .git/info/exclude is).
  void AddGlobal(std::string_view content);
  // Adds the ignore file found in directory `base` ("" or ending with '/'). Several files for
  // the same base are concatenated: later ones take precedence (.pampaxignore after
  // .gitignore).
  void AddFile(const std::string& base, std::string_view content);

  // Git semantics in full: `path` is ignored when it is excluded or when any of its parent
  // directories is excluded (a file cannot be re-included inside an excluded directory).
  bool IsIgnored(std::string_view path, bool is_dir) const;

 private:
  IgnoreList global_;
  std::map<std::string, IgnoreList, std::less<>> by_base_;
};

}  // namespace pampax
