// Fuzz target: gitignore parsing and matching (scan/ignore.h).
// Input: an ignore file, then (after the first NUL byte) one path per line to test against it.
// Checks beyond "no crash": a pattern line without wildcards or escapes matches itself, and
// IgnoreTree agrees with a single list when there is only the root's file and no parents.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "scan/ignore.h"

using namespace pampax;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view rules = in.substr(0, nul);
  std::string_view paths = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);

  IgnoreList root("");
  root.AddFile(rules);
  IgnoreList nested("sub/dir/");
  nested.AddFile(rules);
  IgnoreTree tree;
  tree.AddFile("", rules);
  tree.AddFile("sub/", rules);
  IgnoreStack stack;
  stack.Push(&root);
  stack.Push(&nested);

  // Patterns: every parsed pattern matches text that equals it when it has no wildcard.
  for (const IgnorePattern& p : root.patterns()) {
    FUZZ_CHECK(p.literal_len <= p.text.size(), "literal_len %u > %zu", p.literal_len, p.text.size());
    bool plain = p.text.find_first_of("*?[\\") == std::string::npos;
    if (plain && !p.text.empty()) {
      FUZZ_CHECK(Wildmatch(p.text, p.text, true), "'%s' does not match itself", p.text.c_str());
      FUZZ_CHECK(Wildmatch(p.text, p.text, false), "'%s' does not match itself", p.text.c_str());
    }
  }

  size_t start = 0;
  int n = 0;
  while (start <= paths.size() && n++ < 64) {
    size_t nl = paths.find('\n', start);
    std::string_view line = paths.substr(start, nl == std::string_view::npos ? paths.npos : nl - start);
    start = nl == std::string_view::npos ? paths.size() + 1 : nl + 1;
    // Paths as the walker produces them: no leading or trailing '/', no empty components.
    if (line.empty() || line.front() == '/' || line.back() == '/' ||
        line.find("//") != std::string_view::npos)
      continue;
    std::string path(line);
    for (bool dir : {false, true}) {
      IgnoreList::Match m = root.Check(path, dir);
      (void)nested.Check(path, dir);
      (void)stack.Check(path, dir);
      bool ignored = tree.IsIgnored(path, dir);
      // Without parent directories, the tree's verdict is the root list's for the root file.
      if (path.find('/') == std::string::npos)
        FUZZ_CHECK(ignored == (m == IgnoreList::Match::kExcluded), "tree and list disagree on '%s'",
                   path.c_str());
    }
    for (const IgnorePattern& p : root.patterns()) {
      (void)Wildmatch(p.text, path, true);
      (void)Wildmatch(p.text, path, false);
    }
  }
  return 0;
}
