// Thin RAII wrapper over SQLite: one Db per connection, Stmt for prepared statements.
// Every connection registers pampax's FTS5 tokenizer, so any connection can read or write
// the full-text index. A Db is used by one thread at a time (SQLite "multi-thread" mode).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace pampax {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3_stmt* s, sqlite3* db) : s_(s), db_(db) {}
  // A statement that failed to prepare: step() returns false and last_status() says why.
  explicit Stmt(Status failed) : status_(std::move(failed)) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_), db_(o.db_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Binding is 1-based, as in SQLite. Text/blob are copied (SQLITE_TRANSIENT) unless noted.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, uint32_t v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view text);
  Stmt& bind(int i, const char* text) { return bind(i, std::string_view(text)); }
  Stmt& bind_blob(int i, std::string_view bytes);
  Stmt& bind_null(int i);

  // Returns true when a row is available, false when done. Errors become a Status via
  // last_status(); step() then returns false.
  bool step();
  // Runs to completion (for statements without rows). kCorrupt for SQLITE_CORRUPT/NOTADB.
  Status run();
  void reset();
  const Status& last_status() const { return status_; }

  int64_t col_int(int i) const;
  double col_double(int i) const;
  std::string_view col_text(int i) const;  // valid until the next step/reset
  std::string_view col_blob(int i) const;
  bool col_null(int i) const;

  explicit operator bool() const { return s_ != nullptr; }

 private:
  sqlite3_stmt* s_ = nullptr;
  sqlite3* db_ = nullptr;
  Status status_;
};

class Db {
 public:
  enum class Mode { kReadOnly, kReadWrite, kCreate };

  // Opens `path`. kCreate creates the file if missing (not its directory) and is the mode of
  // the index writer; kReadWrite is for readers that may write small things (temp tables).
  // Applies pragmas (WAL, synchronous=NORMAL, busy_timeout, mmap, cache) and registers the
  // tokenizer. A file that is not SQLite gives kCorrupt with a message naming the file.
  static Result<std::unique_ptr<Db>> open(const std::string& path, Mode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Status exec(std::string_view sql);
  Result<Stmt> prepare(std::string_view sql);
  // prepare() for SQL that is known-good (compile-time constant); a failure is a bug or a
  // corrupt database and is returned through the statement's status on first step.
  Stmt must_prepare(std::string_view sql);

  int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* raw() { return db_; }
  const std::string& path() const { return path_; }

  // Converts the connection's current error into a Status (kCorrupt for corrupt/not-a-db).
  Status error_status(std::string_view context) const;

  // ---- Operations ----
  // How long a statement waits for another connection's lock before SQLITE_BUSY
  // (kDefaultBusyMs after open).
  static constexpr int kDefaultBusyMs = 10000;
  void set_busy_timeout(int ms);
  // Calls `fn(milliseconds)` after every read-only statement of this connection completes
  // (sqlite3_trace_v2 profile events); an empty function removes it. `fn` runs on the thread
  // that ran the statement; what it captures must outlive the connection or be removed first.
  void set_read_profiler(std::function<void(double ms)> fn);

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unique_ptr<std::function<void(double)>> profiler_;
};

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Status begin_status() const { return begin_; }
  Status commit();

 private:
  Db& db_;
  Status begin_;
  bool done_ = false;
};

}  // namespace pampax
