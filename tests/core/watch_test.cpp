// TreeWatcher on a real directory tree and real inotify: which directories are watched, what
// events mean, and how rescan() follows directory and ignore-rule changes.
#include "core/watch.h"

#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../test_util.h"
#include "core/engine.h"

namespace pampax {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

// Reads events until `pred` holds on the accumulated changes (bounded: 10 s).
TreeWatcher::Changes collect(TreeWatcher& w, const std::function<bool(const TreeWatcher::Changes&)>& pred) {
  TreeWatcher::Changes all;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred(all) && std::chrono::steady_clock::now() < deadline) {
    pollfd p{w.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      auto ch = w.read_events();
      EXPECT_TRUE(ch.ok()) << ch.status().message();
      if (ch.ok()) all.merge(*ch);
    }
  }
  return all;
}

TEST(TreeWatcher, WatchesWhatTheWalkerEntersAndFollowsChanges) {
  TempDir d;
  d.write(".gitignore", "build/\n*.tmp\n");
  d.write("src/a.js", "a");
  d.write("build/out.js", "x");
  d.write(".git/HEAD", "ref");
  d.write(".pampax/index.db", "");
  d.write("docs/api/x.md", "x");
  auto w = TreeWatcher::open(d.path());
  ASSERT_TRUE(w.ok()) << w.status().message();
  TreeWatcher& tw = **w;
  EXPECT_EQ(tw.watched_dirs(), 4u);  // root, src, docs, docs/api
  EXPECT_TRUE(tw.ignored("build", true));
  EXPECT_TRUE(tw.ignored("src/x.tmp", false));
  EXPECT_TRUE(tw.ignored(".git/HEAD", false));
  EXPECT_TRUE(tw.ignored(".pampax/index.db", false));
  EXPECT_TRUE(tw.ignored("src/.git", true));
  EXPECT_FALSE(tw.ignored("src/a.js", false));

  // A file change is an event with its path; ignored files are not events.
  d.write("src/x.tmp", "ignored");
  d.write("build/more.js", "ignored, and build/ is not watched");
  d.write("src/a.js", "changed");
  auto ch = collect(tw, [](const auto& c) { return c.paths.count("src/a.js") > 0; });
  EXPECT_EQ(ch.paths, std::set<std::string>{"src/a.js"});
  EXPECT_FALSE(ch.dirs_changed);

  // A new directory is a hint; rescan() watches it.
  fs::create_directories(d / "src/new/deeper");
  ch = collect(tw, [](const auto& c) { return c.dirs_changed; });
  EXPECT_TRUE(ch.dirs_changed);
  ASSERT_TRUE(tw.rescan().ok());
  EXPECT_EQ(tw.watched_dirs(), 6u);
  d.write("src/new/deeper/f.js", "f");
  ch = collect(tw, [](const auto& c) { return c.paths.count("src/new/deeper/f.js") > 0; });
  EXPECT_EQ(ch.paths.count("src/new/deeper/f.js"), 1u);

  // Ignore rules: an edit is a hint; after rescan() newly ignored directories are dropped
  // and newly un-ignored ones watched.
  d.write(".gitignore", "docs/\n");
  ch = collect(tw, [](const auto& c) { return c.rules_changed; });
  EXPECT_TRUE(ch.rules_changed);
  ASSERT_TRUE(tw.rescan().ok());
  EXPECT_EQ(tw.watched_dirs(), 5u);  // root, src, src/new, src/new/deeper, build
  EXPECT_TRUE(tw.ignored("docs/api/x.md", false));
  EXPECT_FALSE(tw.ignored("build/out.js", false));

  // A moved directory keeps its watch under the new path after rescan().
  fs::rename(d / "src/new", d / "src/renamed");
  ch = collect(tw, [](const auto& c) { return c.dirs_changed; });
  ASSERT_TRUE(tw.rescan().ok());
  EXPECT_EQ(tw.watched_dirs(), 5u);
  d.write("src/renamed/deeper/g.js", "g");
  ch = collect(tw, [](const auto& c) { return c.paths.count("src/renamed/deeper/g.js") > 0; });
  EXPECT_EQ(ch.paths.count("src/renamed/deeper/g.js"), 1u);
}

