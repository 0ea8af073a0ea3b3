// `pampax watch` end to end: the real binary watches a temporary repository while the test
// makes each kind of change an editor, a VCS or a build makes, and waits (bounded polling)
// until `pampax search` reflects it.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "../process_util.h"
#include "../test_util.h"
#include "bg_process.h"
#include "store/index_store.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::BgProcess;
using testing::run_process;
using testing::TempDir;
using testing::wait_until;
namespace fs = std::filesystem;

// Paths of the chunks whose text matches `query` (bm25), or {"<error>"} when search failed.
std::set<std::string> found(const fs::path& root, const std::string& query) {
  auto r = run_process({PAMPAX_BINARY, "search", query, "-p", root.string(), "-o", "json", "-m",
                        "bm25", "-n", "100"});
  if (r.exit_code != 0) return {"<error: " + r.err + ">"};
  std::set<std::string> paths;
  json j = json::parse(r.out);
  for (const json& h : j["results"]) paths.insert(h["path"].get<std::string>());
  return paths;
}

// Marker names are single lowercase words: no identifier parts or stems shared between them,
// with paths or with other files, so a query finds exactly the files that define it.
std::string fn(const std::string& name) { return "function " + name + "() { return 42; }\n"; }

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo.write(".gitignore", "node_modules/\n*.log\n");
    repo.write("src/app.js", fn("qqalpha"));
    repo.write("src/util/strings.js", fn("qqbravo"));
    repo.write("node_modules/dep/index.js", fn("qqcharlie"));
    repo.write("lib/empty/.keep", "");
  }
  // Starts `pampax watch` and waits for its "watching" line.
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {PAMPAX_BINARY, "watch", root().string(), "--debounce-ms", "50",
                                     "-o", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    watch = std::make_unique<BgProcess>(argv, logs / "out", logs / "err");
    ASSERT_TRUE(wait_until([&] { return watch->err().find("watching") != std::string::npos || !watch->running(); }))
        << watch->err();
    ASSERT_TRUE(watch->running()) << watch->err();
  }
  fs::path root() const { return repo.path(); }
  // Waits until `query` finds exactly `paths`.
  void expect_found(const std::string& query, const std::set<std::string>& paths) {
    std::set<std::string> last;
    bool ok = wait_until([&] { return (last = found(root(), query)) == paths; });
    std::string got;
    for (const auto& p : last) got += p + " ";
    EXPECT_TRUE(ok) << "query " << query << " finds: " << got << "\nwatch log:\n" << watch->err();
  }
  TempDir repo, logs;
  std::unique_ptr<BgProcess> watch;
};

