#include "store/db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "util/compress.h"
#include "util/hash.h"
#include "util/ident.h"

namespace pampax {
namespace {

// ---- FTS5 tokenizer "pampax" ----------------------------------------------------------
// Document mode: every word is emitted whole (lowercased), then its identifier sub-words as
// colocated tokens, so "getUserName" is found by `getusername`, `get`, `user` and `name`.
// Query mode: words are emitted whole only; the query builder adds sub-words explicitly.
struct PampaxTokenizer {};

int tok_create(void*, const char**, int, Fts5Tokenizer** out) {
  *out = reinterpret_cast<Fts5Tokenizer*>(new PampaxTokenizer());
  return SQLITE_OK;
}
void tok_delete(Fts5Tokenizer* t) { delete reinterpret_cast<PampaxTokenizer*>(t); }

int tok_tokenize(Fts5Tokenizer*, void* ctx, int flags, const char* text, int n,
                 int (*emit)(void*, int, const char*, int, int, int)) {
  bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
  int rc = SQLITE_OK;
  if (query && n > 1 && text[0] == kStemMark[0]) {
    // A stemmed query term "~s": documents hold the word s itself or, for other forms, "~s".
    rc = emit(ctx, 0, text + 1, n - 1, 0, n);
    if (rc == SQLITE_OK) rc = emit(ctx, FTS5_TOKEN_COLOCATED, text, n, 0, n);
    return rc;
  }
  for_each_term(std::string_view(text, static_cast<size_t>(n)),
                [&](std::string_view term, bool colocated, int s, int e) {
                  if (rc != SQLITE_OK) return;
                  if (query && colocated) return;
                  rc = emit(ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, term.data(),
                            static_cast<int>(term.size()), s, e);
                },
                /*stems=*/!query);
  return rc;
}

// ---- FTS5 ranking function pampax_rank(chunks_fts, w_path, w_symbol, w_doc, w_body[, phrase
// weights[, phrase document counts]]) ----
// BM25F over term presence. The index is detail=column: it records which columns of a row
// hold a term but not how often, so the pseudo term frequency of term t in row d is
//   tf'(t,d) = sum over columns c containing t of  w_c / ((1 - b) + b * len(d,c) / avglen(c))
// and score(d) = sum over query terms of idf(t) * tf' * (k1 + 1) / (tf' + k1), with
// idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)). It is a sum over terms, which lets the lexical
// searcher add precomputed per-term scores of frequent terms. Higher is better. Everything it
// reads (column lists, document sizes, totals) is in the index: no row is re-tokenised.
constexpr double kBm25K1 = 1.2;
constexpr double kBm25B = 0.75;

struct RankQueryData {
  int columns = 0;
  std::vector<double> idf;     // per phrase, times the phrase's weight (5th argument)
  std::vector<double> avglen;  // per column
};

int count_rows_cb(const Fts5ExtensionApi*, Fts5Context*, void* user) {
  ++*static_cast<int64_t*>(user);
  return SQLITE_OK;
}

void rank_free(void* p) { delete static_cast<RankQueryData*>(p); }

void pampax_rank(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc,
                 sqlite3_value** argv) {
  auto* data = static_cast<RankQueryData*>(api->xGetAuxdata(fts, 0));
  if (!data) {
    auto fresh = std::make_unique<RankQueryData>();
    sqlite3_int64 rows = 0;
    int rc = api->xRowCount(fts, &rows);
    fresh->columns = api->xColumnCount(fts);
    for (int c = 0; rc == SQLITE_OK && c < fresh->columns; ++c) {
      sqlite3_int64 total = 0;
      rc = api->xColumnTotalSize(fts, c, &total);
      fresh->avglen.push_back(rows > 0 ? std::max(1.0, double(total) / double(rows)) : 1.0);
    }
    // Optional per-phrase document counts: "d0,d1,..." (6th argument; the others are counted).
    std::vector<int64_t> known;
    if (argc >= 6 && sqlite3_value_type(argv[5]) == SQLITE_TEXT) {
      const char* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[5]));
      while (p && *p) {
        char* end = nullptr;
        long long d = std::strtoll(p, &end, 10);
        if (end == p || d < 0) break;
        known.push_back(d);
        p = *end == ',' ? end + 1 : end;
      }
    }
    int phrases = api->xPhraseCount(fts);
    for (int i = 0; rc == SQLITE_OK && i < phrases; ++i) {
      int64_t df = 0;
      if (static_cast<size_t>(i) < known.size())
        df = known[static_cast<size_t>(i)];
      else
        rc = api->xQueryPhrase(fts, i, &df, count_rows_cb);
      double n = double(rows), d = double(df);
      fresh->idf.push_back(std::log(1.0 + (n - d + 0.5) / (d + 0.5)));
    }
    // Optional per-phrase weights: "w0,w1,..." (missing entries are 1).
    if (argc >= 5 && sqlite3_value_type(argv[4]) == SQLITE_TEXT) {
      const char* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[4]));
      for (size_t i = 0; p && *p && i < fresh->idf.size(); ++i) {
        char* end = nullptr;
        double wt = std::strtod(p, &end);
        if (end == p) break;
        fresh->idf[i] *= wt;
        p = *end == ',' ? end + 1 : end;
      }
    }
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
    data = fresh.get();
    rc = api->xSetAuxdata(fts, fresh.release(), rank_free);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
  }
  double norm[8];
  int columns = std::min(data->columns, 8);
  for (int c = 0; c < columns; ++c) {
    int len = 0;
    if (int rc = api->xColumnSize(fts, c, &len); rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
    double w = c < argc && c < 4 ? sqlite3_value_double(argv[c]) : 1.0;
    norm[c] = w / ((1.0 - kBm25B) + kBm25B * double(len) / data->avglen[size_t(c)]);
  }
  double score = 0;
  for (size_t i = 0; i < data->idf.size(); ++i) {
    Fts5PhraseIter it;
    int col = -1;
    double tf = 0;
    int rc = api->xPhraseFirstColumn(fts, int(i), &it, &col);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
    for (; col >= 0; api->xPhraseNextColumn(fts, &it, &col))
      if (col < columns) tf += norm[col];
    if (tf > 0) score += data->idf[i] * tf * (kBm25K1 + 1.0) / (tf + kBm25K1);
  }
  sqlite3_result_double(ctx, score);
}