TEST(TreeWatcher, LimitIsAClearError) {
  TempDir d;
  d.write("a/b/c/x.js", "x");
  auto w = TreeWatcher::open(d.path(), /*max_watches=*/3);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("--max-watches limit (3) is reached"), std::string::npos)
      << w.status().message();
  EXPECT_NE(w.status().message().find("sysctl fs.inotify.max_user_watches"), std::string::npos);
  EXPECT_TRUE(TreeWatcher::open(d.path(), 4).ok());
}

// A small tree of Python functions whose words recur (the builtin model needs terms seen in
// two chunks or more).
void write_repo(const TempDir& d) {
  for (int i = 0; i < 12; ++i)
    d.write("pkg/m" + std::to_string(i) + ".py",
            "def parse_config_" + std::to_string(i) + "(path):\n    \"\"\"Read the config file and "
            "parse its rows.\"\"\"\n    rows = open(path).read().split()\n    return rows\n\n"
            "def write_cache_" + std::to_string(i) + "(rows):\n    \"\"\"Write the rows to the "
            "cache.\"\"\"\n    return len(rows)\n");
}

// run_watch's first update on `root`, then stop: what it reported.
WatchUpdate first_watch_update(Engine& engine) {
  int stop[2];
  EXPECT_EQ(::pipe(stop), 0);
  WatchUpdate first;
  WatchOptions opt;
  opt.debounce = std::chrono::milliseconds(10);
  Status st = run_watch(engine, opt, stop[0], [&](const WatchUpdate& u) {
    first = u;
    EXPECT_EQ(::write(stop[1], "x", 1), 1);
  });
  EXPECT_TRUE(st.ok()) << st.message();
  ::close(stop[0]);
  ::close(stop[1]);
  return first;
}

// The builtin default is the Engine's: a new index made by `pampax watch` gets builtin
// vectors like one made by `pampax index`.
TEST(RunWatch, NewIndexGetsBuiltinVectors) {
  TempDir d;
  write_repo(d);
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok()) << e.status().message();
  WatchUpdate u = first_watch_update(**e);
  EXPECT_TRUE(u.embed_error.empty()) << u.embed_error;
  ASSERT_TRUE(u.embed.has_value());
  EXPECT_EQ(u.embed->backend, "builtin");
  EXPECT_GT(u.embed->embedded, 0);
  auto info = (*e)->info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->embedder, "builtin");
  EXPECT_EQ(info->embed_model.rfind("builtin:", 0), 0u) << info->embed_model;
  EXPECT_EQ(info->embedded_chunks, info->counts.chunks);
  EXPECT_GT(info->counts.chunks, 0);
}

// An index opted out with `--embed none` (Engine::disable_embeddings) stays without vectors.
TEST(RunWatch, OptedOutIndexStaysWithoutVectors) {
  TempDir d;
  write_repo(d);
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ASSERT_TRUE((*e)->disable_embeddings().ok());
  WatchUpdate u = first_watch_update(**e);
  EXPECT_TRUE(u.embed_error.empty()) << u.embed_error;
  EXPECT_FALSE(u.embed.has_value());
  EXPECT_GT(u.report.files_indexed, 0u);
  auto info = (*e)->info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->embedder, "");
  EXPECT_EQ(info->embed_model, "");
  EXPECT_EQ(info->embedded_chunks, 0);
  auto n = (*e)->store().db().must_prepare("SELECT count(*) FROM embeddings");
  ASSERT_TRUE(n.step());
  EXPECT_EQ(n.col_int(0), 0);
}

}  // namespace
}  // namespace pampax
