#include "store/index_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <unordered_map>
#include <thread>

#include "store/schema.h"
#include "util/bloom.h"
#include "util/compress.h"
#include "util/text.h"

namespace pampax {
namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string join_lines(const std::vector<uint32_t>& lines) {
  std::string s;
  for (uint32_t l : lines) {
    if (!s.empty()) s.push_back(',');
    s += std::to_string(l);
  }
  return s;
}

}  // namespace

Result<std::unique_ptr<IndexStore>> IndexStore::open(const std::string& path, Db::Mode mode) {
  auto db = Db::open(path, mode);
  if (!db.ok()) {
    if (db.status().code() == Code::kCorrupt)
      return Corrupt(path + " is damaged or not a database (" + db.status().message() +
                     "). Rebuild it: remove that file and run `pampax index`.");
    return db.status();
  }
  std::unique_ptr<IndexStore> store(new IndexStore(std::move(db).value()));
  Status st = mode == Db::Mode::kCreate ? store->migrate() : store->check_schema();
  if (!st.ok()) return st;
  return store;
}

Status IndexStore::check_schema() {
  Stmt q = db_->must_prepare(
      "SELECT count(*) FROM sqlite_schema WHERE name IN ('meta','files','chunks','chunks_fts')");
  if (!q.step()) {
    const Status& st = q.last_status();
    if (st.code() == Code::kCorrupt)
      return Corrupt(db_->path() + " is not a readable SQLite database (" + st.message() +
                     "). Rebuild it: delete the .pampax directory and run `pampax index`.");
    return st;
  }
  if (q.col_int(0) != 4) {
    Stmt any = db_->must_prepare("SELECT count(*) FROM sqlite_schema");
    if (any.step() && any.col_int(0) == 0)
      return NotFound(db_->path() + " holds no index yet (the first `pampax index` was stopped "
                      "before it wrote anything). Run `pampax index`.");
    return Corrupt(db_->path() + " is not a pampax index. Move it away, then run `pampax index`.");
  }
  auto v = meta("schema_version");
  int version = v ? std::atoi(v->c_str()) : 0;
  if (version > kMigrationCount)
    return Unsupported(db_->path() + " was written by a newer pampax (schema " +
                       std::to_string(version) + ", this build knows " +
                       std::to_string(kMigrationCount) + "). Upgrade pampax or rebuild the index.");
  if (version < kMigrationCount) return migrate();
  return Status::Ok();
}

Status IndexStore::migrate() {
  Stmt has_meta = db_->must_prepare("SELECT 1 FROM sqlite_schema WHERE name='meta'");
  int version = 0;
  if (has_meta.step()) {
    auto v = meta("schema_version");
    version = v ? std::atoi(v->c_str()) : 0;
  } else if (!has_meta.last_status().ok()) {
    return Corrupt(db_->path() + " is not a readable SQLite database (" +
                   has_meta.last_status().message() +
                   "). Rebuild it: delete the .pampax directory and run `pampax index`.");
  } else {
    Stmt any = db_->must_prepare("SELECT count(*) FROM sqlite_schema");
    if (any.step() && any.col_int(0) > 0)
      return Corrupt(db_->path() + " is a database of something else, not a pampax index. "
                     "Move it away, then run `pampax index`.");
  }
  if (version > kMigrationCount)
    return Unsupported(db_->path() + " was written by a newer pampax; upgrade pampax.");
  for (int v = version; v < kMigrationCount; ++v) {
    PAMPAX_RETURN_IF_ERROR(db_->exec("BEGIN IMMEDIATE"));
    Status st = db_->exec(kMigrations[v]);
    if (st.ok()) st = set_meta("schema_version", std::to_string(v + 1));
    if (!st.ok()) {
      db_->exec("ROLLBACK");
      return st;
    }
    PAMPAX_RETURN_IF_ERROR(db_->exec("COMMIT"));
  }
  return Status::Ok();
}

Status IndexStore::begin() { return db_->exec("BEGIN IMMEDIATE"); }
Status IndexStore::commit() { return db_->exec("COMMIT"); }
Status IndexStore::rollback() { return db_->exec("ROLLBACK"); }

std::optional<std::string> IndexStore::meta(const std::string& key) {
  Stmt q = db_->must_prepare("SELECT value FROM meta WHERE key=?1");
  q.bind(1, key);
  if (!q.step()) return std::nullopt;
  return std::string(q.col_text(0));
}

Status IndexStore::set_meta(const std::string& key, const std::string& value) {
  Stmt q = db_->must_prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
  q.bind(1, key).bind(2, value);
  return q.run();
}

Result<int64_t> IndexStore::file_id(const std::string& path) {
  if (!sel_file_id_) sel_file_id_ = db_->must_prepare("SELECT id FROM files WHERE path=?1");
  sel_file_id_.bind(1, path);
  int64_t id = 0;
  if (sel_file_id_.step()) id = sel_file_id_.col_int(0);
  Status st = sel_file_id_.last_status();
  sel_file_id_.reset();
  if (!st.ok()) return st;
  return id;
}

Status IndexStore::delete_file_rows(int64_t id) {
  // The FTS entries must go first: FTS5 reads the old text back through fts_src to remove it.
  static constexpr const char* kSql[] = {
      "INSERT INTO chunks_fts(chunks_fts, rowid, path, symbol, doc, body) "
      "SELECT 'delete', id, path, symbol, doc, body FROM fts_src "
      "WHERE id IN (SELECT id FROM chunks WHERE file_id=?1)",
      "DELETE FROM chunks WHERE file_id=?1",
      "DELETE FROM symbols WHERE file_id=?1",
      "DELETE FROM refs WHERE file_id=?1",
      "DELETE FROM file_text WHERE file_id=?1",
  };
  for (const char* sql : kSql) {
    Stmt q = db_->must_prepare(sql);
    q.bind(1, id);
    PAMPAX_RETURN_IF_ERROR(q.run());
  }
  return Status::Ok();
}

