#include "mcp/workspace.h"

namespace pampax::mcp {

Workspace::Workspace(std::filesystem::path root) : root_(std::move(root)) {}
Workspace::~Workspace() = default;

Status Workspace::with_reader(const std::function<Status(Engine&)>& fn) {
  std::lock_guard<std::mutex> lock(read_mu_);
  if (!reader_) {
    auto e = Engine::open(root_, Engine::Mode::kRead);
    if (!e.ok()) {
      if (e.status().code() == Code::kNotFound && std::filesystem::exists(root_))
        return NotFound("the repository " + root_.string() +
                        " has no index yet: call the index_project tool (or run `pampax index`)" +
                        (indexing_ ? "; an index run is in progress now" : ""));
      return e.status();
    }
    reader_ = std::move(*e);
  }
  return fn(*reader_);
}

HealthReport Workspace::health(const HealthOptions& options) {
  HealthReport r;
  Status st = with_reader([&](Engine& e) -> Status {
    r = check_health(root_, options, &e);
    return Status::Ok();
  });
  if (!st.ok()) r = check_health(root_, options, nullptr);
  return r;
}

Result<Workspace::RunReport> Workspace::run_index(bool update, bool force, ProgressSink* progress,
                                                  const std::atomic<bool>* cancel) {
  // One run at a time: a second call waits for the first (a cancelled run stops within a
  // batch), then brings the index up to date itself, which is then quick.
  std::unique_lock<std::timed_mutex> lock(write_mu_, std::defer_lock);
  while (!lock.try_lock_for(std::chrono::milliseconds(100)))
    if (cancel && cancel->load())
      return Cancelled("cancelled while waiting for another index run to finish");
  indexing_ = true;
  struct Clear {
    std::atomic<bool>& f;
    ~Clear() { f = false; }
  } clear{indexing_};
  if (update) {
    auto probe = Engine::open(root_, Engine::Mode::kRead);
    if (!probe.ok()) {
      if (probe.status().code() == Code::kNotFound && std::filesystem::exists(root_))
        return NotFound("update_project needs an existing index: call index_project first");
      return probe.status();
    }
  }
  auto engine = Engine::open(root_, Engine::Mode::kWrite);
  if (!engine.ok()) return engine.status();
  RunReport out;
  IndexOptions opt;
  opt.force = force && !update;
  opt.progress = progress;
  opt.cancel = cancel;
  auto r = (*engine)->index(opt);
  // The reader sees committed data by itself; reopen it anyway so that cached vectors and the
  // embedder are reloaded after a change.
  auto reset_reader = [&] {
    std::lock_guard<std::mutex> rl(read_mu_);
    reader_.reset();
  };
  if (!r.ok()) {
    reset_reader();
    return r.status();
  }
  out.index = std::move(*r);
  EmbedOptions eo;  // backend "none": the index's own choice (builtin on a new index)
  eo.progress = progress;
  eo.cancel = cancel;
  eo.batch = 0;  // the backend's batch, commits about once a second
  auto e = (*engine)->embed_after_index(eo);
  if (!e.ok()) {
    reset_reader();
    return e.status();
  }
  out.embed = std::move(e).value();
  engine->reset();
  reset_reader();
  return out;
}

}  // namespace pampax::mcp
