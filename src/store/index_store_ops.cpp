// IndexStore: the operations block (maintenance, cache tables, persisted metrics). Declared
// at the end of index_store.h.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "store/index_store.h"

namespace pampax {
namespace {

namespace fs = std::filesystem;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Bookkeeping writes wait only briefly for another writer (see kOpsBusyMs).
class ShortBusy {
 public:
  explicit ShortBusy(Db& db) : db_(db) { db_.set_busy_timeout(IndexStore::kOpsBusyMs); }
  ~ShortBusy() { db_.set_busy_timeout(Db::kDefaultBusyMs); }

 private:
  Db& db_;
};

// Runs `body` in a write transaction; a no-op failure when this connection is already inside
// one (bookkeeping never joins a caller's transaction).
template <class F>
Status in_transaction(Db& db, F&& body) {
  if (!sqlite3_get_autocommit(db.raw()))
    return Unsupported("a transaction is open on this connection");
  PAMPAX_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  Status st = body();
  if (!st.ok()) {
    db.exec("ROLLBACK");
    return st;
  }
  st = db.exec("COMMIT");
  if (!st.ok()) db.exec("ROLLBACK");
  return st;
}

std::string join_counts(const std::vector<uint64_t>& counts) {
  std::string s;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(counts[i]);
  }
  return s;
}

std::vector<uint64_t> split_counts(std::string_view s) {
  std::vector<uint64_t> out;
  size_t i = 0;
  while (i <= s.size() && !s.empty()) {
    size_t comma = s.find(',', i);
    if (comma == std::string_view::npos) comma = s.size();
    out.push_back(std::strtoull(std::string(s.substr(i, comma - i)).c_str(), nullptr, 10));
    i = comma + 1;
  }
  return out;
}

}  // namespace

Result<int64_t> IndexStore::generation() {
  auto v = meta("index_generation");
  return v ? std::atoll(v->c_str()) : int64_t{0};
}

Result<std::string> IndexStore::quick_check() {
  std::string problems;
  Stmt q = db_->must_prepare("PRAGMA quick_check");
  while (q.step()) {
    std::string_view line = q.col_text(0);
    if (line != "ok") {
      problems += line;
      problems += '\n';
    }
  }
  if (!q.last_status().ok()) return q.last_status();
  return problems.empty() ? std::string("ok") : problems;
}