Status IndexStore::put_file(const FileWrite& w) {
  auto existing = file_id(w.path);
  if (!existing.ok()) return existing.status();
  int64_t fid = *existing;
  if (fid != 0) {
    PAMPAX_RETURN_IF_ERROR(delete_file_rows(fid));
    if (!upd_file_)
      upd_file_ = db_->must_prepare(
          "UPDATE files SET lang=?2, size=?3, mtime_ns=?4, content_hash=?5, lines=?6, status=?7, "
          "indexed_at=?8 WHERE id=?1");
    upd_file_.bind(1, fid);
    upd_file_.bind(2, w.lang).bind(3, static_cast<int64_t>(w.size)).bind(4, w.mtime_ns);
    upd_file_.bind(5, w.content_hash).bind(6, w.lines).bind(7, w.status).bind(8, now_seconds());
    PAMPAX_RETURN_IF_ERROR(upd_file_.run());
  } else {
    if (!ins_file_)
      ins_file_ = db_->must_prepare(
          "INSERT INTO files(path, lang, size, mtime_ns, content_hash, lines, status, indexed_at) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    ins_file_.bind(1, w.path).bind(2, w.lang).bind(3, static_cast<int64_t>(w.size));
    ins_file_.bind(4, w.mtime_ns).bind(5, w.content_hash).bind(6, w.lines).bind(7, w.status);
    ins_file_.bind(8, now_seconds());
    PAMPAX_RETURN_IF_ERROR(ins_file_.run());
    fid = db_->last_insert_rowid();
  }

  if (!ins_text_) ins_text_ = db_->must_prepare("INSERT INTO file_text(file_id, data) VALUES(?1, ?2)");
  ins_text_.bind(1, fid).bind_blob(2, w.text_zstd);
  PAMPAX_RETURN_IF_ERROR(ins_text_.run());

  std::vector<int64_t> symbol_ids(w.symbols.size(), 0);
  if (!ins_symbol_)
    ins_symbol_ = db_->must_prepare(
        "INSERT INTO symbols(file_id, name, qualified_name, kind, parent_id, sig_start, "
        "sig_end, start_line, end_line) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  for (size_t i = 0; i < w.symbols.size(); ++i) {
    const StoredSymbol& s = w.symbols[i];
    ins_symbol_.bind(1, fid).bind(2, s.name).bind(4, s.kind);
    ins_symbol_.bind(3, s.qualified_name == s.name ? std::string_view("")
                                                    : std::string_view(s.qualified_name));
    // Parents precede children in the vector; anything else is stored as top level.
    if (s.parent >= 0 && static_cast<size_t>(s.parent) < i)
      ins_symbol_.bind(5, symbol_ids[static_cast<size_t>(s.parent)]);
    else
      ins_symbol_.bind_null(5);
    ins_symbol_.bind(6, s.sig_start).bind(7, s.sig_end).bind(8, s.start_line).bind(9, s.end_line);
    PAMPAX_RETURN_IF_ERROR(ins_symbol_.run());
    symbol_ids[i] = db_->last_insert_rowid();
  }

  if (!ins_chunk_)
    ins_chunk_ = db_->must_prepare(
        "INSERT INTO chunks(file_id, symbol_id, kind, name, qualified_name, doc, header, "
        "start_line, end_line, start_byte, end_byte, tokens, hash, id) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  // Chunk ids only grow past the hot-term watermark (see hot_watermark()): SQLite would reuse
  // the ids above the largest remaining one, which may lie below it after deletions.
  if (!sel_next_chunk_)
    sel_next_chunk_ = db_->must_prepare(
        "SELECT max(coalesce((SELECT max(id) FROM chunks), 0), "
        "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hot_watermark'), 0)) + 1");
  int64_t next_id = 1;
  if (sel_next_chunk_.step()) next_id = sel_next_chunk_.col_int(0);
  Status next_st = sel_next_chunk_.last_status();
  sel_next_chunk_.reset();
  PAMPAX_RETURN_IF_ERROR(next_st);
  for (const StoredChunk& c : w.chunks) {
    ins_chunk_.bind(14, next_id++);
    ins_chunk_.bind(1, fid);
    if (c.symbol >= 0 && static_cast<size_t>(c.symbol) < symbol_ids.size())
      ins_chunk_.bind(2, symbol_ids[static_cast<size_t>(c.symbol)]);
    else
      ins_chunk_.bind_null(2);
    ins_chunk_.bind(3, c.kind).bind(4, c.name);
    ins_chunk_.bind(5, c.qualified_name == c.name ? std::string_view("") : std::string_view(c.qualified_name));
    ins_chunk_.bind(6, c.doc).bind(7, c.header).bind(8, c.start_line).bind(9, c.end_line);
    ins_chunk_.bind(10, c.start_byte).bind(11, c.end_byte).bind(12, c.tokens);
    ins_chunk_.bind(13, static_cast<int64_t>(c.hash));
    PAMPAX_RETURN_IF_ERROR(ins_chunk_.run());
  }

  if (!ins_fts_)
    ins_fts_ = db_->must_prepare(
        "INSERT INTO chunks_fts(rowid, path, symbol, doc, body) "
        "SELECT id, path, symbol, doc, body FROM fts_src "
        "WHERE id IN (SELECT id FROM chunks WHERE file_id=?1)");
  ins_fts_.bind(1, fid);
  PAMPAX_RETURN_IF_ERROR(ins_fts_.run());

  if (!ins_ref_)
    ins_ref_ = db_->must_prepare(
        "INSERT OR REPLACE INTO refs(symbol_name, file_id, lines) VALUES(?1, ?2, ?3)");
  for (const StoredRef& r : w.refs) {
    ins_ref_.bind(1, r.name).bind(2, fid).bind(3, join_lines(r.lines));
    PAMPAX_RETURN_IF_ERROR(ins_ref_.run());
  }
  return Status::Ok();
}

Status IndexStore::touch_file(const std::string& path, uint64_t size, int64_t mtime_ns) {
  Stmt q = db_->must_prepare("UPDATE files SET size=?2, mtime_ns=?3 WHERE path=?1");
  q.bind(1, path).bind(2, static_cast<int64_t>(size)).bind(3, mtime_ns);
  return q.run();
}

Status IndexStore::delete_file(const std::string& path) {
  auto id = file_id(path);
  if (!id.ok()) return id.status();
  if (*id == 0) return Status::Ok();
  PAMPAX_RETURN_IF_ERROR(delete_file_rows(*id));
  Stmt q = db_->must_prepare("DELETE FROM files WHERE id=?1");
  q.bind(1, *id);
  return q.run();
}

Result<std::map<std::string, FileRow>> IndexStore::list_files() {
  std::map<std::string, FileRow> out;
  Stmt q = db_->must_prepare("SELECT id, path, lang, size, mtime_ns, content_hash FROM files");
  while (q.step()) {
    FileRow r;
    r.id = q.col_int(0);
    r.path = q.col_text(1);
    r.lang = q.col_text(2);
    r.size = static_cast<uint64_t>(q.col_int(3));
    r.mtime_ns = q.col_int(4);
    r.content_hash = q.col_text(5);
    out.emplace(r.path, std::move(r));
  }
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Result<IndexCounts> IndexStore::counts() {
  IndexCounts c;
  struct {
    const char* sql;
    int64_t* out;
  } scalars[] = {{"SELECT count(*) FROM files", &c.files},
                 {"SELECT count(*) FROM chunks", &c.chunks},
                 {"SELECT count(*) FROM symbols", &c.symbols},
                 {"SELECT count(*) FROM refs", &c.refs}};
  for (auto& s : scalars) {
    Stmt q = db_->must_prepare(s.sql);
    if (q.step()) *s.out = q.col_int(0);
    if (!q.last_status().ok()) return q.last_status();
  }
  Stmt q = db_->must_prepare(
      "SELECT lang, count(*) AS n FROM files GROUP BY lang ORDER BY n DESC, lang");
  while (q.step()) c.languages.emplace_back(std::string(q.col_text(0)), q.col_int(1));
  if (!q.last_status().ok()) return q.last_status();
  return c;
}

Result<std::vector<FtsHit>> IndexStore::fts_search(const std::string& match,
                                                   const SearchFilters& f,
                                                   const double w[4], int limit,
                                                   const std::string& phrase_weights) {
  std::string sql =
      "SELECT chunks_fts.rowid, pampax_rank(chunks_fts, ?1, ?2, ?3, ?4, ?10) AS s FROM chunks_fts";
  bool filtered = !f.lang.empty() || !f.path_glob.empty() || !f.kind.empty();
  if (filtered) sql += " JOIN chunks c ON c.id = chunks_fts.rowid JOIN files f ON f.id = c.file_id";
  sql += " WHERE chunks_fts MATCH ?5";
  if (!f.lang.empty()) sql += " AND f.lang = ?6";
  if (!f.path_glob.empty()) sql += " AND f.path GLOB ?7";
  if (!f.kind.empty()) sql += " AND c.kind = ?8";
  sql += " ORDER BY s DESC, chunks_fts.rowid LIMIT ?9";
  auto q = db_->prepare(sql);
  if (!q.ok()) return q.status();
  Stmt& s = q.value();
  for (int i = 0; i < 4; ++i) s.bind(i + 1, w[i]);
  s.bind(5, match);
  if (!f.lang.empty()) s.bind(6, f.lang);
  if (!f.path_glob.empty()) s.bind(7, f.path_glob);
  if (!f.kind.empty()) s.bind(8, f.kind);
  s.bind(9, limit);
  s.bind(10, phrase_weights);
  std::vector<FtsHit> hits;
  while (s.step()) hits.push_back({s.col_int(0), s.col_double(1)});
  if (!s.last_status().ok()) return s.last_status();
  return hits;
}

Status IndexStore::ensure_vocab() {
  // fts5vocab over the same index, created lazily in the temp schema (no disk change).
  return db_->exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pampax_vocab USING fts5vocab(main, chunks_fts, row)");
}

Result<int64_t> IndexStore::term_doc_count(const std::string& term) {
  PAMPAX_RETURN_IF_ERROR(ensure_vocab());
  Stmt q = db_->must_prepare("SELECT doc FROM temp.pampax_vocab WHERE term = ?1");
  q.bind(1, term);
  int64_t n = 0;
  if (q.step()) n = q.col_int(0);
  if (!q.last_status().ok()) return q.last_status();
  return n;
}

bool is_filter_word(std::string_view t) {
  if (t.size() < 3 || t.size() > 33) return false;
  for (char c : t)
    if (c < 'a' || c > 'z') return false;
  return true;
}

Result<std::vector<int64_t>> IndexStore::term_doc_counts(const std::vector<std::string>& terms,
                                                         bool candidates) {
  std::vector<int64_t> out;
  out.reserve(terms.size());
  if (terms.empty()) return out;
  std::optional<BloomFilter> filter;
  if (candidates) {
    Stmt f = db_->must_prepare("SELECT bits FROM term_filter WHERE id = 1");
    if (f.step()) filter = BloomFilter::parse(f.col_blob(0));
    if (!f.last_status().ok()) return f.last_status();
  }
  PAMPAX_RETURN_IF_ERROR(ensure_vocab());
  // One read transaction for all the lookups: outside one, every statement takes and drops
  // the database's shared lock (two fcntl calls), which was most of the cost of a correction's
  // ~300-600 lookups.
  const bool own = sqlite3_get_autocommit(db_->raw()) != 0;
  if (own) PAMPAX_RETURN_IF_ERROR(db_->exec("BEGIN"));
  Stmt hot = db_->must_prepare("SELECT df FROM hot_terms WHERE term = ?1");
  Stmt voc = db_->must_prepare("SELECT doc FROM temp.pampax_vocab WHERE term = ?1");
  Status st;
  for (const std::string& t : terms) {
    if (filter && is_filter_word(t) && !filter->may_contain(t)) {
      out.push_back(0);
      continue;
    }
    hot.reset();
    hot.bind(1, t);
    if (hot.step()) {
      out.push_back(hot.col_int(0));
      continue;
    }
    if (st = hot.last_status(); !st.ok()) break;
    voc.reset();
    voc.bind(1, t);
    int64_t n = 0;
    if (voc.step()) n = voc.col_int(0);
    if (st = voc.last_status(); !st.ok()) break;
    out.push_back(n);
  }
  hot = Stmt();
  voc = Stmt();
  if (own) {
    Status end = db_->exec(st.ok() ? "COMMIT" : "ROLLBACK");
    if (st.ok()) st = end;
  }
  if (!st.ok()) return st;
  return out;
}

namespace {

std::string pack_hits(const std::vector<FtsHit>& hits) {
  std::string out(hits.size() * 16, '\0');
  for (size_t i = 0; i < hits.size(); ++i) {
    std::memcpy(&out[i * 16], &hits[i].chunk_id, 8);  // x86-64 and ARM64 are little-endian
    std::memcpy(&out[i * 16 + 8], &hits[i].score, 8);
  }
  return out;
}

std::vector<FtsHit> unpack_hits(std::string_view blob) {
  std::vector<FtsHit> out(blob.size() / 16);
  for (size_t i = 0; i < out.size(); ++i) {
    std::memcpy(&out[i].chunk_id, blob.data() + i * 16, 8);
    std::memcpy(&out[i].score, blob.data() + i * 16 + 8, 8);
  }
  return out;
}

}  // namespace

Result<std::optional<IndexStore::HotTerm>> IndexStore::hot_term(const std::string& term) {
  if (!sel_hot_) sel_hot_ = db_->must_prepare("SELECT df, top FROM hot_terms WHERE term=?1");
  sel_hot_.bind(1, term);
  std::optional<HotTerm> out;
  if (sel_hot_.step()) out = HotTerm{sel_hot_.col_int(0), unpack_hits(sel_hot_.col_blob(1))};
  Status st = sel_hot_.last_status();
  sel_hot_.reset();
  if (!st.ok()) return st;
  return out;
}

namespace {

// Moves the lists' watermark to the largest chunk id now.
constexpr const char* kSetHotWatermark =
    "INSERT OR REPLACE INTO meta(key, value) "
    "SELECT 'hot_watermark', CAST(coalesce(max(id), 0) AS TEXT) FROM chunks";

// Cuts a best-first hot list at top_k, keeping the chunks tied with the last one (up to 4x
// top_k): which members of a tie fall inside would otherwise depend on row ids.
void cut_keeping_ties(std::vector<FtsHit>& h, int top_k) {
  const size_t k = static_cast<size_t>(top_k);
  size_t keep = std::min(h.size(), k);
  while (keep > 0 && keep < h.size() && keep < 4 * k && h[keep].score == h[keep - 1].score) ++keep;
  h.resize(keep);
}

}  // namespace

Result<HotWatermark> IndexStore::hot_watermark() {
  HotWatermark out;
  Stmt q = db_->must_prepare(
      "SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'hot_watermark'), "
      "(SELECT coalesce(max(id), 0) FROM chunks)");
  if (q.step()) {
    if (!q.col_null(0)) out.watermark = q.col_int(0);
    out.max_chunk_id = q.col_int(1);
  }
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Status IndexStore::rebuild_hot_terms(const double w[4], int64_t min_df, int top_k, int threads) {
  // 1. Which terms are hot, and the plain words of the spelling filter: one pass over the
  // vocabulary (cost ~ size of the index).
  std::vector<std::pair<std::string, int64_t>> terms;
  std::vector<std::string> words;
  {
    PAMPAX_RETURN_IF_ERROR(ensure_vocab());
    Stmt q = db_->must_prepare("SELECT term, doc FROM temp.pampax_vocab");
    while (q.step()) {
      std::string_view term = q.col_text(0);
      const int64_t df = q.col_int(1);
      if (df >= min_df) terms.emplace_back(std::string(term), df);
      if (is_filter_word(term)) words.emplace_back(term);
    }
    if (!q.last_status().ok()) return q.last_status();
  }
  BloomFilter filter(words.size());
  for (const std::string& w : words) filter.add(w);
  const int64_t word_count = static_cast<int64_t>(words.size());
  words = {};
  // 2. Their best chunks, on parallel read connections (WAL readers do not block each other).
  std::vector<std::string> packed(terms.size());
  std::atomic<size_t> next{0};
  std::vector<Status> errors(static_cast<size_t>(std::max(1, threads)));
  auto work = [&](size_t slot) {
    auto reader = IndexStore::open(db_->path(), Db::Mode::kReadWrite);
    if (!reader.ok()) {
      errors[slot] = reader.status();
      return;
    }
    // This pass reads most of the index once: mapped pages would only inflate the RSS.
    if (Status st = (*reader)->db().exec("PRAGMA mmap_size=0"); !st.ok()) {
      errors[slot] = st;
      return;
    }
    for (size_t i; (i = next.fetch_add(1)) < terms.size();) {
      std::string match = "\"" + terms[i].first + "\"";
      // Chunks tied with the last one kept are kept too (up to 4x): which members of a tie
      // fall inside the list would otherwise depend on row ids.
      auto hits = (*reader)->fts_search(match, SearchFilters{}, w, 4 * top_k);
      if (!hits.ok()) {
        errors[slot] = hits.status();
        return;
      }
      cut_keeping_ties(hits.value(), top_k);
      packed[i] = pack_hits(hits.value());
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < errors.size(); ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  for (const Status& st : errors) PAMPAX_RETURN_IF_ERROR(st);
  // 3. Swap the table contents in one transaction.
  PAMPAX_RETURN_IF_ERROR(begin());
  Status st = db_->exec("DELETE FROM hot_terms");
  // The lists cover the chunks up to this id; small updates merge the ones written later.
  if (st.ok())
    st = db_->exec(kSetHotWatermark);
  if (st.ok()) {
    Stmt f = db_->must_prepare("INSERT OR REPLACE INTO term_filter(id, words, bits) VALUES(1, ?1, ?2)");
    f.bind(1, word_count).bind_blob(2, filter.serialize());
    st = f.run();
  }
  Stmt ins = db_->must_prepare("INSERT INTO hot_terms(term, df, top) VALUES(?1, ?2, ?3)");
  for (size_t i = 0; st.ok() && i < terms.size(); ++i) {
    ins.bind(1, terms[i].first).bind(2, terms[i].second).bind_blob(3, packed[i]);
    st = ins.run();
  }
  if (!st.ok()) {
    rollback();
    return st;
  }
  return commit();
}

Status IndexStore::merge_fresh_hot_terms(const double w[4], int top_k) {
  auto mark = hot_watermark();
  if (!mark.ok()) return mark.status();
  if (!mark->has_fresh_chunks()) return Status::Ok();
  struct List {
    std::string term;
    int64_t df;
    std::vector<FtsHit> top;
  };
  std::vector<List> lists;
  {
    Stmt q = db_->must_prepare("SELECT term, df, top FROM hot_terms");
    while (q.step()) lists.push_back({std::string(q.col_text(0)), q.col_int(1), unpack_hits(q.col_blob(2))});
    if (!q.last_status().ok()) return q.last_status();
  }
  // The chunks of the lists still there (ids in order): an edited file's old chunks go, or
  // their copies would hold the list places its new chunks compete for.
  std::vector<int64_t> live;
  {
    Stmt q = db_->must_prepare("SELECT id FROM chunks WHERE id <= ?1 ORDER BY id");
    q.bind(1, *mark->watermark);
    while (q.step()) live.push_back(q.col_int(0));
    if (!q.last_status().ok()) return q.last_status();
  }
  const auto better = [](const FtsHit& a, const FtsHit& b) {
    return a.score != b.score ? a.score > b.score : a.chunk_id < b.chunk_id;
  };
  PAMPAX_RETURN_IF_ERROR(begin());
  Stmt upd = db_->must_prepare("UPDATE hot_terms SET top = ?2 WHERE term = ?1");
  // The term's best chunks among those written since: FTS5 seeks past the watermark in its
  // postings, and the list's document count stands in for the one pampax_rank would count
  // over the whole posting list (which would cost as much as a rebuild of that list).
  Stmt fresh_q = db_->must_prepare(
      "SELECT rowid, pampax_rank(chunks_fts, ?1, ?2, ?3, ?4, '', ?5) AS s FROM chunks_fts "
      "WHERE chunks_fts MATCH ?6 AND rowid > ?7 ORDER BY s DESC, rowid LIMIT ?8");
  Status st;
  std::vector<FtsHit> fresh;
  for (auto& [term, df, top] : lists) {
    fresh_q.reset();
    for (int i = 0; i < 4; ++i) fresh_q.bind(i + 1, w[i]);
    fresh_q.bind(5, std::to_string(df)).bind(6, "\"" + term + "\"").bind(7, *mark->watermark).bind(8, 4 * top_k);
    fresh.clear();
    while (fresh_q.step()) fresh.push_back({fresh_q.col_int(0), fresh_q.col_double(1)});
    if (st = fresh_q.last_status(); !st.ok()) break;
    const size_t before = top.size();
    std::erase_if(top, [&](const FtsHit& h) { return !std::binary_search(live.begin(), live.end(), h.chunk_id); });
    if (fresh.empty() && top.size() == before) continue;
    std::vector<FtsHit> merged;
    merged.reserve(top.size() + fresh.size());
    std::merge(top.begin(), top.end(), fresh.begin(), fresh.end(), std::back_inserter(merged), better);
    cut_keeping_ties(merged, top_k);  // as a rebuild keeps them
    upd.reset();
    upd.bind(1, term).bind_blob(2, pack_hits(merged));
    if (st = upd.run(); !st.ok()) break;
  }
  if (st.ok())
    st = db_->exec(kSetHotWatermark);
  if (!st.ok()) {
    rollback();
    return st;
  }
  return commit();
}

Status IndexStore::replace_expansions(const std::vector<std::pair<std::string, std::string>>& rows) {
  PAMPAX_RETURN_IF_ERROR(begin());
  Status st = db_->exec("DELETE FROM expansions");
  Stmt ins = db_->must_prepare("INSERT OR REPLACE INTO expansions(word, terms) VALUES(?1, ?2)");
  for (size_t i = 0; st.ok() && i < rows.size(); ++i) {
    ins.bind(1, rows[i].first).bind(2, rows[i].second);
    st = ins.run();
  }
  if (!st.ok()) {
    rollback();
    return st;
  }
  return commit();
}

Result<std::string> IndexStore::expansion(const std::string& word) {
  if (!sel_exp_) sel_exp_ = db_->must_prepare("SELECT terms FROM expansions WHERE word = ?1");
  sel_exp_.bind(1, word);
  std::string out;
  if (sel_exp_.step()) out = sel_exp_.col_text(0);
  Status st = sel_exp_.last_status();
  sel_exp_.reset();
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<int64_t>> IndexStore::filter_chunks(const std::vector<int64_t>& ids,
                                                       const SearchFilters& f) {
  if (f.lang.empty() && f.path_glob.empty() && f.kind.empty()) return ids;
  Stmt q = db_->must_prepare(
      "SELECT 1 FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id = ?1 "
      "AND (?2 = '' OR f.lang = ?2) AND (?3 = '' OR f.path GLOB ?3) AND (?4 = '' OR c.kind = ?4)");
  std::vector<int64_t> out;
  for (int64_t id : ids) {
    q.bind(1, id).bind(2, f.lang).bind(3, f.path_glob).bind(4, f.kind);
    if (q.step()) out.push_back(id);
    if (!q.last_status().ok()) return q.last_status();
    q.reset();
  }
  return out;
}

static constexpr const char* kChunkSelect =
    "SELECT c.id, f.path, f.lang, c.kind, c.name, c.qualified_name, "
    "coalesce(s.sig_start, 0) || ',' || coalesce(s.sig_end, 0), "
    "c.doc, c.header, c.start_line, c.end_line, c.start_byte, c.end_byte, c.tokens, c.file_id, "
    "t.data FROM chunks c JOIN files f ON f.id = c.file_id JOIN file_text t ON t.file_id = c.file_id "
    "LEFT JOIN symbols s ON s.id = c.symbol_id WHERE c.id = ?1";

// Reads one chunk row; `cache` keeps the last decompressed file so chunks of one file
// decompress it once.
static Result<ChunkRow> read_chunk_row(Stmt& q, std::pair<int64_t, std::string>& cache) {
  ChunkRow r;
  r.id = q.col_int(0);
  r.path = q.col_text(1);
  r.lang = q.col_text(2);
  r.kind = q.col_text(3);
  r.name = q.col_text(4);
  r.qualified_name = q.col_text(5);
  if (r.qualified_name.empty()) r.qualified_name = r.name;
  std::string_view sig_range = q.col_text(6);
  r.doc = q.col_text(7);
  r.header = q.col_text(8);
  r.start_line = static_cast<uint32_t>(q.col_int(9));
  r.end_line = static_cast<uint32_t>(q.col_int(10));
  r.start_byte = static_cast<uint32_t>(q.col_int(11));
  r.end_byte = static_cast<uint32_t>(q.col_int(12));
  r.tokens = static_cast<uint32_t>(q.col_int(13));
  int64_t file_id = q.col_int(14);
  if (cache.first != file_id) {
    auto text = zstd_decompress(q.col_blob(15));
    if (!text.ok()) return text.status();
    cache = {file_id, std::move(text).value()};
  }
  const std::string& file = cache.second;
  if (r.end_byte > file.size() || r.start_byte > r.end_byte)
    return Corrupt("chunk " + std::to_string(r.id) + " lies outside its file's stored text");
  r.text = file.substr(r.start_byte, r.end_byte - r.start_byte);
  size_t comma = sig_range.find(',');
  uint64_t sig_start = std::strtoull(std::string(sig_range.substr(0, comma)).c_str(), nullptr, 10);
  uint64_t sig_end = std::strtoull(std::string(sig_range.substr(comma + 1)).c_str(), nullptr, 10);
  if (sig_end > sig_start && sig_end <= file.size())
    r.signature = collapse_whitespace(std::string_view(file).substr(sig_start, sig_end - sig_start),
                                      kSignatureCap);
  return r;
}

Result<ChunkRow> IndexStore::get_chunk(int64_t id) {
  Stmt q = db_->must_prepare(kChunkSelect);
  q.bind(1, id);
  if (!q.step()) {
    if (!q.last_status().ok()) return q.last_status();
    return NotFound("no chunk with id " + std::to_string(id) + " (the index may have been updated)");
  }
  std::pair<int64_t, std::string> cache{0, {}};
  return read_chunk_row(q, cache);
}

Result<std::vector<ChunkRow>> IndexStore::get_chunks(const std::vector<int64_t>& ids) {
  std::vector<ChunkRow> out;
  Stmt q = db_->must_prepare(kChunkSelect);
  std::pair<int64_t, std::string> cache{0, {}};
  for (int64_t id : ids) {
    q.bind(1, id);
    if (q.step()) {
      auto r = read_chunk_row(q, cache);
      if (!r.ok()) return r.status();
      out.push_back(std::move(r).value());
    }
    if (!q.last_status().ok()) return q.last_status();
    q.reset();
  }
  return out;
}

// "[1,2,3]": ids for `IN (SELECT value FROM json_each(?))`, one statement for a whole batch.
static std::string json_id_list(const std::vector<int64_t>& ids) {
  std::string list = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) list += ',';
    list += std::to_string(ids[i]);
  }
  list += ']';
  return list;
}

Result<std::unordered_map<int64_t, IndexStore::SymbolSpan>> IndexStore::symbol_spans(
    const std::vector<int64_t>& symbol_ids) {
  std::unordered_map<int64_t, SymbolSpan> out;
  if (symbol_ids.empty()) return out;
  Stmt q = db_->must_prepare(
      "SELECT id, kind, start_line, end_line FROM symbols WHERE id IN (SELECT value FROM json_each(?1))");
  q.bind(1, json_id_list(symbol_ids));
  while (q.step())
    out[q.col_int(0)] = {std::string(q.col_text(1)), static_cast<uint32_t>(q.col_int(2)),
                         static_cast<uint32_t>(q.col_int(3))};
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Result<std::vector<ChunkRow>> IndexStore::get_chunk_meta(const std::vector<int64_t>& ids) {
  // One statement for the whole batch (ids as a JSON array): a hundred point queries cost
  // ~0.5 ms, most of a warm search.
  if (!sel_meta_)
    sel_meta_ = db_->must_prepare(
        "SELECT c.id, f.path, f.lang, c.kind, c.name, c.qualified_name, c.start_line, c.end_line, "
        "c.tokens, coalesce(c.symbol_id, 0) FROM chunks c JOIN files f ON f.id = c.file_id "
        "WHERE c.id IN (SELECT value FROM json_each(?1))");
  sel_meta_.bind(1, json_id_list(ids));
  std::unordered_map<int64_t, ChunkRow> found;
  found.reserve(ids.size());
  while (sel_meta_.step()) {
    ChunkRow r;
    r.id = sel_meta_.col_int(0);
    r.path = sel_meta_.col_text(1);
    r.lang = sel_meta_.col_text(2);
    r.kind = sel_meta_.col_text(3);
    r.name = sel_meta_.col_text(4);
    r.qualified_name = sel_meta_.col_text(5);
    if (r.qualified_name.empty()) r.qualified_name = r.name;
    r.start_line = static_cast<uint32_t>(sel_meta_.col_int(6));
    r.end_line = static_cast<uint32_t>(sel_meta_.col_int(7));
    r.tokens = static_cast<uint32_t>(sel_meta_.col_int(8));
    r.symbol_id = sel_meta_.col_int(9);
    found.emplace(r.id, std::move(r));
  }
  Status st = sel_meta_.last_status();
  sel_meta_.reset();
  if (!st.ok()) return st;
  std::vector<ChunkRow> out;
  out.reserve(found.size());
  for (int64_t id : ids) {
    auto it = found.find(id);
    if (it != found.end()) out.push_back(it->second);  // a repeated id is returned again
  }
  return out;
}

Result<std::vector<IndexStore::PendingChunk>> IndexStore::pending_embeddings(
    const std::string& model, int64_t after_id, int limit) {
  Stmt q = db_->must_prepare(
      "SELECT c.id, c.hash FROM chunks c WHERE c.id > ?2 AND NOT EXISTS "
      "(SELECT 1 FROM embeddings e WHERE e.model = ?1 AND e.hash = c.hash) ORDER BY c.id LIMIT ?3");
  q.bind(1, model).bind(2, after_id).bind(3, limit);
  std::vector<PendingChunk> out;
  while (q.step()) out.push_back({q.col_int(0), static_cast<uint64_t>(q.col_int(1))});
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Status IndexStore::put_embeddings(const std::string& model, const std::vector<uint64_t>& hashes,
                                  const float* data, int dim) {
  Stmt q = db_->must_prepare(
      "INSERT OR IGNORE INTO embeddings(model, hash, vec, used_at) VALUES(?1, ?2, ?3, unixepoch())");
  const size_t row = static_cast<size_t>(dim) * sizeof(float);
  for (size_t i = 0; i < hashes.size(); ++i) {
    q.bind(1, model).bind(2, static_cast<int64_t>(hashes[i]));
    q.bind_blob(3, std::string_view(reinterpret_cast<const char*>(data) + i * row, row));
    PAMPAX_RETURN_IF_ERROR(q.run());
  }
  return Status::Ok();
}

Result<IndexStore::EmbedCounts> IndexStore::embed_counts(const std::string& model) {
  Stmt q = db_->must_prepare(
      "SELECT count(*), count(e.hash) FROM chunks c "
      "LEFT JOIN embeddings e ON e.model = ?1 AND e.hash = c.hash");
  q.bind(1, model);
  EmbedCounts c;
  if (q.step()) {
    c.chunks = q.col_int(0);
    c.embedded = q.col_int(1);
  }
  if (!q.last_status().ok()) return q.last_status();
  return c;
}

Status IndexStore::load_vectors(const std::string& model, int dim, std::vector<int64_t>* ids,
                                std::vector<float>* matrix) {
  ids->clear();
  matrix->clear();
  Stmt q = db_->must_prepare(
      "SELECT c.id, e.vec FROM chunks c JOIN embeddings e ON e.model = ?1 AND e.hash = c.hash "
      "JOIN files f ON f.id = c.file_id ORDER BY f.path, c.start_line, c.id");
  q.bind(1, model);
  const size_t row = static_cast<size_t>(dim) * sizeof(float);
  while (q.step()) {
    std::string_view v = q.col_blob(1);
    if (v.size() != row)
      return Corrupt("a stored vector has " + std::to_string(v.size() / sizeof(float)) +
                     " dimensions, expected " + std::to_string(dim) +
                     " (rebuild the embeddings: pampax index --reembed)");
    ids->push_back(q.col_int(0));
    size_t at = matrix->size();
    matrix->resize(at + static_cast<size_t>(dim));
    std::memcpy(matrix->data() + at, v.data(), row);
  }
  return q.last_status();
}

Status IndexStore::prune_embeddings(const std::string& model, int64_t keep_unreferenced) {
  Stmt other = db_->must_prepare("DELETE FROM embeddings WHERE model <> ?1");
  other.bind(1, model);
  PAMPAX_RETURN_IF_ERROR(other.run());
  Stmt q = db_->must_prepare(
      "DELETE FROM embeddings WHERE model = ?1 AND hash IN ("
      "  SELECT e.hash FROM embeddings e WHERE e.model = ?1 AND NOT EXISTS "
      "  (SELECT 1 FROM chunks c WHERE c.hash = e.hash) ORDER BY e.used_at DESC, e.hash "
      "  LIMIT -1 OFFSET ?2)");
  q.bind(1, model).bind(2, keep_unreferenced);
  return q.run();
}

Result<std::string> IndexStore::integrity_check() {
  std::string problems;
  Stmt q = db_->must_prepare("PRAGMA integrity_check");
  while (q.step()) {
    std::string_view line = q.col_text(0);
    if (line != "ok") {
      problems += line;
      problems += '\n';
    }
  }
  if (!q.last_status().ok()) return q.last_status();
  Stmt fts = db_->must_prepare("INSERT INTO chunks_fts(chunks_fts) VALUES('integrity-check')");
  Status st = fts.run();
  if (!st.ok()) problems += "full-text index: " + st.message() + "\n";
  return problems.empty() ? std::string("ok") : problems;
}

}  // namespace pampax

// ---- Code navigation ----

namespace pampax {

namespace {

std::vector<uint32_t> parse_lines(std::string_view csv) {
  std::vector<uint32_t> out;
  uint32_t v = 0;
  bool any = false;
  for (char c : csv) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + static_cast<uint32_t>(c - '0');
      any = true;
    } else if (any) {
      out.push_back(v);
      v = 0;
      any = false;
    }
  }
  if (any) out.push_back(v);
  return out;
}

// Columns: s.id, f.path, f.lang, s.name, s.qualified_name, s.kind, s.sig_start, s.sig_end,
// s.start_line, s.end_line, coalesce(s.parent_id, 0), s.file_id. The file's text (for the
// signature) is read apart, once per file: selecting the blob here made an ORDER BY copy it
// into the sorter once per symbol (a 2,000-symbol file: 2,000 copies of its text).
constexpr const char* kSymbolCols =
    "SELECT s.id, f.path, f.lang, s.name, s.qualified_name, s.kind, s.sig_start, s.sig_end, "
    "s.start_line, s.end_line, coalesce(s.parent_id, 0), s.file_id "
    "FROM symbols s JOIN files f ON f.id = s.file_id ";

// Reads one symbol row; `cache` keeps the last decompressed file.
Result<SymbolRow> read_symbol_row(Db& db, Stmt& q, std::pair<int64_t, std::string>& cache) {
  SymbolRow r;
  r.id = q.col_int(0);
  r.path = q.col_text(1);
  r.lang = q.col_text(2);
  r.name = q.col_text(3);
  r.qualified_name = q.col_text(4);
  if (r.qualified_name.empty()) r.qualified_name = r.name;
  r.kind = q.col_text(5);
  auto sig_start = static_cast<uint64_t>(q.col_int(6)), sig_end = static_cast<uint64_t>(q.col_int(7));
  r.start_line = static_cast<uint32_t>(q.col_int(8));
  r.end_line = static_cast<uint32_t>(q.col_int(9));
  r.parent_id = q.col_int(10);
  int64_t file_id = q.col_int(11);
  if (cache.first != file_id || cache.second.empty()) {
    Stmt t = db.must_prepare("SELECT data FROM file_text WHERE file_id = ?1");
    t.bind(1, file_id);
    if (!t.step()) {
      if (!t.last_status().ok()) return t.last_status();
      return Corrupt("symbol " + std::to_string(r.id) + " has no file text (file " +
                     std::to_string(file_id) + "); rebuild with pampax index --force");
    }
    auto text = zstd_decompress(t.col_blob(0));
    if (!text.ok()) return text.status();
    cache = {file_id, std::move(text).value()};
  }
  const std::string& file = cache.second;
  if (sig_end > sig_start && sig_end <= file.size())
    r.signature = collapse_whitespace(std::string_view(file).substr(sig_start, sig_end - sig_start),
                                      kSignatureCap);
  return r;
}

Result<std::vector<SymbolRow>> read_symbols(Db& db, Stmt& q) {
  std::vector<SymbolRow> out;
  std::pair<int64_t, std::string> cache{0, {}};
  while (q.step()) {
    auto r = read_symbol_row(db, q, cache);
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Status not_indexed(const std::string& path) {
  return NotFound("'" + path + "' is not in the index (paths are relative to the repository "
                  "root, as search results show them)");
}

std::string escape_like(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

Result<std::vector<SymbolRow>> IndexStore::find_symbols(std::string_view name, NameMatch match,
                                                        std::string_view kind,
                                                        const SearchFilters& filters, int limit) {
  if (name.empty()) return InvalidArgument("the symbol name is empty");
  if (limit <= 0) return std::vector<SymbolRow>{};
  std::string where;
  switch (match) {
    case NameMatch::kExact:
      // Two indexed lookups: by name, and by qualified name (rare; scanned only when the
      // query looks qualified).
      where = name.find_first_of(".:#\\/") == std::string_view::npos
                  ? "s.name = ?1"
                  : "(s.name = ?1 OR s.qualified_name = ?1)";
      break;
    case NameMatch::kPrefix:
      // A range on the name index: [name, name + U+10FFFF).
      where = "s.name >= ?1 AND s.name < ?1 || char(1114111)";
      break;
    case NameMatch::kContains:
      where = "s.name LIKE '%' || ?2 || '%' ESCAPE '\\'";
      break;
  }
  std::string sql = std::string(kSymbolCols) + "WHERE " + where +
                    " AND (?3 = '' OR s.kind = ?3) AND (?4 = '' OR f.lang = ?4)"
                    " AND (?5 = '' OR f.path GLOB ?5)"
                    " ORDER BY (s.name = ?1) DESC, f.path, s.start_line LIMIT ?6";
  Stmt q = db_->must_prepare(sql);
  q.bind(1, name).bind(2, escape_like(name)).bind(3, kind).bind(4, filters.lang)
      .bind(5, filters.path_glob).bind(6, limit);
  return read_symbols(*db_, q);
}

namespace {
// A JSON array of strings for json_each().
std::string json_string_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (unsigned char c : v[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  return out + "]";
}
}  // namespace

Result<std::vector<SymbolRow>> IndexStore::find_symbols_named(const std::vector<std::string>& names,
                                                              const SearchFilters& filters,
                                                              int max_per_name, int limit) {
  if (names.empty() || limit <= 0) return std::vector<SymbolRow>{};
  // Names are counted first (no text read), so the signatures of ambiguous names, whose
  // files would each be decompressed, are never built.
  Stmt q = db_->must_prepare(
      "WITH wanted(name) AS (SELECT s.name FROM symbols s JOIN files f ON f.id = s.file_id "
      " WHERE s.name IN (SELECT value FROM json_each(?1))"
      " AND (?2 = '' OR f.lang = ?2) AND (?3 = '' OR f.path GLOB ?3)"
      " GROUP BY s.name HAVING ?5 <= 0 OR count(*) <= ?5) " +
      std::string(kSymbolCols) +
      "WHERE s.name IN (SELECT name FROM wanted)"
      " AND (?2 = '' OR f.lang = ?2) AND (?3 = '' OR f.path GLOB ?3)"
      " ORDER BY s.file_id, s.start_line LIMIT ?4");
  q.bind(1, json_string_array(names)).bind(2, filters.lang).bind(3, filters.path_glob)
      .bind(4, limit).bind(5, max_per_name);
  return read_symbols(*db_, q);
}

Result<std::vector<std::pair<int64_t, std::string>>> IndexStore::chunk_docs(
    const std::vector<int64_t>& ids) {
  std::vector<std::pair<int64_t, std::string>> out;
  if (ids.empty()) return out;
  Stmt q = db_->must_prepare(
      "SELECT id, coalesce(doc, '') FROM chunks WHERE id IN (SELECT value FROM json_each(?1))");
  q.bind(1, json_id_list(ids));
  while (q.step()) out.emplace_back(q.col_int(0), std::string(q.col_text(1)));
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Result<SymbolRow> IndexStore::get_symbol(int64_t id) {
  Stmt q = db_->must_prepare(std::string(kSymbolCols) + "WHERE s.id = ?1");
  q.bind(1, id);
  auto rows = read_symbols(*db_, q);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("no symbol with id " + std::to_string(id));
  return std::move(rows->front());
}

Result<std::vector<SymbolRow>> IndexStore::file_symbols(const std::string& path) {
  auto fid = file_id(path);
  if (!fid.ok()) return fid.status();
  if (*fid == 0) return not_indexed(path);
  Stmt q = db_->must_prepare(std::string(kSymbolCols) +
                             "WHERE s.file_id = ?1 ORDER BY s.start_line, s.id");
  q.bind(1, *fid);
  return read_symbols(*db_, q);
}

Result<std::vector<RefRow>> IndexStore::find_refs(std::string_view name, const SearchFilters& filters,
                                                  int limit) {
  if (name.empty()) return InvalidArgument("the symbol name is empty");
  Stmt q = db_->must_prepare(
      "SELECT f.path, f.lang, r.lines FROM refs r JOIN files f ON f.id = r.file_id "
      "WHERE r.symbol_name = ?1 AND (?2 = '' OR f.lang = ?2) AND (?3 = '' OR f.path GLOB ?3) "
      "ORDER BY f.path LIMIT ?4");
  q.bind(1, name).bind(2, filters.lang).bind(3, filters.path_glob).bind(4, limit);
  std::vector<RefRow> out;
  while (q.step()) out.push_back({std::string(q.col_text(0)), std::string(q.col_text(1)),
                                  parse_lines(q.col_text(2))});
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Result<std::vector<std::string>> IndexStore::refs_in_range(const std::string& path,
                                                           uint32_t start_line, uint32_t end_line) {
  auto fid = file_id(path);
  if (!fid.ok()) return fid.status();
  if (*fid == 0) return not_indexed(path);
  Stmt q = db_->must_prepare("SELECT symbol_name, lines FROM refs WHERE file_id = ?1 ORDER BY symbol_name");
  q.bind(1, *fid);
  std::vector<std::string> out;
  while (q.step()) {
    for (uint32_t l : parse_lines(q.col_text(1))) {
      if (l >= start_line && l <= end_line) {
        out.emplace_back(q.col_text(0));
        break;
      }
    }
  }
  if (!q.last_status().ok()) return q.last_status();
  return out;
}

Result<std::vector<ChunkRow>> IndexStore::file_chunks(const std::string& path) {
  auto fid = file_id(path);
  if (!fid.ok()) return fid.status();
  if (*fid == 0) return not_indexed(path);
  Stmt q = db_->must_prepare("SELECT id FROM chunks WHERE file_id = ?1 ORDER BY start_line, id");
  q.bind(1, *fid);
  std::vector<int64_t> ids;
  while (q.step()) ids.push_back(q.col_int(0));
  if (!q.last_status().ok()) return q.last_status();
  auto meta = get_chunk_meta(ids);
  if (!meta.ok()) return meta.status();
  return std::move(meta).value();
}

Result<std::string> IndexStore::file_text(const std::string& path, std::string* lang) {
  Stmt q = db_->must_prepare(
      "SELECT t.data, f.lang FROM files f JOIN file_text t ON t.file_id = f.id WHERE f.path = ?1");
  q.bind(1, path);
  if (!q.step()) {
    if (!q.last_status().ok()) return q.last_status();
    return not_indexed(path);
  }
  if (lang) *lang = q.col_text(1);
  auto text = zstd_decompress(q.col_blob(0));
  if (!text.ok()) return text.status();
  return std::move(text).value();
}

}  // namespace pampax
