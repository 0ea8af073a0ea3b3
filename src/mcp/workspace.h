// The repository that an MCP session (or the HTTP server) serves, shared by all its requests.
//
// An Engine is used by one thread at a time, so the workspace keeps one read Engine for
// queries behind a mutex, and an index/update run opens its own write Engine on the calling
// thread: SQLite's WAL lets the reader keep answering (from the last committed state) while
// the writer works, so a long index call never blocks searches. After a run the reader is
// reopened so that it sees the new data and vectors.
//
// Threading: every method may be called from any thread.
#pragma once
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "core/engine.h"
#include "core/health.h"
#include "util/status.h"

namespace pampax::mcp {

class Workspace {
 public:
  explicit Workspace(std::filesystem::path root);
  ~Workspace();

  const std::filesystem::path& root() const { return root_; }

  // Runs fn with the read Engine, holding the read lock (queries are serialised; each takes
  // milliseconds). Errors: kNotFound when there is no index yet (the message says to call
  // index_project), or whatever Engine::open and fn return.
  Status with_reader(const std::function<Status(Engine&)>& fn);

  struct RunReport {
    IndexReport index;
    std::optional<EmbedReport> embed;  // absent when the index opted out of embeddings
  };
  // index_project (update == false) / update_project (update == true): brings the index up to
  // date, then computes missing vectors with the index's embedder (Engine::embed_after_index:
  // the builtin one on an index that never chose; none when it opted out).
  // A call made while another run is in progress waits for it. Errors: kNotFound for update
  // without an index; kCancelled when *cancel became true (committed work is kept); Engine's errors.
  Result<RunReport> run_index(bool update, bool force, ProgressSink* progress,
                              const std::atomic<bool>* cancel);
  bool indexing() const { return indexing_.load(); }

  // core/health.h's report on this repository, checked with the read Engine (so the servers
  // and `pampax health` agree); when the Engine cannot be opened (no index, damaged file),
  // check_health opens the index itself and reports why. Never fails.
  HealthReport health(const HealthOptions& options);

 private:
  std::filesystem::path root_;
  std::mutex read_mu_;
  std::unique_ptr<Engine> reader_;  // guarded by read_mu_; null until first use / after a run
  std::timed_mutex write_mu_;
  std::atomic<bool> indexing_{false};
};

}  // namespace pampax::mcp
