// scan_tree on small trees built on disk.
#include "scan/walker.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pampax {
namespace {

namespace fs = std::filesystem;

class TempTree {
 public:
  TempTree() {
    std::string tmpl = (fs::temp_directory_path() / "pampax-walker-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();
    root_ = p;
  }
  ~TempTree() {
    // Restore permissions so everything can be removed.
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(
             root_, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0755);
    }
    chmod(root_.c_str(), 0755);
    fs::remove_all(root_, ec);
  }
  const fs::path& root() const { return root_; }

  void Write(const std::string& rel, const std::string& content) const {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
  void Mkdir(const std::string& rel) const { fs::create_directories(root_ / rel); }
  void Symlink(const std::string& target, const std::string& rel) const {
    fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    fs::create_symlink(target, p);
  }

 private:
  fs::path root_;
};

std::vector<std::string> Paths(const ScanResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.files) out.push_back(f.path);
  return out;
}

const ScannedFile* FindFile(const ScanResult& r, const std::string& path) {
  for (const auto& f : r.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

const SkippedFile* FindSkip(const ScanResult& r, const std::string& path) {
  for (const auto& s : r.skipped) {
    if (s.path == path) return &s;
  }
  return nullptr;
}

ScanResult Scan(const TempTree& t, ScanOptions opt = {}) {
  auto r = scan_tree(t.root(), opt);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().message());
  return r.ok() ? std::move(r).value() : ScanResult{};
}

using V = std::vector<std::string>;

TEST(Walker, RootMissingIsNotFound) {
  auto r = scan_tree("/nonexistent/pampax/root", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  auto e = scan_tree("", {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kNotFound);
}

TEST(Walker, RootFileIsInvalidArgument) {
  TempTree t;
  t.Write("f", "x");
  auto r = scan_tree(t.root() / "f", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(Walker, PlainDirectoryWithoutGit) {
  TempTree t;
  t.Write("b.txt", "hello");
  t.Write("a/x.c", "int x;");
  t.Write("a/deep/er/y.h", "");
  t.Mkdir("empty/dir");
  t.Write(".gitignore", "*.o\n");
  t.Write("a/skip.o", "obj");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", "a/deep/er/y.h", "a/x.c", "b.txt"}));
  const ScannedFile* b = FindFile(r, "b.txt");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->size, 5u);
  EXPECT_FALSE(b->is_symlink);
  EXPECT_GT(b->mtime_ns, 0);
  EXPECT_TRUE(r.skipped.empty());
}

TEST(Walker, OutputIsInGitByteOrder) {
  TempTree t;
  for (const char* p : {"a-b", "a/b", "a.c", "a0", "ab", "A", "a b", "a/a/z", "a.c.d/x", "\xc3\xa9"}) {
    t.Write(p, "");
  }
  ScanResult r = Scan(t);
  V paths = Paths(r);
  V sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(paths, sorted);
  EXPECT_EQ(paths.size(), 10u);
}

TEST(Walker, NestedGitignores) {
  TempTree t;
  t.Write(".gitignore", "*.log\nbuild/\n/top-only\n");
  t.Write("a.log", "");
  t.Write("top-only", "");
  t.Write("sub/top-only", "");  // anchored pattern: only at the root
  t.Write("sub/.gitignore", "!keep.log\n*.tmp\n");
  t.Write("sub/keep.log", "");
  t.Write("sub/drop.log", "");
  t.Write("sub/x.tmp", "");
  t.Write("x.tmp", "");  // sub's rules do not apply above it
  t.Write("build/out.c", "");
  t.Write("sub/build/out.c", "");
  t.Write("sub/build2/out.c", "");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", "sub/.gitignore", "sub/build2/out.c", "sub/keep.log",
                         "sub/top-only", "x.tmp"}));
}

TEST(Walker, CannotReincludeInsideExcludedDirectory) {
  TempTree t;
  t.Write(".gitignore", "/*\n!/debian/\ngen/\n!gen/keep.c\n");
  t.Write("README", "");
  t.Write("src/main.c", "");
  t.Write("debian/control", "");
  t.Write("debian/gen/keep.c", "");
  t.Write("debian/patches/a.patch", "");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{"debian/control", "debian/patches/a.patch"}));
}

