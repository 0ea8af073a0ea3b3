#include "core/engine.h"

#include <sys/stat.h>

#include <system_error>

#include "core/indexer.h"
#include "search/searcher.h"

namespace pampax {
namespace fs = std::filesystem;

fs::path Engine::db_path_for(const fs::path& root) { return root / ".pampax" / "index.db"; }

Result<std::unique_ptr<Engine>> Engine::open(const fs::path& root_in, Mode mode) {
  std::error_code ec;
  if (!fs::exists(root_in, ec))
    return NotFound("path does not exist: " + root_in.string());
  if (!fs::is_directory(root_in, ec))
    return InvalidArgument("not a directory: " + root_in.string() +
                           " (pampax indexes a directory: pass the repository root)");
  fs::path root = fs::canonical(root_in, ec);
  if (ec) return IoError("cannot resolve " + root_in.string() + ": " + ec.message());
  fs::path db = db_path_for(root);
  bool exists = fs::exists(db, ec);
  if (mode == Mode::kRead && !exists)
    return NotFound("no pampax index in " + root.string() + " yet. Create one with: pampax index " +
                    root.string());
  if (mode == Mode::kWrite && !exists) {
    fs::create_directories(db.parent_path(), ec);
    if (ec) return IoError("cannot create " + db.parent_path().string() + ": " + ec.message());
  }
  auto store = IndexStore::open(db.string(), mode == Mode::kRead ? Db::Mode::kReadWrite
                                                                : Db::Mode::kCreate);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Engine>(new Engine(root, std::move(store).value()));
}

Result<IndexReport> Engine::index(const IndexOptions& options) {
  return run_index(root_, *store_, options);
}

Result<IndexInfo> Engine::info() {
  IndexInfo info;
  info.root = root_.string();
  info.db_path = db_path_for(root_).string();
  auto counts = store_->counts();
  if (!counts.ok()) return counts.status();
  info.counts = std::move(counts).value();
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    auto n = fs::file_size(info.db_path + suffix, ec);
    if (!ec) info.db_bytes += n;
  }
  Stmt q = store_->db().must_prepare("SELECT coalesce(sum(size),0), coalesce(sum(lines),0) FROM files");
  if (q.step()) {
    info.source_bytes = static_cast<uint64_t>(q.col_int(0));
    info.source_lines = static_cast<uint64_t>(q.col_int(1));
  }
  if (!q.last_status().ok()) return q.last_status();
  info.last_update = store_->meta("last_update").value_or("");
  info.schema_version = std::atoi(store_->meta("schema_version").value_or("0").c_str());
  return info;
}

Result<std::vector<SearchHit>> Engine::search(const SearchRequest& req) {
  Searcher searcher(*store_);
  return searcher.search(req);
}

}  // namespace pampax
