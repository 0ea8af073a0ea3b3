// Walker: a depth-first getdents64/openat/fstatat walk with git's ignore semantics.
//
// Per directory: read all entries, load .gitignore + .pampaxignore into one IgnoreList (the
// .pampaxignore patterns come last, so they win within the directory), drop ".git" and excluded
// entries, sort the rest in git's order (a directory sorts as if its name ended in '/'), then
// emit files and recurse into directories in that order. Because siblings are visited in
// git order, the output comes out sorted by full path without a global sort.
//
// Allocation: buffers are kept per depth and reused, so a directory costs no allocation once
// the walk has been that deep; each listed file costs its path string.
#include "scan/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "scan/ignore.h"

namespace pampax {

const char* skip_reason_name(SkipReason r) {
  switch (r) {
    case SkipReason::kTooLarge:
      return "too_large";
    case SkipReason::kUnreadable:
      return "unreadable";
    case SkipReason::kSymlinkLoop:
      return "symlink_loop";
    case SkipReason::kSpecial:
      return "special";
  }
  return "unknown";
}

bool looks_binary(std::string_view head) {
  const size_t n = std::min<size_t>(head.size(), 8000);
  return n > 0 && std::memchr(head.data(), '\0', n) != nullptr;
}

namespace {

constexpr const char* kGitIgnore = ".gitignore";
constexpr const char* kPampaxIgnore = ".pampaxignore";

std::string ErrnoText(int err) { return std::strerror(err); }

std::string HumanSize(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1024.0;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

const char* SpecialKind(mode_t mode) {
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  return "special file";
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Reads the regular file at `path` (relative to `dirfd`, or absolute) into *out. False when
// it is missing, not a regular file or unreadable; callers treat all three as "no file".
bool ReadFileAt(int dirfd, const char* path, bool nofollow, std::string* out) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;  // O_NONBLOCK: never hang on a fifo
  if (nofollow) flags |= O_NOFOLLOW;
  int fd = openat(dirfd, path, flags);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  out->clear();
  if (ok) {
    out->resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out->size()) {
      ssize_t n = read(fd, out->data() + got, out->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    out->resize(got);  // the file may have shrunk meanwhile
  }
  close(fd);
  return ok;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Where git would read info/exclude for a work tree rooted at `rootfd`: ".git/info/exclude"
// when .git is a directory; for a ".git" file ("gitdir: <path>", worktrees and submodules)
// the common directory of that git dir. Empty when there is no git dir.
std::string InfoExcludePath(int rootfd) {
  struct stat st;
  if (fstatat(rootfd, ".git", &st, 0) != 0) return {};
  std::string gitdir;
  if (S_ISDIR(st.st_mode)) {
    gitdir = ".git";
  } else if (S_ISREG(st.st_mode)) {
    std::string content;
    if (!ReadFileAt(rootfd, ".git", false, &content)) return {};
    content = Trim(std::move(content));
    constexpr std::string_view kPrefix = "gitdir: ";
    if (content.compare(0, kPrefix.size(), kPrefix) != 0) return {};
    gitdir = content.substr(kPrefix.size());
  } else {
    return {};
  }
  std::string commondir;
  std::string common_rel;
  if (ReadFileAt(rootfd, (gitdir + "/commondir").c_str(), false, &common_rel)) {
    common_rel = Trim(std::move(common_rel));
    if (!common_rel.empty()) {
      commondir = common_rel[0] == '/' ? common_rel : gitdir + "/" + common_rel;
    }
  }
  if (commondir.empty()) commondir = gitdir;
  return commondir + "/info/exclude";
}

enum class Kind : uint8_t { kFile, kDir, kSymlink, kSpecial, kUnknown };

// Kept small: entries are sorted. Stat results, needed for few entries before sorting
// (unknown d_type, followed symlinks), live in Level::stats.
struct Entry {
  uint32_t name_off = 0;
  uint32_t name_len = 0;
  Kind kind = Kind::kUnknown;
  bool as_dir = false;    // walked (and sorted, and matched) as a directory
  int32_t stat_idx = -1;  // index into Level::stats, or -1
};

struct EntryStat {
  struct stat st;          // lstat of the entry
  bool target_ok = false;  // follow mode, symlinks: `target` is the stat of the link target
  int target_errno = 0;
  struct stat target;
};

// Buffers for one depth of the walk, reused by every directory at that depth.
struct Level {
  std::string names;
  std::vector<Entry> entries;
  std::vector<EntryStat> stats;
  std::string ignore_text;
};

class Walker {
 public:
  Walker(const ScanOptions& options, ScanResult* out) : opt_(options), out_(out) {
    euid_ = geteuid();
    if (euid_ != 0) {
      groups_.push_back(getegid());
      int n = getgroups(0, nullptr);
      if (n > 0) {
        std::vector<gid_t> g(static_cast<size_t>(n));
        n = getgroups(n, g.data());
        if (n > 0) groups_.insert(groups_.end(), g.begin(), g.begin() + n);
      }
    }
  }

  void Run(int rootfd) {
    IgnoreList exclude("");
    if (opt_.use_ignore_files) {
      std::string path = InfoExcludePath(rootfd);
      std::string content;
      if (!path.empty() && ReadFileAt(rootfd, path.c_str(), false, &content)) {
        exclude.AddFile(content);
        if (!exclude.empty()) stack_.Push(&exclude);
      }
    }
    if (opt_.follow_symlinks) {
      struct stat st;
      if (fstat(rootfd, &st) == 0) active_.push_back({st.st_dev, st.st_ino, 0});
    }
    WalkDir(rootfd, 0);
  }

 private:
  struct ActiveDir {
    dev_t dev;
    ino_t ino;
    size_t path_len;  // length of path_ (the dir's prefix) when it was entered
  };

  void Skip(std::string_view name, SkipReason reason, std::string detail) {
    SkippedFile s;
    s.path.reserve(path_.size() + name.size());
    s.path.append(path_).append(name);
    s.reason = reason;
    s.detail = std::move(detail);
    out_->skipped.push_back(std::move(s));
  }

  bool ModeReadable(const struct stat& st) const {
    if (euid_ == 0) return true;
    if (st.st_uid == euid_) return st.st_mode & S_IRUSR;
    if (std::find(groups_.begin(), groups_.end(), st.st_gid) != groups_.end()) {
      return st.st_mode & S_IRGRP;
    }
    return st.st_mode & S_IROTH;
  }

  // Lists a file (or an unfollowed symlink) unless it is too large or unreadable.
  void EmitFile(int dirfd, std::string_view name, const struct stat& st, bool is_symlink,
                bool check_readable) {
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (check_readable && !ModeReadable(st)) {
      // The mode bits say no; ask the kernel (ACLs and capabilities may still allow it).
      std::string n(name);
      if (faccessat(dirfd, n.c_str(), R_OK, AT_EACCESS) != 0) {
        Skip(name, SkipReason::kUnreadable, ErrnoText(errno));
        return;
      }
    }
    if (size > opt_.max_file_size) {
      std::string have = HumanSize(size), limit = HumanSize(opt_.max_file_size);
      if (have == limit) {  // rounding hid the difference: show exact bytes
        have = std::to_string(size) + " B";
        limit = std::to_string(opt_.max_file_size) + " B";
      }
      Skip(name, SkipReason::kTooLarge, have + " > limit " + limit);
      return;
    }
    ScannedFile f;
    f.path.reserve(path_.size() + name.size());
    f.path.append(path_).append(name);
    f.size = size;
    f.mtime_ns = MtimeNs(st);
    f.is_symlink = is_symlink;
    out_->files.push_back(std::move(f));
  }

  Level& LevelAt(size_t depth) {
    while (levels_.size() <= depth) levels_.push_back(std::make_unique<Level>());
    return *levels_[depth];
  }

  // Reads the entries of the directory open as `fd` into `lvl`, without ".", ".." and
  // ".git". Uses getdents64 into one shared buffer: no DIR allocation, fstat or fcntl per
  // directory as fdopendir would do.
  bool ReadEntries(int fd, Level& lvl, int* err) {
    lvl.names.clear();
    lvl.entries.clear();
    lvl.stats.clear();
    if (dents_.empty()) dents_.resize(64 * 1024);
    for (;;) {
      ssize_t n = getdents64(fd, dents_.data(), dents_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        *err = errno;
        return false;
      }
      if (n == 0) return true;
      for (ssize_t off = 0; off < n;) {
        const auto* de = reinterpret_cast<const struct dirent64*>(dents_.data() + off);
        off += de->d_reclen;
        AddEntry(de->d_name, de->d_type, lvl);
      }
    }
  }

  static void AddEntry(const char* n, unsigned char d_type, Level& lvl) {
    if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) return;
    if (std::strcmp(n, ".git") == 0) return;  // git skips any entry named .git
    Entry e;
    e.name_off = static_cast<uint32_t>(lvl.names.size());
    e.name_len = static_cast<uint32_t>(std::strlen(n));
    switch (d_type) {
      case DT_REG:
        e.kind = Kind::kFile;
        break;
      case DT_DIR:
        e.kind = Kind::kDir;
        break;
      case DT_LNK:
        e.kind = Kind::kSymlink;
        break;
      case DT_UNKNOWN:
        e.kind = Kind::kUnknown;
        break;
      default:
        e.kind = Kind::kSpecial;
        break;
    }
    lvl.names.append(n, e.name_len);
    lvl.entries.push_back(e);
  }

  void LoadIgnoreFiles(int fd, Level& lvl, std::unique_ptr<IgnoreList>* list) {
    bool has_git = false, has_pampax = false;
    for (const Entry& e : lvl.entries) {
      std::string_view n(lvl.names.data() + e.name_off, e.name_len);
      if (n == kGitIgnore) has_git = true;
      if (n == kPampaxIgnore) has_pampax = true;
    }
    if (!has_git && !has_pampax) return;
    auto l = std::make_unique<IgnoreList>(path_);
    // Like git, never follow a symlinked ignore file inside the tree.
    if (has_git && ReadFileAt(fd, kGitIgnore, true, &lvl.ignore_text)) l->AddFile(lvl.ignore_text);
    if (has_pampax && ReadFileAt(fd, kPampaxIgnore, true, &lvl.ignore_text)) {
      l->AddFile(lvl.ignore_text);
    }
    if (!l->empty()) *list = std::move(l);
  }

  // Walks the directory open as `fd` (owned: closed here) whose prefix is path_.
  void WalkDir(int fd, size_t depth) {
    Level& lvl = LevelAt(depth);
    int err = 0;
    if (!ReadEntries(fd, lvl, &err)) {
      // Keep what was read; report the directory as partly unreadable.
      ReportDirError(err);
    }

    std::unique_ptr<IgnoreList> ignore;
    if (opt_.use_ignore_files) LoadIgnoreFiles(fd, lvl, &ignore);
    if (ignore) stack_.Push(ignore.get());

    // Classify and filter.
    size_t kept = 0;
    const size_t prefix_len = path_.size();
    for (size_t i = 0; i < lvl.entries.size(); ++i) {
      Entry& e = lvl.entries[i];
      const char* name = lvl.names.data() + e.name_off;  // NUL-free, not NUL-terminated
      std::string_view nv(name, e.name_len);
      if (e.kind == Kind::kUnknown || (e.kind == Kind::kSymlink && opt_.follow_symlinks)) {
        name_buf_.assign(nv);
        EntryStat es;
        if (fstatat(fd, name_buf_.c_str(), &es.st, AT_SYMLINK_NOFOLLOW) != 0) {
          // Vanished or unreachable: report unless it would be ignored as a file anyway.
          int serr = errno;
          path_.append(nv);
          bool excluded = opt_.use_ignore_files && stack_.IsExcluded(path_, false);
          path_.resize(prefix_len);
          if (!excluded && serr != ENOENT) Skip(nv, SkipReason::kUnreadable, ErrnoText(serr));
          continue;
        }
        if (S_ISREG(es.st.st_mode)) e.kind = Kind::kFile;
        else if (S_ISDIR(es.st.st_mode)) e.kind = Kind::kDir;
        else if (S_ISLNK(es.st.st_mode)) e.kind = Kind::kSymlink;
        else e.kind = Kind::kSpecial;
        if (e.kind == Kind::kSymlink && opt_.follow_symlinks) {
          es.target_ok = fstatat(fd, name_buf_.c_str(), &es.target, 0) == 0;
          es.target_errno = es.target_ok ? 0 : errno;
          // Git treats symlinks as non-directories; when following, a link to a directory
          // is walked as one, so it is matched and sorted as one too.
          if (es.target_ok && S_ISDIR(es.target.st_mode)) e.as_dir = true;
        }
        e.stat_idx = static_cast<int32_t>(lvl.stats.size());
        lvl.stats.push_back(es);
      }
      if (e.kind == Kind::kDir) e.as_dir = true;
      if (opt_.use_ignore_files) {
        path_.append(nv);
        const bool excluded = stack_.IsExcluded(path_, e.as_dir);
        path_.resize(prefix_len);
        if (excluded) continue;
      }
      if (kept != i) lvl.entries[kept] = e;
      ++kept;
    }
    lvl.entries.resize(kept);

    // Git order: compare names as if directories ended in '/'.
    const char* names = lvl.names.data();
    std::sort(lvl.entries.begin(), lvl.entries.end(), [&](const Entry& a, const Entry& b) {
      const size_t n = std::min(a.name_len, b.name_len);
      int c = std::memcmp(names + a.name_off, names + b.name_off, n);
      if (c != 0) return c < 0;
      auto next = [&](const Entry& e) -> unsigned {
        if (e.name_len > n) return static_cast<unsigned char>(names[e.name_off + n]);
        return e.as_dir ? '/' : 0;
      };
      return next(a) < next(b);
    });

    for (size_t i = 0; i < lvl.entries.size(); ++i) {
      // `lvl` stays valid during recursion: levels are heap-allocated and deeper directories
      // use deeper levels.
      const Entry& e = lvl.entries[i];
      const EntryStat* es = e.stat_idx >= 0 ? &lvl.stats[e.stat_idx] : nullptr;
      std::string_view nv(lvl.names.data() + e.name_off, e.name_len);
      name_buf_.assign(nv);
      switch (e.kind) {
        case Kind::kFile: {
          struct stat st;
          if (es != nullptr) {
            st = es->st;
          } else if (fstatat(fd, name_buf_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) Skip(nv, SkipReason::kUnreadable, ErrnoText(errno));
            break;
          }
          if (!S_ISREG(st.st_mode)) {  // replaced since readdir; report what it is now
            if (S_ISLNK(st.st_mode)) EmitFile(fd, nv, st, true, false);
            else if (!S_ISDIR(st.st_mode)) Skip(nv, SkipReason::kSpecial, SpecialKind(st.st_mode));
            break;
          }
          EmitFile(fd, nv, st, false, true);
          break;
        }
        case Kind::kSymlink: {
          if (!opt_.follow_symlinks) {
            struct stat st;
            if (es != nullptr) {
              st = es->st;
            } else if (fstatat(fd, name_buf_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
              if (errno != ENOENT) Skip(nv, SkipReason::kUnreadable, ErrnoText(errno));
              break;
            }
            EmitFile(fd, nv, st, true, false);
            break;
          }
          if (es == nullptr || !es->target_ok) {
            const int terr = es == nullptr ? ENOENT : es->target_errno;
            if (terr == ELOOP) {
              Skip(nv, SkipReason::kSymlinkLoop, ErrnoText(ELOOP));
            } else {
              Skip(nv, SkipReason::kUnreadable, "broken symlink: " + ErrnoText(terr));
            }
            break;
          }
          if (S_ISDIR(es->target.st_mode)) {
            EnterDir(fd, nv, depth, /*follow=*/true, &es->target);
          } else if (S_ISREG(es->target.st_mode)) {
            EmitFile(fd, nv, es->target, true, true);
          } else {
            Skip(nv, SkipReason::kSpecial,
                 std::string("symlink to ") + SpecialKind(es->target.st_mode));
          }
          break;
        }
        case Kind::kDir:
          EnterDir(fd, nv, depth, /*follow=*/false, nullptr);
          break;
        case Kind::kSpecial: {
          struct stat st;
          if (es != nullptr) {
            st = es->st;
          } else if (fstatat(fd, name_buf_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            break;
          }
          Skip(nv, SkipReason::kSpecial, SpecialKind(st.st_mode));
          break;
        }
        case Kind::kUnknown:
          break;
      }
    }

    if (ignore) stack_.Pop();
    close(fd);
  }

  // Opens subdirectory `name` of `parent` and walks it. `target` is the stat of a followed
  // symlink's target (for loop detection before opening).
  void EnterDir(int parent, std::string_view name, size_t depth, bool follow,
                const struct stat* target) {
    if (opt_.follow_symlinks && target != nullptr) {
      for (const ActiveDir& a : active_) {
        if (a.dev == target->st_dev && a.ino == target->st_ino) {
          std::string ancestor = a.path_len == 0 ? "." : path_.substr(0, a.path_len - 1);
          Skip(name, SkipReason::kSymlinkLoop, "symlink loops back to '" + ancestor + "'");
          return;
        }
      }
    }
    name_buf_.assign(name);
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
    if (!follow) flags |= O_NOFOLLOW;
    int fd = openat(parent, name_buf_.c_str(), flags);
    if (fd < 0) {
      int err = errno;
      if (err != ENOENT) Skip(name, SkipReason::kUnreadable, ErrnoText(err));
      return;
    }
    const size_t prefix_len = path_.size();
    bool pushed = false;
    if (opt_.follow_symlinks) {
      struct stat st;
      // Every directory on the path, reached through a symlink or not, guards the links
      // below it.
      if (fstat(fd, &st) == 0) {
        active_.push_back({st.st_dev, st.st_ino, prefix_len + name.size() + 1});
        pushed = true;
      }
    }
    path_.append(name);
    path_.push_back('/');
    WalkDir(fd, depth + 1);
    path_.resize(prefix_len);
    if (pushed) active_.pop_back();
  }

  // Reports the directory whose prefix is path_ as unreadable.
  void ReportDirError(int err) {
    SkippedFile s;
    s.path = path_.empty() ? "." : path_.substr(0, path_.size() - 1);
    s.reason = SkipReason::kUnreadable;
    s.detail = "cannot read directory: " + ErrnoText(err);
    out_->skipped.push_back(std::move(s));
  }

  const ScanOptions& opt_;
  ScanResult* out_;
  uid_t euid_ = 0;
  std::vector<gid_t> groups_;
  std::string path_;      // prefix of the current directory: "" or "a/b/"
  std::string name_buf_;  // NUL-terminated copy of an entry name for syscalls
  std::vector<char> dents_;  // getdents64 buffer, shared: entries are copied out at once
  std::vector<std::unique_ptr<Level>> levels_;
  IgnoreStack stack_;
  std::vector<ActiveDir> active_;  // directories on the current path (follow mode)
};

}  // namespace

Result<ScanResult> scan_tree(const std::filesystem::path& root, const ScanOptions& options) {
  const std::string root_str = root.string();
  struct stat st;
  if (root_str.empty() || stat(root_str.c_str(), &st) != 0) {
    int err = root_str.empty() ? ENOENT : errno;
    if (err == ENOENT || err == ENOTDIR) {
      return NotFound("scan root '" + root_str + "' does not exist.");
    }
    return IoError("cannot access scan root '" + root_str + "': " + ErrnoText(err) + ".");
  }
  if (!S_ISDIR(st.st_mode)) {
    return InvalidArgument("scan root '" + root_str + "' is not a directory.");
  }
  int fd = open(root_str.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return IoError("cannot open scan root '" + root_str + "': " + ErrnoText(errno) + ".");
  }
  ScanResult result;
  Walker walker(options, &result);
  walker.Run(fd);

  auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
  // The walk emits in git order already; this is a cheap guard, not the normal path.
  if (!std::is_sorted(result.files.begin(), result.files.end(), by_path)) {
    std::sort(result.files.begin(), result.files.end(), by_path);
  }
  std::stable_sort(result.skipped.begin(), result.skipped.end(), by_path);
  return result;
}

}  // namespace pampax