TEST_F(WatchTest, EveryKindOfChangeReachesSearch) {
  start();
  // root, src, src/util, lib, lib/empty: node_modules and .pampax are not watched.
  EXPECT_NE(watch->err().find("(5 directories)"), std::string::npos) << watch->err();
  expect_found("qqalpha", {"src/app.js"});
  expect_found("qqcharlie", {});

  // New file; in-place edit.
  repo.write("src/new.js", fn("qqdelta"));
  expect_found("qqdelta", {"src/new.js"});
  repo.write("src/new.js", fn("qqecho"));
  expect_found("qqecho", {"src/new.js"});
  expect_found("qqdelta", {});

  // An editor's atomic save: write a temporary file, rename it over the original.
  repo.write("src/.app.js.swp", fn("qqfoxtrot"));
  fs::rename(repo / "src/.app.js.swp", repo / "src/app.js");
  expect_found("qqfoxtrot", {"src/app.js"});
  expect_found("qqalpha", {});

  // Rename and delete.
  fs::rename(repo / "src/new.js", repo / "src/renamed.js");
  expect_found("qqecho", {"src/renamed.js"});
  fs::remove(repo / "src/renamed.js");
  expect_found("qqecho", {});

  // New nested directories (created and filled before the watcher can add them), and a file
  // in an existing empty directory.
  fs::create_directories(repo / "pkg/a/b/c");
  repo.write("pkg/a/b/c/deep.js", fn("qqgolf"));
  expect_found("qqgolf", {"pkg/a/b/c/deep.js"});
  repo.write("pkg/a/b/c/d/deeper.js", fn("qqhotel"));
  expect_found("qqhotel", {"pkg/a/b/c/d/deeper.js"});
  repo.write("lib/empty/first.js", fn("qqindia"));
  expect_found("qqindia", {"lib/empty/first.js"});

  // A directory renamed, then later changes inside it under its new name.
  fs::rename(repo / "pkg/a", repo / "pkg/moved");
  expect_found("qqgolf", {"pkg/moved/b/c/deep.js"});
  repo.write("pkg/moved/b/c/later.js", fn("qqjuliet"));
  expect_found("qqjuliet", {"pkg/moved/b/c/later.js"});

  // Ignored places: nothing under node_modules or *.log is indexed. The visible file written
  // afterwards is the barrier: once it is found, the ignored ones had their chance.
  repo.write("node_modules/dep/more.js", fn("qqkilo"));
  repo.write("src/debug.log", "ignoredLogLine\n");
  repo.write("src/barrier.js", fn("qqmike"));
  expect_found("qqmike", {"src/barrier.js"});
  expect_found("qqkilo", {});
  expect_found("qqlima", {});

  // .gitignore edits: a rule added drops files, removed brings them back, and a directory
  // un-ignored is watched from then on.
  repo.write(".gitignore", "node_modules/\n*.log\npkg/\n");
  expect_found("qqgolf", {});
  repo.write(".gitignore", "*.log\n");
  expect_found("qqgolf", {"pkg/moved/b/c/deep.js"});
  expect_found("qqcharlie", {"node_modules/dep/index.js"});
  repo.write("node_modules/dep/later.js", fn("qqnovember"));
  expect_found("qqnovember", {"node_modules/dep/later.js"});

  // A directory deleted with everything in it.
  fs::remove_all(repo / "pkg");
  expect_found("qqgolf", {});
  expect_found("qqjuliet", {});

  // SIGTERM: a clean stop, an intact index.
  watch->signal(SIGTERM);
  EXPECT_EQ(watch->wait_exit(std::chrono::seconds(30)), 0) << watch->err();
  EXPECT_NE(watch->err().find("stopped"), std::string::npos);
  // (read-write: FTS5's integrity check is written as an INSERT)
  auto store = IndexStore::open((root() / ".pampax/index.db").string(), Db::Mode::kReadWrite);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto check = (*store)->integrity_check();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check, "ok");
  // One JSON object per update on stdout.
  int updates = 0;
  std::string out = watch->out(), line;
  for (size_t p = 0; p < out.size();) {
    size_t nl = out.find('\n', p);
    json j = json::parse(out.substr(p, nl - p));
    EXPECT_TRUE(j.contains("files_indexed"));
    ++updates;
    p = nl + 1;
  }
  EXPECT_GE(updates, 10);
}

TEST_F(WatchTest, SigintStopsCleanly) {
  start();
  watch->signal(SIGINT);
  EXPECT_EQ(watch->wait_exit(std::chrono::seconds(30)), 0) << watch->err();
  EXPECT_NE(watch->err().find("stopped"), std::string::npos) << watch->err();
}

TEST_F(WatchTest, WatchLimitIsAClearError) {
  auto r = run_process({PAMPAX_BINARY, "watch", root().string(), "--max-watches", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--max-watches limit (2) is reached"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fs.inotify.max_user_watches"), std::string::npos) << r.err;
}

TEST_F(WatchTest, MissingPathIsAClearError) {
  auto r = run_process({PAMPAX_BINARY, "watch", (root() / "nope").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("path does not exist"), std::string::npos) << r.err;
}

TEST_F(WatchTest, RemovedRootStopsWithAnError) {
  start();
  fs::remove_all(root());
  EXPECT_EQ(watch->wait_exit(std::chrono::seconds(30)), 1) << watch->err();
  EXPECT_NE(watch->err().find("was deleted or moved away"), std::string::npos) << watch->err();
}

}  // namespace
}  // namespace pampax