Status IndexStore::optimize() {
  PAMPAX_RETURN_IF_ERROR(db_->exec("ANALYZE"));
  PAMPAX_RETURN_IF_ERROR(db_->exec("PRAGMA optimize"));
  PAMPAX_RETURN_IF_ERROR(db_->exec("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')"));
  return db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Status IndexStore::vacuum() {
  PAMPAX_RETURN_IF_ERROR(db_->exec("VACUUM"));
  return db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

uint64_t IndexStore::file_bytes() {
  uint64_t total = 0;
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    auto n = fs::file_size(db_->path() + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

Status IndexStore::backup_to(const std::string& dest, int pages_per_step) {
  if (dest.empty()) return InvalidArgument("no backup file given");
  std::error_code ec;
  fs::path target = fs::weakly_canonical(fs::absolute(dest, ec), ec);
  fs::path live = fs::weakly_canonical(fs::absolute(db_->path(), ec), ec);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (target == fs::path(live.string() + suffix))
      return InvalidArgument("refusing to back up the index onto itself (" + target.string() +
                             "): choose another file with --to");
  if (fs::exists(target, ec) || fs::is_symlink(target, ec))
    return InvalidArgument(target.string() + " exists already: choose another file or remove it "
                           "(a backup never overwrites a file)");
  if (!fs::is_directory(target.parent_path(), ec))
    return NotFound("the backup's directory does not exist: " + target.parent_path().string());
  std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove(tmp, ec);
  sqlite3* out = nullptr;
  int rc = sqlite3_open_v2(tmp.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  auto cleanup = [&](Status st) {
    if (out) sqlite3_close_v2(out);
    out = nullptr;
    std::error_code e;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(tmp + suffix, e);
    return st;
  };
  if (rc != SQLITE_OK)
    return cleanup(IoError("cannot create " + tmp + ": " + sqlite3_errstr(rc)));
  sqlite3_backup* b = sqlite3_backup_init(out, "main", db_->raw(), "main");
  if (!b) return cleanup(IoError(std::string("cannot start the backup: ") + sqlite3_errmsg(out)));
  for (;;) {
    rc = sqlite3_backup_step(b, pages_per_step);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      sqlite3_sleep(20);
      continue;
    }
    break;
  }
  int finish = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE || finish != SQLITE_OK)
    return cleanup(IoError("backup to " + target.string() + " failed: " +
                           sqlite3_errstr(rc != SQLITE_DONE ? rc : finish)));
  // The copy carries the source's WAL flag; a backup is one self-contained file.
  char* err = nullptr;
  rc = sqlite3_exec(out, "PRAGMA journal_mode=DELETE", nullptr, nullptr, &err);
  std::string why = err ? err : "";
  sqlite3_free(err);
  if (rc != SQLITE_OK) return cleanup(IoError("cannot finish the backup file: " + why));
  rc = sqlite3_close_v2(out);
  out = nullptr;
  if (rc != SQLITE_OK) return cleanup(IoError("cannot close the backup file"));
  // Make the bytes durable before the name points at them.
  if (FILE* f = std::fopen(tmp.c_str(), "rb")) {
    ::fsync(fileno(f));
    std::fclose(f);
  }
  fs::rename(tmp, target, ec);
  if (ec) return cleanup(IoError("cannot rename " + tmp + " to " + target.string() + ": " + ec.message()));
  return Status::Ok();
}

Result<std::vector<IndexStore::QueryPlan>> IndexStore::hot_query_plans() {
  // The hot reads, spelled as the code spells them (index_store.cpp, lexical.cpp) and as the
  // MCP/HTTP symbol lookups will.
  static const std::pair<const char*, const char*> kQueries[] = {
      {"chunk metadata by ids",
       "SELECT c.id, f.path, f.lang, c.kind, c.name, c.qualified_name, c.start_line, c.end_line, "
       "c.tokens FROM chunks c JOIN files f ON f.id = c.file_id "
       "WHERE c.id IN (SELECT value FROM json_each(?1))"},
      {"chunk with text by id",
       "SELECT c.id, f.path, t.data, s.sig_start FROM chunks c JOIN files f ON f.id = c.file_id "
       "JOIN file_text t ON t.file_id = c.file_id LEFT JOIN symbols s ON s.id = c.symbol_id "
       "WHERE c.id = ?1"},
      {"file by path", "SELECT id FROM files WHERE path=?1"},
      {"chunks of a file", "SELECT id FROM chunks WHERE file_id=?1"},
      {"symbols by name",
       "SELECT id, file_id, kind, start_line, end_line FROM symbols WHERE name = ?1"},
      {"refs by symbol", "SELECT file_id, lines FROM refs WHERE symbol_name = ?1"},
      {"embedding by model and hash", "SELECT vec FROM embeddings WHERE model = ?1 AND hash = ?2"},
      {"pending embeddings",
       "SELECT c.id, c.hash FROM chunks c WHERE c.id > ?2 AND NOT EXISTS "
       "(SELECT 1 FROM embeddings e WHERE e.model = ?1 AND e.hash = c.hash) ORDER BY c.id LIMIT ?3"},
      {"hot term", "SELECT df, top FROM hot_terms WHERE term=?1"},
      {"query expansion", "SELECT terms FROM expansions WHERE word = ?1"},
      {"query cache entry",
       "SELECT request, generation, result, created_at FROM query_cache WHERE key = ?1"},
  };
  std::vector<QueryPlan> out;
  for (const auto& [name, sql] : kQueries) {
    QueryPlan p;
    p.name = name;
    p.sql = sql;
    auto q = db_->prepare(std::string("EXPLAIN QUERY PLAN ") + sql);
    if (!q.ok()) return q.status();
    while (q->step()) {
      std::string detail(q->col_text(3));
      // A SCAN of a table or index reads all of it; json_each (the id list) and constant
      // rows are not tables.
      if (detail.rfind("SCAN ", 0) == 0 && detail.find("VIRTUAL TABLE") == std::string::npos &&
          detail != "SCAN CONSTANT ROW")
        p.full_scan = true;
      p.steps.push_back(std::move(detail));
    }
    if (!q->last_status().ok()) return q->last_status();
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::optional<IndexStore::CachedResult>> IndexStore::query_cache_get(
    uint64_t key, std::string_view request) {
  Stmt q = db_->must_prepare(
      "SELECT request, generation, result, created_at FROM query_cache WHERE key = ?1");
  q.bind(1, static_cast<int64_t>(key));
  std::optional<CachedResult> out;
  if (q.step() && q.col_blob(0) == request)
    out = CachedResult{std::string(q.col_blob(2)), q.col_int(1), q.col_int(3)};
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Status IndexStore::query_cache_save(const std::vector<CacheWrite>& entries,
                                    const std::vector<uint64_t>& touched, int64_t max_entries,
                                    int64_t max_bytes, int64_t ttl_seconds) {
  if (entries.empty() && touched.empty()) return Status::Ok();
  ShortBusy busy(*db_);
  return in_transaction(*db_, [&]() -> Status {
    int64_t ms = now_ms();
    Stmt ins = db_->must_prepare(
        "INSERT OR REPLACE INTO query_cache(key, request, generation, result, created_at, used_at, "
        "hits) VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0)");
    // Only entries of the current generation are worth a row (others are never served).
    auto current = generation();
    if (!current.ok()) return current.status();
    for (const CacheWrite& e : entries) {
      if (e.generation != *current) continue;
      ins.bind(1, static_cast<int64_t>(e.key)).bind_blob(2, e.request).bind(3, e.generation);
      ins.bind_blob(4, e.result).bind(5, e.created_at).bind(6, ms);
      PAMPAX_RETURN_IF_ERROR(ins.run());
    }
    Stmt hit = db_->must_prepare("UPDATE query_cache SET hits = hits + 1, used_at = ?2 WHERE key = ?1");
    for (uint64_t k : touched) {
      hit.bind(1, static_cast<int64_t>(k)).bind(2, ms);
      PAMPAX_RETURN_IF_ERROR(hit.run());
    }
    Stmt old = db_->must_prepare("DELETE FROM query_cache WHERE generation <> ?1");
    old.bind(1, *current);
    PAMPAX_RETURN_IF_ERROR(old.run());
    Stmt expired = db_->must_prepare("DELETE FROM query_cache WHERE created_at < ?1");
    expired.bind(1, ms / 1000 - ttl_seconds);
    PAMPAX_RETURN_IF_ERROR(expired.run());
    Stmt lru = db_->must_prepare(
        "DELETE FROM query_cache WHERE key IN (SELECT key FROM (SELECT key, "
        "row_number() OVER w AS n, sum(length(result) + length(request)) OVER w AS run "
        "FROM query_cache WINDOW w AS (ORDER BY used_at DESC, key)) WHERE n > ?1 OR run > ?2)");
    lru.bind(1, max_entries).bind(2, max_bytes);
    return lru.run();
  });
}

Result<IndexStore::CacheTableStats> IndexStore::query_cache_stats() {
  auto gen = generation();
  if (!gen.ok()) return gen.status();
  Stmt q = db_->must_prepare(
      "SELECT count(*), coalesce(sum(length(result) + length(request)), 0), "
      "coalesce(sum(generation <> ?1), 0) FROM query_cache");
  q.bind(1, *gen);
  CacheTableStats s;
  if (q.step()) {
    s.entries = q.col_int(0);
    s.bytes = q.col_int(1);
    s.stale = q.col_int(2);
  }
  if (!q.last_status().ok()) return q.last_status();
  return s;
}

Status IndexStore::query_cache_clear() { return db_->exec("DELETE FROM query_cache"); }

Result<IndexStore::EmbedCacheStats> IndexStore::embedding_cache_stats(const std::string& model) {
  EmbedCacheStats s;
  Stmt q = db_->must_prepare(
      "SELECT count(*), coalesce(sum(length(vec)), 0), coalesce(sum(model <> ?1), 0) "
      "FROM embeddings");
  q.bind(1, model);
  if (q.step()) {
    s.entries = q.col_int(0);
    s.bytes = q.col_int(1);
    s.other_models = q.col_int(2);
  }
  if (!q.last_status().ok()) return q.last_status();
  Stmt r = db_->must_prepare(
      "SELECT count(*) FROM embeddings e WHERE e.model = ?1 AND "
      "EXISTS (SELECT 1 FROM chunks c WHERE c.hash = e.hash)");
  r.bind(1, model);
  if (r.step()) s.referenced = r.col_int(0);
  if (!r.last_status().ok()) return r.last_status();
  s.unreferenced = s.entries - s.other_models - s.referenced;
  return s;
}

Status IndexStore::clear_embeddings() {
  return in_transaction(*db_, [&]() -> Status {
    PAMPAX_RETURN_IF_ERROR(db_->exec("DELETE FROM embeddings"));
    return db_->exec("DELETE FROM meta WHERE key IN ('embed_model', 'embed_cache_mark')");
  });
}

Status IndexStore::merge_metrics(const std::vector<MetricValueRow>& values,
                                 const std::vector<MetricHistogramRow>& histograms) {
  if (values.empty() && histograms.empty()) return Status::Ok();
  ShortBusy busy(*db_);
  return in_transaction(*db_, [&]() -> Status {
    int64_t now = now_ms() / 1000;
    Stmt counter = db_->must_prepare(
        "INSERT INTO metric_values(name, labels, kind, value, updated_at) VALUES(?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(name, labels) DO UPDATE SET value = value + excluded.value, "
        "kind = excluded.kind, updated_at = excluded.updated_at");
    Stmt gauge = db_->must_prepare(
        "INSERT OR REPLACE INTO metric_values(name, labels, kind, value, updated_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5)");
    for (const MetricValueRow& v : values) {
      Stmt& q = v.kind == "counter" ? counter : gauge;
      q.bind(1, v.name).bind(2, v.labels).bind(3, v.kind).bind(4, v.value).bind(5, now);
      PAMPAX_RETURN_IF_ERROR(q.run());
    }
    Stmt sel = db_->must_prepare(
        "SELECT counts, sum, count, max FROM metric_histograms WHERE name = ?1 AND labels = ?2");
    Stmt put = db_->must_prepare(
        "INSERT OR REPLACE INTO metric_histograms(name, labels, counts, sum, count, max, updated_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (const MetricHistogramRow& h : histograms) {
      MetricHistogramRow merged = h;
      sel.bind(1, h.name).bind(2, h.labels);
      if (sel.step()) {
        std::vector<uint64_t> old = split_counts(sel.col_text(0));
        if (old.size() == merged.counts.size())
          for (size_t i = 0; i < old.size(); ++i) merged.counts[i] += old[i];
        merged.sum += sel.col_double(1);
        merged.count += static_cast<uint64_t>(sel.col_int(2));
        merged.max = std::max(merged.max, sel.col_double(3));
      }
      Status st = sel.last_status();
      sel.reset();
      PAMPAX_RETURN_IF_ERROR(st);
      put.bind(1, merged.name).bind(2, merged.labels).bind(3, join_counts(merged.counts));
      put.bind(4, merged.sum).bind(5, static_cast<int64_t>(merged.count)).bind(6, merged.max);
      put.bind(7, now);
      PAMPAX_RETURN_IF_ERROR(put.run());
    }
    return Status::Ok();
  });
}

Status IndexStore::load_metrics(std::vector<MetricValueRow>* values,
                                std::vector<MetricHistogramRow>* histograms) {
  values->clear();
  histograms->clear();
  Stmt v = db_->must_prepare("SELECT name, labels, kind, value FROM metric_values ORDER BY name, labels");
  while (v.step())
    values->push_back({std::string(v.col_text(0)), std::string(v.col_text(1)),
                       std::string(v.col_text(2)), v.col_double(3)});
  PAMPAX_RETURN_IF_ERROR(v.last_status());
  Stmt h = db_->must_prepare(
      "SELECT name, labels, counts, sum, count, max FROM metric_histograms ORDER BY name, labels");
  while (h.step()) {
    MetricHistogramRow r;
    r.name = h.col_text(0);
    r.labels = h.col_text(1);
    r.counts = split_counts(h.col_text(2));
    r.sum = h.col_double(3);
    r.count = static_cast<uint64_t>(h.col_int(4));
    r.max = h.col_double(5);
    histograms->push_back(std::move(r));
  }
  return h.last_status();
}

Status IndexStore::clear_metrics(const std::string& prefix) {
  for (const char* sql : {"DELETE FROM metric_values WHERE substr(name, 1, length(?1)) = ?1",
                          "DELETE FROM metric_histograms WHERE substr(name, 1, length(?1)) = ?1"}) {
    Stmt q = db_->must_prepare(sql);
    q.bind(1, prefix);
    PAMPAX_RETURN_IF_ERROR(q.run());
  }
  return Status::Ok();
}

}  // namespace pampax
