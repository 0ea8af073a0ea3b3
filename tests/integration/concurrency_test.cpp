// Searches from several processes while the index is being written, by `pampax index --force`
// runs (every file rewritten, hot-term rebuilds) and by `pampax watch` updates: every search
// must succeed (no SQLITE_BUSY or "database is locked" reaching the user) and return what the
// index holds (a marker file that is never changed is always found).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "../process_util.h"
#include "../test_util.h"
#include "bg_process.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::BgProcess;
using testing::run_process;
using testing::TempDir;
using testing::wait_until;
namespace fs = std::filesystem;

void write_files(const TempDir& repo, int files, int round) {
  for (int i = 0; i < files; ++i)
    repo.write("src/d" + std::to_string(i / 40) + "/f" + std::to_string(i) + ".py",
               "def handler_" + std::to_string(i) + "_" + std::to_string(round) +
                   "(request):\n    \"\"\"Handles a request for round " + std::to_string(round) +
                   ".\"\"\"\n    return request.payload + " + std::to_string(i) + "\n");
}

// Runs searches in `readers` threads, each spawning `pampax search` processes back to back,
// until stop is set. Records every failure.
class Searchers {
 public:
  Searchers(fs::path root, int readers) : root_(std::move(root)) {
    for (int t = 0; t < readers; ++t)
      threads_.emplace_back([this, t] {
        const char* queries[] = {"zebracornmarker", "handler request payload", "round"};
        for (int n = 0; !stop_; ++n) {
          std::string q = queries[(n + t) % 3];
          auto r = run_process({PAMPAX_BINARY, "search", q, "-p", root_.string(), "-o", "json",
                                "-n", "5"});
          ++searches_;
          std::string problem;
          if (r.exit_code != 0) problem = "exit " + std::to_string(r.exit_code) + ": " + r.err;
          else if (!r.err.empty()) problem = "stderr: " + r.err;
          else {
            try {
              json j = json::parse(r.out);
              if (q == "zebracornmarker" &&
                  (j["results"].empty() || j["results"][0]["path"] != "marker.py"))
                problem = "marker not found: " + r.out.substr(0, 300);
            } catch (const std::exception& e) {
              problem = std::string("bad JSON: ") + e.what();
            }
          }
          if (!problem.empty()) {
            std::lock_guard lk(mu_);
            errors_.push_back(q + ": " + problem);
          }
        }
      });
  }
  ~Searchers() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  int searches() const { return searches_; }
  std::vector<std::string> errors() {
    std::lock_guard lk(mu_);
    return errors_;
  }

 private:
  fs::path root_;
  std::atomic<bool> stop_{false};
  std::atomic<int> searches_{0};
  std::mutex mu_;
  std::vector<std::string> errors_;
  std::vector<std::thread> threads_;
};

TEST(Concurrency, SearchesDuringIndexingNeverFail) {
  TempDir repo;
  repo.write("marker.py", "def zebracornmarker():\n    return 1\n");
  // 1,100 files: enough for hot terms, so forced runs also rebuild the hot-term lists.
  write_files(repo, 1100, 0);
  // Lexical (remembered by the index): with the default builtin vectors a search during the
  // embedding pass rightly warns on stderr that chunks have no vector yet.
  ASSERT_EQ(run_process({PAMPAX_BINARY, "index", repo.path().string(), "-q", "--embed", "none"}).exit_code, 0);
  Searchers searchers(repo.path(), 3);
  for (int round = 1; round <= 3; ++round) {
    write_files(repo, 1100, round);
    auto r = run_process({PAMPAX_BINARY, "index", repo.path().string(), "-q", "--force"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  searchers.stop();
  auto errors = searchers.errors();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed searches of " << searchers.searches()
                              << "; first: " << errors[0];
  EXPECT_GE(searchers.searches(), 6);
  std::fprintf(stderr, "concurrency: %d searches during 3 forced index runs, %zu errors\n",
               searchers.searches(), errors.size());
}

TEST(Concurrency, SearchesDuringWatchUpdatesNeverFail) {
  TempDir repo, logs;
  repo.write("marker.py", "def zebracornmarker():\n    return 1\n");
  write_files(repo, 200, 0);
  // Lexical, as above: watch keeps a new index's builtin vectors current too, and a search
  // during its embedding pass rightly warns that chunks have no vector yet.
  ASSERT_EQ(run_process({PAMPAX_BINARY, "index", repo.path().string(), "-q", "--embed", "none"}).exit_code, 0);
  BgProcess watch({PAMPAX_BINARY, "watch", repo.path().string(), "--debounce-ms", "20"},
                  logs / "out", logs / "err");
  ASSERT_TRUE(wait_until([&] { return watch.err().find("watching") != std::string::npos || !watch.running(); }));
  ASSERT_TRUE(watch.running()) << watch.err();
  Searchers searchers(repo.path(), 3);
  for (int round = 1; round <= 20; ++round) {
    // A burst of edits, a new file and a deleted one per round.
    for (int i = round; i < 200; i += 7)
      repo.write("src/d" + std::to_string(i / 40) + "/f" + std::to_string(i) + ".py",
                 "def edited_" + std::to_string(round) + "_" + std::to_string(i) + "():\n    return 0\n");
    repo.write("new/r" + std::to_string(round) + ".py", "def fresh_" + std::to_string(round) + "(): pass\n");
    if (round > 1) fs::remove(repo / ("new/r" + std::to_string(round - 1) + ".py"));
    // Wait until this round is visible before the next one, so every round is an update.
    std::string want = "fresh_" + std::to_string(round);
    ASSERT_TRUE(wait_until([&] {
      auto r = run_process({PAMPAX_BINARY, "search", want, "-p", repo.path().string(), "-m", "symbol"});
      return r.exit_code == 0 && r.out.find("new/r" + std::to_string(round) + ".py") != std::string::npos;
    })) << watch.err();
  }
  searchers.stop();
  watch.signal(SIGINT);
  EXPECT_EQ(watch.wait_exit(std::chrono::seconds(30)), 0) << watch.err();
  auto errors = searchers.errors();
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed searches of " << searchers.searches()
                              << "; first: " << errors[0];
  std::fprintf(stderr, "concurrency: %d searches during 20 watch updates, %zu errors\n",
               searchers.searches(), errors.size());
}

}  // namespace
}  // namespace pampax