fts5_api* get_fts5_api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) != SQLITE_OK) return nullptr;
  sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", nullptr);
  sqlite3_step(st);
  sqlite3_finalize(st);
  return api;
}

// pampax_slice(zstd_blob, key, start, end): bytes [start, end) of a zstd-compressed file, as
// text (used by the fts_src view). Consecutive calls for the same file (the view yields a
// file's chunks together) decompress it once: the last file is cached per thread, keyed by
// `key` and a hash of the compressed bytes, so a rewritten file is never served stale.
void sql_slice(sqlite3_context* ctx, int, sqlite3_value** argv) {
  struct Cache {
    int64_t key = -1;
    uint64_t hash = 0;
    std::string text;
  };
  thread_local Cache cache;
  const void* p = sqlite3_value_blob(argv[0]);
  size_t n = static_cast<size_t>(sqlite3_value_bytes(argv[0]));
  std::string_view blob(static_cast<const char*>(p), p ? n : 0);
  int64_t key = sqlite3_value_int64(argv[1]);
  uint64_t h = hash64(blob);
  if (cache.key != key || cache.hash != h) {
    auto r = zstd_decompress(blob);
    if (!r.ok()) {
      cache.key = -1;
      sqlite3_result_error(ctx, r.status().message().c_str(), -1);
      sqlite3_result_error_code(ctx, SQLITE_CORRUPT);
      return;
    }
    cache.text = std::move(r).value();
    cache.key = key;
    cache.hash = h;
  }
  int64_t start = sqlite3_value_int64(argv[2]), end = sqlite3_value_int64(argv[3]);
  if (start < 0 || end < start || static_cast<uint64_t>(end) > cache.text.size()) {
    sqlite3_result_error(ctx, "chunk range lies outside its file's stored text", -1);
    sqlite3_result_error_code(ctx, SQLITE_CORRUPT);
    return;
  }
  sqlite3_result_text64(ctx, cache.text.data() + start, static_cast<sqlite3_uint64>(end - start),
                        SQLITE_TRANSIENT, SQLITE_UTF8);
}

Status status_from(sqlite3* db, int rc, std::string_view context) {
  int primary = rc & 0xff;
  std::string msg(context);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Corrupt(std::move(msg));
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
      primary == SQLITE_READONLY || primary == SQLITE_PERM)
    return IoError(std::move(msg));
  return Internal(std::move(msg));
}

}  // namespace

// ---- Stmt -------------------------------------------------------------------------------
Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    s_ = o.s_;
    db_ = o.db_;
    o.s_ = nullptr;
  }
  return *this;
}
Stmt::~Stmt() {
  if (s_) sqlite3_finalize(s_);
}
Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view t) {
  sqlite3_bind_text(s_, i, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view b) {
  sqlite3_bind_blob(s_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}
bool Stmt::step() {
  if (!s_) {
    if (status_.ok()) status_ = Internal("statement failed to prepare");
    return false;
  }
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = status_from(db_, rc, "database error");
  return false;
}
Status Stmt::run() {
  while (step()) {
  }
  Status st = status_;
  reset();
  return st;
}
void Stmt::reset() {
  if (s_) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    status_ = Status::Ok();
  }
}
int64_t Stmt::col_int(int i) const { return sqlite3_column_int64(s_, i); }
double Stmt::col_double(int i) const { return sqlite3_column_double(s_, i); }
std::string_view Stmt::col_text(int i) const {
  const unsigned char* p = sqlite3_column_text(s_, i);
  if (!p) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, i))};
}
std::string_view Stmt::col_blob(int i) const {
  const void* p = sqlite3_column_blob(s_, i);
  if (!p) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s_, i))};
}
bool Stmt::col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

