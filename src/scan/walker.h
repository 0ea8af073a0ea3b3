// Repository walker: lists the files of a tree the way `git ls-files --cached --others
// --exclude-standard` would (for a tree whose index matches its work tree), plus pampax's own
// skips. Honors nested .gitignore files, .git/info/exclude and .pampaxignore (same syntax as
// .gitignore, read per directory like it; within one directory its patterns come after the
// .gitignore ones, so they win there, while a deeper directory's files still win over both,
// as in git). As in git, nothing inside an excluded directory can be re-included, and
// symlinked .gitignore files inside the tree are not read. The user's global
// core.excludesFile is deliberately not read: an index must not depend on who built it.
// Works the same in plain directories (no .git): .gitignore files still apply.
// Entries named .git (directory or file) are skipped at any depth, as git does.
// `root` is taken as the top of the work tree: .gitignore files above it are not read.
// One deliberate difference from git: a nested repository (a subdirectory with its own .git)
// is walked like a plain subdirectory, where git would list just "sub/".
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/status.h"

namespace pampax {

struct ScanOptions {
  // Files larger than this are reported in ScanResult::skipped (kTooLarge), not listed.
  uint64_t max_file_size = 1u << 20;
  // Read .gitignore / info/exclude / .pampaxignore. Off = list everything but .git/.
  bool use_ignore_files = true;
  // Descend into symlinked directories (with loop detection by device+inode of the
  // directories on the current path; a link to a directory is then matched against ignore
  // patterns as a directory). Links to files are listed with their target's size; dangling
  // links are reported as kUnreadable. Off (default): symlinks are listed like files, exactly
  // as git lists them (size = length of the link text), and never followed.
  bool follow_symlinks = false;
};

struct ScannedFile {
  std::string path;   // relative to root, '/'-separated, no leading "./"
  uint64_t size = 0;  // bytes (of the target when the entry is a followed symlink)
  int64_t mtime_ns = 0;
  bool is_symlink = false;
};

enum class SkipReason { kTooLarge, kUnreadable, kSymlinkLoop, kSpecial };
const char* skip_reason_name(SkipReason r);  // "too_large", "unreadable", ...

struct SkippedFile {
  std::string path;
  SkipReason reason;
  std::string detail;  // e.g. "2.3 MiB > limit 1.0 MiB", or strerror text
};

struct ScanResult {
  std::vector<ScannedFile> files;     // sorted by path (byte order, as git sorts)
  // Sorted by path. Only paths that are not ignored are reported; an unreadable directory
  // is reported once, by its own path ("." for the root).
  std::vector<SkippedFile> skipped;
};

// REQUIRES: root is a directory. Errors: kNotFound if root does not exist, kInvalidArgument if
// it is not a directory. Unreadable subdirectories and files are reported in `skipped`; they
// never fail the whole scan.
Result<ScanResult> scan_tree(const std::filesystem::path& root, const ScanOptions& options);

// True when `head` (the first bytes of a file, up to 8000) looks binary: it contains a NUL
// byte, as git decides.
bool looks_binary(std::string_view head);

}  // namespace pampax
