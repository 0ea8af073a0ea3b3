// Watch mode: keeps the index of one repository up to date while files change (Linux inotify).
//
// TreeWatcher holds one inotify watch per directory of the tree that the walker would descend
// into (the same .gitignore / .pampaxignore / .git/info/exclude rules; `.git` and `.pampax` are
// never watched) and turns raw events into "something changed" plus hints (directories added,
// moved or removed; ignore rules edited; kernel queue overflow). run_watch() debounces those
// events and, once the tree has been quiet for `debounce` (or after `max_wait` of continuous
// changes), brings the index up to date with Engine::index: an incremental update that only
// stats unchanged files, so the set of changed paths is not needed for correctness and a
// missed event cannot leave the index wrong after the next update.
//
// Editors' atomic saves (write a temporary file, rename it over the original) arrive as
// IN_MOVED_TO of the original name; directory creations, moves and deletions and ignore-file
// edits make the watcher re-walk the directory tree (rescan()) before the update, so new
// directories are watched before the update lists their files.
//
// Threading: single-threaded; run_watch() blocks until `stop_fd` is readable or a fatal error.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/engine.h"
#include "scan/ignore.h"
#include "util/status.h"

namespace pampax {

class TreeWatcher {
 public:
  // What a batch of events means for the index.
  struct Changes {
    uint64_t events = 0;           // events that concern indexed content
    std::set<std::string> paths;   // relative paths of changed files (a sample for logs; at
                                   // most kMaxPaths are kept)
    bool dirs_changed = false;     // a directory appeared, moved or vanished: rescan()
    bool rules_changed = false;    // an ignore file changed: rescan() (re-reads the rules)
    bool overflow = false;         // the kernel dropped events: rescan() and update everything
    bool root_gone = false;        // the watched root itself was deleted or moved away
    bool any() const { return events > 0 || dirs_changed || rules_changed || overflow; }
    void merge(const Changes& o);
  };
  static constexpr size_t kMaxPaths = 64;

  // Watches every directory of `root` that the walker would enter. `max_watches` > 0 caps
  // the number of watched directories (beyond it the same error as the kernel limit).
  // Errors: kIoError when inotify is unavailable (too many instances) or a directory cannot be
  // watched; kUnsupported with the sysctl that raises it when the watch limit is exhausted.
  static Result<std::unique_ptr<TreeWatcher>> open(const std::filesystem::path& root,
                                                   size_t max_watches = 0);
  ~TreeWatcher();
  TreeWatcher(const TreeWatcher&) = delete;
  TreeWatcher& operator=(const TreeWatcher&) = delete;

  // The inotify descriptor: readable when events are pending (poll it).
  int fd() const { return fd_; }
  // Reads every pending event without blocking and interprets it.
  Result<Changes> read_events();
  // Re-reads the ignore rules and walks the directory tree again: watches new directories,
  // drops watches of removed or now-ignored ones, and refreshes the paths of moved ones.
  Status rescan();
  size_t watched_dirs() const { return dirs_.size(); }
  // True when `rel` (a path relative to the root) is ignored by the current rules or lies
  // under .git/.pampax.
  bool ignored(std::string_view rel, bool is_dir) const;

 private:
  TreeWatcher(std::filesystem::path root, int fd, size_t max_watches)
      : root_(std::move(root)), fd_(fd), max_watches_(max_watches) {}
  Status load_rules();
  // Watches `rel` and, recursively, its subdirectories that are not ignored, into `seen`.
  Status watch_tree(const std::string& rel, std::map<int, std::string>& seen);
  Status limit_error(const std::string& rel) const;

  std::filesystem::path root_;
  int fd_ = -1;
  size_t max_watches_ = 0;
  std::map<int, std::string> dirs_;  // watch descriptor -> directory ("" = root, else "a/b")
  IgnoreTree rules_;
};

struct WatchOptions {
  IndexOptions index;                              // options of every update
  std::chrono::milliseconds debounce{200};         // quiet time before an update
  std::chrono::milliseconds max_wait{2000};        // longest delay under continuous changes
  size_t max_watches = 0;                          // 0 = only the kernel's limit
  // Keep embeddings current with the index's embedder (Engine::embed_after_index: the builtin
  // one on an index that never chose; none when it opted out with `--embed none`).
  bool embed = true;
};

struct WatchUpdate {
  bool initial = false;        // the update run when watching starts
  TreeWatcher::Changes changes;
  IndexReport report;
  std::optional<EmbedReport> embed;  // absent: not run, or the index opted out
  std::string embed_error;     // the embedding pass failed (lexical index is still current)
  size_t watched_dirs = 0;
  double seconds = 0;          // update (and embedding) time
};

// Watches engine.root() until `stop_fd` becomes readable (returns Ok) or a fatal error
// (watch limit, root removed, database error). Runs one update at start, then one per settled
// batch of changes; `on_update` is called after each (from this thread), `on_ready` once the
// watches are in place and the first update is done. REQUIRES: engine opened in kWrite mode.
Status run_watch(Engine& engine, const WatchOptions& options, int stop_fd,
                 const std::function<void(const WatchUpdate&)>& on_update,
                 const std::function<void(size_t watched_dirs)>& on_ready = {});

}  // namespace pampax