// ---- Db ---------------------------------------------------------------------------------
Result<std::unique_ptr<Db>> Db::open(const std::string& path, Mode mode) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::kReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    case Mode::kReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::kCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = status_from(raw, rc, "cannot open index " + path);
    sqlite3_close(raw);
    return st;
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  sqlite3_busy_timeout(raw, kDefaultBusyMs);
  sqlite3_extended_result_codes(raw, 1);
  // Reading the schema is the first real I/O: a foreign file fails here with NOTADB.
  // trusted_schema=OFF: views and triggers of the file may only call functions marked
  // innocuous (ours are), so a crafted index.db cannot make us run unsafe SQL functions.
  const char* pragmas =
      "PRAGMA trusted_schema=OFF;"
      "PRAGMA foreign_keys=OFF;"
      "PRAGMA temp_store=MEMORY;"
      "PRAGMA cache_size=-65536;";
  if (Status st = db->exec(pragmas); !st.ok()) return st;
  // Readers map the file (fewer copies, shared page cache across processes). The writer does
  // not: FTS5 segment merges read most of the index, and mapped pages would inflate its RSS
  // to the size of the database.
  if (mode != Mode::kCreate) {
    if (Status st = db->exec("PRAGMA mmap_size=1073741824"); !st.ok()) return st;
  }
  if (mode != Mode::kReadOnly) {
    Stmt wal = db->must_prepare("PRAGMA journal_mode=WAL");
    while (wal.step()) {
    }
    if (!wal.last_status().ok()) return wal.last_status();
    if (Status st = db->exec("PRAGMA synchronous=NORMAL"); !st.ok()) return st;
    // A large index run grows the WAL to hundreds of MiB; without a limit the file keeps
    // that size after each checkpoint. 64 MiB: truncated back to it once checkpointed.
    if (Status st = db->exec("PRAGMA journal_size_limit=67108864"); !st.ok()) return st;
  }
  fts5_api* api = get_fts5_api(raw);
  if (!api) return Unsupported("this SQLite library was built without FTS5");
  fts5_tokenizer tok{tok_create, tok_delete, tok_tokenize};
  rc = api->xCreateTokenizer(api, "pampax", nullptr, &tok, nullptr);
  if (rc != SQLITE_OK) return status_from(raw, rc, "cannot register the FTS5 tokenizer");
  rc = api->xCreateFunction(api, "pampax_rank", nullptr, pampax_rank, nullptr);
  if (rc != SQLITE_OK) return status_from(raw, rc, "cannot register the FTS5 ranking function");
  rc = sqlite3_create_function_v2(raw, "pampax_slice", 4,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                  sql_slice, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return status_from(raw, rc, "cannot register SQL functions");
  return db;
}

Db::~Db() {
  if (profiler_) sqlite3_trace_v2(db_, 0, nullptr, nullptr);
  sqlite3_close_v2(db_);
}

void Db::set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }

void Db::set_read_profiler(std::function<void(double ms)> fn) {
  if (!fn) {
    sqlite3_trace_v2(db_, 0, nullptr, nullptr);
    profiler_.reset();
    return;
  }
  profiler_ = std::make_unique<std::function<void(double)>>(std::move(fn));
  sqlite3_trace_v2(
      db_, SQLITE_TRACE_PROFILE,
      [](unsigned, void* ctx, void* p, void* x) -> int {
        auto* stmt = static_cast<sqlite3_stmt*>(p);
        if (sqlite3_stmt_readonly(stmt)) {
          double ms = static_cast<double>(*static_cast<sqlite3_int64*>(x)) / 1e6;
          (*static_cast<std::function<void(double)>*>(ctx))(ms);
        }
        return 0;
      },
      profiler_.get());
}

Status Db::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string m = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status st = status_from(db_, rc, "SQL failed");
    return Status(st.code(), "database error in " + path_ + ": " + m);
  }
  return Status::Ok();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return status_from(db_, rc, "cannot prepare statement");
  return Stmt(s, db_);
}

Stmt Db::must_prepare(std::string_view sql) {
  auto r = prepare(sql);
  if (!r.ok()) return Stmt(r.status());
  return std::move(r).value();
}

int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }
Status Db::error_status(std::string_view context) const {
  return status_from(db_, sqlite3_errcode(db_), context);
}

// ---- Transaction ------------------------------------------------------------------------
Transaction::Transaction(Db& db) : db_(db) { begin_ = db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_ && begin_.ok()) db_.exec("ROLLBACK");
}
Status Transaction::commit() {
  done_ = true;
  if (!begin_.ok()) return begin_;
  Status st = db_.exec("COMMIT");
  if (!st.ok()) db_.exec("ROLLBACK");
  return st;
}

}  // namespace pampax