TEST(Walker, PampaxIgnoreBeatsGitignoreInSameDirectory) {
  TempTree t;
  t.Write(".gitignore", "*.gen\n");
  t.Write(".pampaxignore", "!wanted.gen\nvendor/\n");
  t.Write("wanted.gen", "");
  t.Write("other.gen", "");
  t.Write("vendor/lib.c", "");
  t.Write("sub/.gitignore", "wanted.gen\n");  // deeper .gitignore still wins over root
  t.Write("sub/wanted.gen", "");
  t.Write("sub/.pampaxignore", "*.c\n");
  t.Write("sub/a.c", "");
  t.Write("sub/a.h", "");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", ".pampaxignore", "sub/.gitignore", "sub/.pampaxignore",
                         "sub/a.h", "wanted.gen"}));
}

TEST(Walker, InfoExcludeAndGitDirectorySkipped) {
  TempTree t;
  t.Write(".git/info/exclude", "# comment\n*.secret\n");
  t.Write(".git/HEAD", "ref: refs/heads/main\n");
  t.Write(".gitignore", "!b.secret\n");  // .gitignore beats info/exclude
  t.Write("a.secret", "");
  t.Write("b.secret", "");
  t.Write("sub/.git", "gitdir: elsewhere\n");  // any entry named .git is skipped
  t.Write("sub/c.txt", "");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", "b.secret", "sub/c.txt"}));
}

TEST(Walker, GitFileWithCommonDir) {
  // A linked worktree: .git is a file; info/exclude lives in the common dir.
  TempTree t;
  t.Write("main-repo/.git/info/exclude", "*.wt\n");
  t.Write("main-repo/.git/worktrees/w/commondir", "../..\n");
  t.Write("w/.git", "gitdir: ../main-repo/.git/worktrees/w\n");
  t.Write("w/a.wt", "");
  t.Write("w/b.txt", "");
  auto r = scan_tree(t.root() / "w", {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Paths(*r), (V{"b.txt"}));
}

TEST(Walker, IgnoreFilesOff) {
  TempTree t;
  t.Write(".gitignore", "*\n");
  t.Write(".pampaxignore", "*\n");
  t.Write(".git/info/exclude", "*\n");
  t.Write("a/b.c", "");
  ScanOptions opt;
  opt.use_ignore_files = false;
  ScanResult r = Scan(t, opt);
  EXPECT_EQ(Paths(r), (V{".gitignore", ".pampaxignore", "a/b.c"}));
}

TEST(Walker, TooLargeFilesAreReported) {
  TempTree t;
  t.Write("small", std::string(100, 'x'));
  t.Write("exact", std::string(1024, 'x'));
  t.Write("big", std::string(1025, 'x'));
  t.Write("huge.bin", std::string(3 * 1024 * 1024 / 2, 'x'));
  t.Write("ignored.big", std::string(5000, 'x'));
  t.Write(".gitignore", "*.big\n");
  ScanOptions opt;
  opt.max_file_size = 1024;
  ScanResult r = Scan(t, opt);
  EXPECT_EQ(Paths(r), (V{".gitignore", "exact", "small"}));
  ASSERT_EQ(r.skipped.size(), 2u);
  EXPECT_EQ(r.skipped[0].path, "big");
  EXPECT_EQ(r.skipped[0].reason, SkipReason::kTooLarge);
  EXPECT_EQ(r.skipped[0].detail, "1025 B > limit 1024 B");
  EXPECT_EQ(r.skipped[1].path, "huge.bin");
  EXPECT_EQ(r.skipped[1].detail, "1.5 MiB > limit 1.0 KiB");
  EXPECT_STREQ(skip_reason_name(r.skipped[0].reason), "too_large");
}

TEST(Walker, SymlinksListedNotFollowedByDefault) {
  TempTree t;
  t.Write("real/file.txt", "content");
  t.Symlink("real/file.txt", "link-to-file");
  t.Symlink("real", "link-to-dir");
  t.Symlink("missing", "dangling");
  t.Write(".gitignore", "link-to-dir/\n");  // dir-only patterns do not match symlinks (git)
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", "dangling", "link-to-dir", "link-to-file", "real/file.txt"}));
  const ScannedFile* l = FindFile(r, "link-to-file");
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->is_symlink);
  EXPECT_EQ(l->size, std::string("real/file.txt").size());
  EXPECT_TRUE(FindFile(r, "link-to-dir")->is_symlink);
  EXPECT_TRUE(r.skipped.empty());
}

