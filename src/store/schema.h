// The SQL schema of the index, one migration per schema version.
#pragma once
#include <string_view>

namespace pampax {

// kMigrations[v] upgrades a database at schema version v to v + 1 (v = 0: empty database).
inline constexpr std::string_view kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  lang TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  lines INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'ok',
  indexed_at INTEGER NOT NULL
);
CREATE TABLE symbols(
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  qualified_name TEXT NOT NULL,  -- '' when equal to name
  kind TEXT NOT NULL,
  parent_id INTEGER,
  -- The signature is collapse_whitespace(text[sig_start, sig_end)) of the file's text
  -- (util/text.h): two numbers instead of a copy (156 MiB on the kernel).
  sig_start INTEGER NOT NULL,
  sig_end INTEGER NOT NULL,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL
);
CREATE INDEX symbols_name ON symbols(name);
CREATE INDEX symbols_file ON symbols(file_id);
-- One row per (identifier, file): the lines where the file uses it, as ascending
-- comma-separated numbers. Far smaller than a row per occurrence.
CREATE TABLE refs(
  symbol_name TEXT NOT NULL,
  file_id INTEGER NOT NULL,
  lines TEXT NOT NULL,
  PRIMARY KEY(symbol_name, file_id)
) WITHOUT ROWID;
CREATE INDEX refs_file ON refs(file_id);
-- The text of each file, zstd-compressed as a whole (far better ratio than per chunk). The
-- only copy of the source in the index: chunks are byte ranges of it.
CREATE TABLE file_text(file_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE chunks(
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  symbol_id INTEGER,            -- its symbol (signature lives there); NULL for code/text
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  qualified_name TEXT NOT NULL, -- '' when equal to name (saves space on flat languages)
  doc TEXT NOT NULL,
  header TEXT NOT NULL,         -- enclosing signatures of a split symbol's piece, or ''
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  start_byte INTEGER NOT NULL,
  end_byte INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  hash INTEGER NOT NULL         -- embed_hash(embed_text(...)) (embed/embed_text.h): keys its vector
);
CREATE INDEX chunks_file ON chunks(file_id);
CREATE INDEX chunks_hash ON chunks(hash);
-- Vectors by content: one row per (model, embed hash). It is also the embedding cache: a chunk
-- whose text is unchanged (even if moved, renamed or re-added on another branch) finds its
-- vector here. `vec` is float32 little-endian, L2-normalised; `used_at` (unix seconds) is when
-- a chunk last referenced it, for pruning unreferenced rows.
CREATE TABLE embeddings(
  model TEXT NOT NULL,
  hash INTEGER NOT NULL,
  vec BLOB NOT NULL,
  used_at INTEGER NOT NULL,
  PRIMARY KEY(model, hash)
) WITHOUT ROWID;
-- What the full-text index sees for a chunk. FTS5 reads it back through this view to delete
-- entries and to verify itself, so no text is stored twice.
CREATE VIEW fts_src(id, path, symbol, doc, body) AS
  SELECT c.id, f.path, c.name || ' ' || c.qualified_name, c.doc,
         c.header || char(10) || pampax_slice(t.data, c.file_id, c.start_byte, c.end_byte)
  FROM chunks c JOIN files f ON f.id = c.file_id JOIN file_text t ON t.file_id = c.file_id;
-- Terms found in so many chunks that scanning their postings at query time would cost
-- milliseconds ("return", "self"): their document frequency and their best chunks for the term
-- alone, precomputed after indexing. `top` packs (chunk id int64, score float64) pairs, best
-- first, little-endian.
CREATE TABLE hot_terms(term TEXT PRIMARY KEY, df INTEGER NOT NULL, top BLOB NOT NULL) WITHOUT ROWID;
-- Query expansion (search/expansion.h): for a description word, the code terms it translates
-- to, "term p term p ..." best first. Retrained with the hot terms.
CREATE TABLE expansions(word TEXT PRIMARY KEY, terms TEXT NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE chunks_fts USING fts5(
  path, symbol, doc, body,
  content='fts_src', content_rowid='id', tokenize='pampax', detail=column
);
)sql",
    // 1 -> 2: operations (src/ops/): the query-result cache, persisted metrics and the index
    // generation. Self-contained: it may be renumbered when merged with other migrations.
    R"sql(
-- A counter bumped, in the same transaction, by every write that can change a search result
-- (files, vectors, hot-term lists, expansions, the embedder). Query-cache entries carry the
-- generation they were computed at and are only served while it is current.
INSERT OR IGNORE INTO meta(key, value) VALUES('index_generation', '1');
CREATE TRIGGER gen_files_ins AFTER INSERT ON files BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_files_upd AFTER UPDATE OF path, lang, content_hash, lines, status, indexed_at
  ON files BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_files_del AFTER DELETE ON files BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_emb_ins AFTER INSERT ON embeddings BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_emb_del AFTER DELETE ON embeddings BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_hot_ins AFTER INSERT ON hot_terms BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_hot_del AFTER DELETE ON hot_terms BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_exp_ins AFTER INSERT ON expansions BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_exp_del AFTER DELETE ON expansions BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
CREATE TRIGGER gen_meta AFTER INSERT ON meta
  WHEN NEW.key IN ('embed_config', 'embed_model', 'index_format') BEGIN
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_generation'; END;
-- Query-result cache (ops/query_cache.h). `key` is the XXH3 of `request` (the normalised
-- request text, compared on read); `result` is the serialised response.
CREATE TABLE query_cache(
  key INTEGER PRIMARY KEY,
  request BLOB NOT NULL,
  generation INTEGER NOT NULL,
  result BLOB NOT NULL,
  created_at INTEGER NOT NULL,  -- unix seconds
  used_at INTEGER NOT NULL,     -- unix milliseconds of the last read or write (LRU order)
  hits INTEGER NOT NULL DEFAULT 0
);
-- Metrics of every pampax process on this index (ops/metrics.h), merged on flush.
-- Counters add up, gauges keep the last value; `labels` is the Prometheus label text.
CREATE TABLE metric_values(
  name TEXT NOT NULL, labels TEXT NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL,
  updated_at INTEGER NOT NULL, PRIMARY KEY(name, labels)) WITHOUT ROWID;
-- Histograms: `counts` holds the per-bucket (not cumulative) counts, comma-separated, the
-- last one for +Inf.
CREATE TABLE metric_histograms(
  name TEXT NOT NULL, labels TEXT NOT NULL, counts TEXT NOT NULL, sum REAL NOT NULL,
  count INTEGER NOT NULL, max REAL NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY(name, labels)) WITHOUT ROWID;
)sql",
    // 2 -> 3: the builtin embedder's word vectors (embed/builtin_model.h, core/builtin_layer.h):
    // a term (Porter stem), its idf over the training chunks and its float32 vector.
    R"sql(
CREATE TABLE builtin_words(term TEXT PRIMARY KEY, idf REAL NOT NULL, vec BLOB NOT NULL) WITHOUT ROWID;
)sql",
    // 3 -> 4: a Bloom filter (util/bloom.h) of the index's plain words (3 to 33 letters a-z),
    // written with the hot-term lists, so that spelling correction looks up in the full-text
    // vocabulary only the candidates the index may hold. One row; words first written after
    // it are missing from it until the next rebuild (a candidate, never a typed word, is
    // judged by it).
    R"sql(
CREATE TABLE term_filter(id INTEGER PRIMARY KEY CHECK (id = 1), words INTEGER NOT NULL, bits BLOB NOT NULL);
)sql",
};

inline constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);

}  // namespace pampax
