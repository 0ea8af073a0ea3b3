// Differential test: scan_tree versus `git ls-files --cached --others --exclude-standard` on
// random trees with random nested .gitignore files and .git/info/exclude. Names come from a
// small pool so that patterns actually hit; the pool includes spaces, a trailing space, '#',
// '!', brackets, '*', '?' and a backslash. Deterministic: fixed seeds, own RNG.
//
// PAMPAX_GITCMP_TREES=<n> overrides the number of trees (e.g. for a long local soak);
// PAMPAX_GITCMP_FIRST_SEED=<n> starts elsewhere.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scan/walker.h"

extern char** environ;

namespace pampax {
namespace {

namespace fs = std::filesystem;

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 12345) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Chance(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[Below(v.size())]; }

 private:
  uint64_t s_;
};

// Runs git with a scrubbed environment; returns its stdout, or sets *ok=false.
std::string RunGit(const std::vector<std::string>& args, const std::string& home, bool* ok) {
  std::vector<std::string> env_store = {
      "HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + home + "/.gitconfig",
      "LC_ALL=C"};
  if (const char* path = std::getenv("PATH")) env_store.push_back(std::string("PATH=") + path);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = {"git"};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipefd[2];
  if (pipe(pipefd) != 0) {
    *ok = false;
    return {};
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  posix_spawn_file_actions_addclose(&fa, pipefd[1]);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, "git", &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(pipefd[1]);
  std::string out;
  if (rc == 0) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(pipefd[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  close(pipefd[0]);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  *ok = rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return out;
}

bool GitAvailable(const std::string& home) {
  bool ok = false;
  RunGit({"--version"}, home, &ok);
  return ok;
}

// Makes control characters and the pattern-significant spaces visible in failure output.
std::string Show(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n\n      ";
    else if (c == '\r') out += "\\r";
    else if (c == ' ') out += "\xC2\xB7";  // middle dot
    else out += c;
  }
  return out;
}

const std::vector<std::string> kFileNames = {
    "a", "b", "c", "ab", "ba", "a.c", "b.c", "a.o", "b.o", "x.log", "ab.log", "foo", "bar",
    "a b", "a ", "b  ", "#a", "!b", "[a]", "a[b", "*", "?b", "a\\b", "A", "aa", "abc", ".hidden",
    "a.c.o", "foo.c", "-a",
};
const std::vector<std::string> kDirNames = {
    "a", "b", "d", "ab", "foo", "bar", "sub", "build", "x y", "#d", "!d", "[d]", "a.c", "deb",
};

std::string RandomSegment(Rng& rng) {
  static const std::vector<std::string> kWild = {
      "*", "?", "*.c", "*.o", "a*", "*b", "[ab]", "[!a]*", "[^b]", "[a-c]*", "a?", "*.log",
      "\\[a]", "a\\ ", "\\#a", "\\!b", "?*", "[[:alpha:]]*", "a[", "*a*", "\\*", "[]a]",
      "a\\\\b", "b*",
  };
  switch (rng.Below(4)) {
    case 0:
      return rng.Pick(kFileNames);
    case 1:
      return rng.Pick(kDirNames);
    default:
      return rng.Pick(kWild);
  }
}

std::string RandomPatternLine(Rng& rng) {
  switch (rng.Below(20)) {
    case 0:
      return "";
    case 1:
      return "# comment " + rng.Pick(kFileNames);
    case 2:
      return "/*";
    case 3:
      return "!/" + rng.Pick(kDirNames) + "/";
    case 4:
      return rng.Pick(kDirNames) + "/**";
    case 5:
      return "**/" + RandomSegment(rng);
    case 6:
      return rng.Pick(kDirNames) + "/**/" + RandomSegment(rng);
    default:
      break;
  }
  std::string line;
  if (rng.Chance(25)) line += "!";
  if (rng.Chance(20)) line += "/";
  size_t segs = rng.Chance(60) ? 1 : (rng.Chance(75) ? 2 : 3);
  for (size_t i = 0; i < segs; ++i) {
    if (i > 0) line += "/";
    if (segs > 1 && rng.Chance(15)) {
      line += "**";
    } else {
      line += (i + 1 < segs) ? (rng.Chance(50) ? rng.Pick(kDirNames) : RandomSegment(rng))
                             : RandomSegment(rng);
    }
  }
  if (rng.Chance(25)) line += "/";
  if (rng.Chance(10)) line += rng.Chance(50) ? "  " : " ";
  return line;
}

// A pattern made from a path that exists in the tree (relative to the ignore file's
// directory), then roughened with wildcards, so that rules hit often and in odd ways:
// '?' or '*' standing in for a '/', "**" glued to a name, classes, escapes.
std::string DerivedPatternLine(Rng& rng, const std::string& path) {
  std::string p = path;
  if (rng.Chance(40)) {  // keep only the last components
    size_t slash = p.rfind('/');
    if (slash != std::string::npos && rng.Chance(70)) p = p.substr(slash + 1);
  }
  const size_t edits = rng.Below(4);
  for (size_t k = 0; k < edits && !p.empty(); ++k) {
    size_t i = rng.Below(p.size());
    if (rng.Chance(30)) {  // prefer a '/': wildcards must not cross it
      size_t slash = p.find('/', i);
      if (slash != std::string::npos) i = slash;
    }
    switch (rng.Below(7)) {
      case 0:
        p[i] = '?';
        break;
      case 1:
        p.replace(i, std::min(p.size() - i, rng.Below(4)), "*");
        break;
      case 2: {
        const char c = p[i];
        const char other = static_cast<char>('a' + rng.Below(4));
        switch (rng.Below(4)) {
          case 0: p.replace(i, 1, std::string("[") + c + other + "]"); break;
          case 1: p.replace(i, 1, std::string("[!") + other + "]"); break;
          case 2: p.replace(i, 1, std::string("[^") + c + "]"); break;
          default: p.replace(i, 1, "[a-c]"); break;
        }
        break;
      }
      case 3: {  // a whole component becomes "**"
        size_t b = p.rfind('/', i);
        b = b == std::string::npos ? 0 : b + 1;
        size_t e = p.find('/', i);
        if (e == std::string::npos) e = p.size();
        p.replace(b, e - b, "**");
        break;
      }
      case 4:
        p.replace(i, std::min(p.size() - i, rng.Below(3)), "**");  // often not a component
        break;
      case 5:
        p.insert(i, "\\");
        break;
      default:
        p.insert(i, rng.Chance(50) ? "**/" : "*/");
        break;
    }
  }
  if (!p.empty() && p.back() == ' ' && rng.Chance(60)) p.insert(p.size() - 1, "\\");
  std::string line;
  if (rng.Chance(30)) line += "!";
  if (rng.Chance(30)) line += "/";
  line += p;
  if (rng.Chance(30)) line += "/";
  if (rng.Chance(8)) line += " ";
  return line;
}

std::string RandomIgnoreFile(Rng& rng, const std::vector<std::string>& paths_below) {
  const bool crlf = rng.Chance(10);
  std::string out;
  size_t n = 1 + rng.Below(6);
  for (size_t i = 0; i < n; ++i) {
    if (!paths_below.empty() && rng.Chance(50)) {
      out += DerivedPatternLine(rng, rng.Pick(paths_below));
    } else {
      out += RandomPatternLine(rng);
    }
    if (i + 1 < n || rng.Chance(80)) out += crlf ? "\r\n" : "\n";
  }
  return out;
}

// The shape of a random tree, generated before anything is written so that ignore files can
// name paths that exist.
struct Tree {
  std::vector<std::string> dirs;  // "" for the root, else "a/b/"
  struct File {
    std::string path;
    std::string symlink_target;  // empty: a regular file
  };
  std::vector<File> files;
  std::vector<std::string> all_paths;  // files and directories, no trailing '/'
  std::vector<std::pair<std::string, std::string>> ignore_files;  // path -> content
};

void MakeShape(Rng& rng, const std::string& rel, int depth, Tree* tree) {
  tree->dirs.push_back(rel);
  std::set<std::string> used;
  size_t n = 1 + rng.Below(depth == 0 ? 7 : 5);
  for (size_t i = 0; i < n; ++i) {
    const bool dir = depth < 3 && rng.Chance(40);
    const std::string name = dir ? rng.Pick(kDirNames) : rng.Pick(kFileNames);
    if (!used.insert(name).second) continue;
    tree->all_paths.push_back(rel + name);
    if (dir) {
      MakeShape(rng, rel + name + "/", depth + 1, tree);
      continue;
    }
    Tree::File f{rel + name, ""};
    if (rng.Chance(7)) {
      // Symlinks: git lists them as files whatever they point to.
      static const std::vector<std::string> kTargets = {"a", "..", "nowhere", "."};
      f.symlink_target = rng.Pick(kTargets);
    }
    tree->files.push_back(std::move(f));
  }
}

void WriteFile(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary) << content;
}

void MakeTree(Rng& rng, const fs::path& root, Tree* tree) {
  MakeShape(rng, "", 0, tree);
  for (const std::string& d : tree->dirs) fs::create_directories(root / d);
  for (const Tree::File& f : tree->files) {
    if (f.symlink_target.empty()) {
      WriteFile(root / f.path, f.path);
    } else {
      fs::create_symlink(f.symlink_target, root / f.path);
    }
  }
  for (const std::string& d : tree->dirs) {
    if (!rng.Chance(d.empty() ? 70 : 35)) continue;
    std::vector<std::string> below;
    for (const std::string& p : tree->all_paths) {
      if (p.size() > d.size() && p.compare(0, d.size(), d) == 0) below.push_back(p.substr(d.size()));
    }
    std::string content = RandomIgnoreFile(rng, below);
    WriteFile(root / d / ".gitignore", content);
    tree->ignore_files.push_back({d + ".gitignore", content});
  }
}

std::vector<std::string> SplitZ(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(WalkerGitCompare, RandomTreesMatchGitLsFiles) {
  std::string tmpl = (fs::temp_directory_path() / "pampax-gitcmp-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const fs::path base = tmpl;
  const std::string home = (base / "home").string();
  fs::create_directories(home);
  if (!GitAvailable(home)) {
    fs::remove_all(base);
    GTEST_SKIP() << "git is not installed";
  }

  size_t trees = 300;
  uint64_t first_seed = 1;
  if (const char* e = std::getenv("PAMPAX_GITCMP_TREES")) trees = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("PAMPAX_GITCMP_FIRST_SEED")) first_seed = std::strtoull(e, nullptr, 10);

  const auto start = std::chrono::steady_clock::now();
  double scan_secs = 0;
  size_t failures = 0, total_files = 0, total_created = 0, total_ignore_files = 0;
  for (uint64_t seed = first_seed; seed < first_seed + trees; ++seed) {
    Rng rng(seed);
    const fs::path root = base / ("t" + std::to_string(seed));
    Tree tree;
    MakeTree(rng, root, &tree);
    bool ok = false;
    RunGit({"init", "-q", "--template=", root.string()}, home, &ok);
    ASSERT_TRUE(ok) << "git init failed for seed " << seed;
    if (rng.Chance(35)) {
      std::string content = RandomIgnoreFile(rng, tree.all_paths);
      fs::create_directories(root / ".git" / "info");
      WriteFile(root / ".git" / "info" / "exclude", content);
      tree.ignore_files.push_back({".git/info/exclude", content});
    }
    total_ignore_files += tree.ignore_files.size();
    total_created += tree.files.size() + tree.ignore_files.size();

    std::string out = RunGit({"-C", root.string(), "ls-files", "--cached", "--others",
                              "--exclude-standard", "-z"},
                             home, &ok);
    ASSERT_TRUE(ok) << "git ls-files failed for seed " << seed;
    const std::vector<std::string> want = SplitZ(out);

    const auto t0 = std::chrono::steady_clock::now();
    auto r = scan_tree(root, {});
    scan_secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> got;
    for (const auto& f : r->files) got.push_back(f.path);
    total_files += want.size();

    if (got != want) {
      ++failures;
      std::ostringstream msg;
      msg << "seed " << seed << ": scan_tree differs from git ls-files\n  ignore files:\n";
      for (const auto& [path, content] : tree.ignore_files) {
        msg << "    " << path << ":\n      " << Show(content) << "\n";
      }
      std::set<std::string> ws(want.begin(), want.end()), gs(got.begin(), got.end());
      for (const auto& p : want) {
        if (!gs.count(p)) msg << "  only in git:    '" << Show(p) << "'\n";
      }
      for (const auto& p : got) {
        if (!ws.count(p)) msg << "  only in pampax: '" << Show(p) << "'\n";
      }
      if (ws == gs) msg << "  (same paths, different order)\n";
      ADD_FAILURE() << msg.str();
      if (failures >= 5) break;
    } else {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "[ compared %zu random trees with git in %.2f s: %zu files created, %zu listed by git, "
      "%zu ignore files; scan_tree %.3f s ]\n",
      trees, secs, total_created, total_files, total_ignore_files, scan_secs);
  if (failures == 0) {
    std::error_code ec;
    fs::remove_all(base, ec);
  } else {
    std::printf("trees kept under %s\n", base.c_str());
  }
}

}  // namespace
}  // namespace pampax