TEST(Walker, FollowSymlinksWithLoops) {
  TempTree t;
  t.Write("real/file.txt", "content");
  t.Symlink("..", "real/up");          // loops back to the root
  t.Symlink("../real", "real/self");   // loops back to real/
  t.Symlink("real", "alias");          // a plain directory link: walked
  t.Symlink("real/file.txt", "flink");
  t.Symlink("missing", "dangling");
  t.Symlink("l2", "l1");               // l1 -> l2 -> l1: ELOOP when resolving
  t.Symlink("l1", "l2");
  ScanOptions opt;
  opt.follow_symlinks = true;
  ScanResult r = Scan(t, opt);
  EXPECT_EQ(Paths(r), (V{"alias/file.txt", "flink", "real/file.txt"}));
  const ScannedFile* f = FindFile(r, "flink");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->is_symlink);
  EXPECT_EQ(f->size, 7u);  // of the target
  ASSERT_NE(FindSkip(r, "real/up"), nullptr);
  EXPECT_EQ(FindSkip(r, "real/up")->reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(FindSkip(r, "real/self")->reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(FindSkip(r, "alias/up")->reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(FindSkip(r, "alias/self")->reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(FindSkip(r, "l1")->reason, SkipReason::kSymlinkLoop);
  EXPECT_EQ(FindSkip(r, "dangling")->reason, SkipReason::kUnreadable);
  EXPECT_STREQ(skip_reason_name(SkipReason::kSymlinkLoop), "symlink_loop");
  V skipped;
  for (const auto& s : r.skipped) skipped.push_back(s.path);
  EXPECT_TRUE(std::is_sorted(skipped.begin(), skipped.end()));
}

TEST(Walker, SpecialFilesAreReported) {
  TempTree t;
  t.Write("a.txt", "");
  ASSERT_EQ(mkfifo((t.root() / "fifo").c_str(), 0644), 0);
  ASSERT_EQ(mkfifo((t.root() / "ignored.fifo").c_str(), 0644), 0);
  t.Write(".gitignore", "*.fifo\n");
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sp = (t.root() / "sock").string();
  bool have_socket = sp.size() < sizeof(addr.sun_path);
  if (have_socket) {
    std::copy(sp.begin(), sp.end(), addr.sun_path);
    have_socket = bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  close(s);
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", "a.txt"}));
  ASSERT_NE(FindSkip(r, "fifo"), nullptr);
  EXPECT_EQ(FindSkip(r, "fifo")->reason, SkipReason::kSpecial);
  EXPECT_EQ(FindSkip(r, "fifo")->detail, "fifo");
  EXPECT_EQ(FindSkip(r, "ignored.fifo"), nullptr);
  if (have_socket) {
    ASSERT_NE(FindSkip(r, "sock"), nullptr);
    EXPECT_EQ(FindSkip(r, "sock")->reason, SkipReason::kSpecial);
  }
}

TEST(Walker, UnreadableDirectoriesAndFiles) {
  if (geteuid() == 0) GTEST_SKIP() << "root can read anything";
  TempTree t;
  t.Write("ok.txt", "");
  t.Write("locked/secret.txt", "");
  t.Write("noread.txt", "x");
  ASSERT_EQ(chmod((t.root() / "locked").c_str(), 0), 0);
  ASSERT_EQ(chmod((t.root() / "noread.txt").c_str(), 0), 0);
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{"ok.txt"}));
  ASSERT_NE(FindSkip(r, "locked"), nullptr);
  EXPECT_EQ(FindSkip(r, "locked")->reason, SkipReason::kUnreadable);
  ASSERT_NE(FindSkip(r, "noread.txt"), nullptr);
  EXPECT_EQ(FindSkip(r, "noread.txt")->reason, SkipReason::kUnreadable);
}

TEST(Walker, SymlinkedGitignoreIsNotRead) {
  TempTree t;
  t.Write("patterns", "*.c\n");
  t.Symlink("patterns", ".gitignore");
  t.Write("a.c", "");
  ScanResult r = Scan(t);
  EXPECT_EQ(Paths(r), (V{".gitignore", "a.c", "patterns"}));
}

TEST(Walker, LooksBinary) {
  EXPECT_FALSE(looks_binary(""));
  EXPECT_FALSE(looks_binary("plain text\n"));
  EXPECT_TRUE(looks_binary(std::string_view("a\0b", 3)));
  std::string late(9000, 'a');
  late[8500] = '\0';
  EXPECT_FALSE(looks_binary(late));  // only the first 8000 bytes count
  late[7999] = '\0';
  EXPECT_TRUE(looks_binary(late));
}

}  // namespace
}  // namespace pampax
