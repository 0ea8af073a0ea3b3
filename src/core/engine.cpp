#include "core/engine.h"

#include <sys/stat.h>

#include <chrono>
#include <future>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "core/indexer.h"
#include "core/builtin_layer.h"
#include "embed/embed_text.h"
#include "embed/rerank_config.h"
#include "search/query.h"
#include "search/searcher.h"
#include "search/vector_file.h"
#include "search/vector_index.h"
#include "util/trace.h"

namespace pampax {
namespace fs = std::filesystem;

fs::path Engine::db_path_for(const fs::path& root) { return root / ".pampax" / "index.db"; }

// Bump when the tokenizer's output or the schema changes incompatibly (2: Porter stems,
// detail=column, chunk hashes, embeddings and expansions tables; 3: marked stems).
static const char* const kIndexFormat = "3";

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
  // The index format: what the tokenizer emits and which tables exist. An index written by a
  // build with another format would answer wrongly (e.g. no stems to match stemmed queries),
  // so it is rebuilt by `pampax index` and refused by readers.
  std::string format = (*store)->meta("index_format").value_or("");
  if (format != kIndexFormat) {
    auto counts = (*store)->counts();
    if (!counts.ok()) return counts.status();
    bool empty = counts->files == 0 && counts->chunks == 0;
    if (!empty && mode == Mode::kRead)
      return Unsupported("the index in " + root.string() + " was built by another version of pampax (format " +
                         (format.empty() ? std::string("1") : format) + ", this one reads " + kIndexFormat +
                         "): rebuild it with: pampax index " + root.string());
    if (!empty) {
      std::fprintf(stderr, "pampax: the index was built by another version of pampax: rebuilding it\n");
      store->reset();
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
      store = IndexStore::open(db.string(), Db::Mode::kCreate);
      if (!store.ok()) return store.status();
    }
    if (mode != Mode::kRead) {
      PAMPAX_RETURN_IF_ERROR((*store)->begin());
      PAMPAX_RETURN_IF_ERROR((*store)->set_meta("index_format", kIndexFormat));
      PAMPAX_RETURN_IF_ERROR((*store)->commit());
    }
  }
  trace_point("engine: index opened");
  return std::unique_ptr<Engine>(new Engine(root, std::move(store).value()));
}

Result<IndexReport> Engine::index_uncached(const IndexOptions& options) {
  return run_index(root_, *store_, options);
}

namespace {

// meta "embed_model": the model id of the vectors in the index, and their dimension.
std::string model_key(const EmbedderInfo& i) { return i.model_id + "|" + std::to_string(i.dim); }

bool split_model_key(const std::string& key, std::string* id, int* dim) {
  size_t bar = key.rfind('|');
  if (bar == std::string::npos) return false;
  *id = key.substr(0, bar);
  *dim = std::atoi(key.c_str() + bar + 1);
  return *dim > 0;
}

// HNSW above a size threshold (search/vector_index.h); $PAMPAX_HNSW_MIN_ROWS overrides it.
HnswPolicy hnsw_policy() {
  HnswPolicy p;
  if (const char* env = std::getenv("PAMPAX_HNSW_MIN_ROWS"); env && *env)
    p.min_rows = static_cast<size_t>(std::strtoull(env, nullptr, 10));
  return p;
}

// Loads or builds (and keeps in .pampax/) the graph of a large vector index. A failure only
// costs speed (the scan answers), so it is reported on stderr and not returned.
void attach_graph(VectorIndex& vi, const fs::path& root, bool build) {
  HnswPolicy policy = hnsw_policy();
  policy.build = build;
  if (vi.size() < policy.min_rows) return;
  bool built = false;
  std::string note;
  auto t0 = std::chrono::steady_clock::now();
  Status st = ensure_hnsw(vi, (root / ".pampax").string(), policy, &built, &note);
  if (!st.ok())
    std::fprintf(stderr, "pampax: vector search scans (no HNSW graph): %s\n", st.message().c_str());
  else if (built)
    std::fprintf(stderr, "pampax: built the HNSW graph of %zu vectors in %.1f s\n", vi.size(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!note.empty()) std::fprintf(stderr, "pampax: %s\n", note.c_str());
}

}  // namespace

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
  if (auto cfg = store_->meta("embed_config")) {
    auto c = EmbedConfig::from_json(*cfg);
    if (c.ok() && c->enabled()) info.embedder = c->describe();
  }
  if (auto key = store_->meta("embed_model")) {
    if (split_model_key(*key, &info.embed_model, &info.embed_dim)) {
      auto counts = store_->embed_counts(info.embed_model);
      if (!counts.ok()) return counts.status();
      info.embedded_chunks = counts->embedded;
    }
  }
  return info;
}

Engine::Engine(fs::path root, std::unique_ptr<IndexStore> store)
    : root_(std::move(root)), store_(std::move(store)) {}
Engine::~Engine() = default;


namespace {

// Weight of the builtin vector arm against the lexical arm's 1 in min-max fusion
// (docs/benchmarks.md: chosen on CoSQA dev and SWE-bench Lite).
constexpr double kBuiltinVectorWeight = 1.0;
// The query strategy with builtin vectors: bug reports (more than kStemmedQueryMaxWords words)
// and single identifiers are searched by the lexical arm alone. On SWE-bench Lite (bug
// reports) every vector weight tried (1, 0.3, 0.1) lowered Acc@1 or Acc@5 against lexical
// search, while short questions (CoSQA) gain (docs/benchmarks.md, "Builtin semantic layer").
bool builtin_leans_lexical(const std::string& query) {
  ParsedQuery pq = parse_query(query);
  return pq.identifier_like || pq.words > kStemmedQueryMaxWords;
}

// The builtin embedder lives in the index; the others are opened from their settings.
// `threads`: the builtin embedder's threads for documents (EmbedOptions::threads).
Result<std::unique_ptr<Embedder>> open_embedder(IndexStore& store, const EmbedConfig& c, bool preload,
                                                int threads = 1) {
  if (c.backend == "builtin") return open_builtin_embedder(store, preload, threads);
  return make_embedder(c);
}

// Wall time of the embedding pass's phases, for $PAMPAX_TRACE.
struct PhaseClock {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last = Clock::now();
  double train = 0, open = 0, prepare = 0, read = 0, embed = 0, write = 0, file = 0;
  void lap(double* into) {
    auto now = Clock::now();
    *into += std::chrono::duration<double>(now - last).count();
    last = now;
  }
  void trace() const {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "embed pass (s): train %.3f, open %.3f, prepare %.3f, read %.3f, embed %.3f, "
                  "write %.3f, vector file %.3f", train, open, prepare, read, embed, write, file);
    trace_point(buf);
  }
};

}  // namespace

Result<EmbedConfig> Engine::index_embedder() {
  // An index that never chose an embedder gets the builtin one: pampax's default (+46% of
  // lexical indexing CPU, CoSQA dev MRR 0.355 -> 0.390, SWE-bench Lite unchanged;
  // docs/benchmarks.md). Deciding it here, not in a front end, makes `pampax index`, the MCP
  // index/update tools and `pampax watch` agree.
  auto stored = store_->meta("embed_config");
  if (!stored) {
    EmbedConfig builtin;
    builtin.backend = "builtin";
    return builtin;
  }
  return EmbedConfig::from_json(*stored);
}

Result<std::optional<EmbedReport>> Engine::embed_after_index(const EmbedOptions& options) {
  EmbedOptions o = options;
  if (!o.config.enabled()) {
    auto c = index_embedder();
    if (!c.ok()) return c.status();
    if (!c->enabled()) return std::optional<EmbedReport>();  // opted out
    o.config = std::move(c).value();
  }
  auto r = embed(o);
  if (!r.ok()) return r.status();
  return std::optional<EmbedReport>(std::move(r).value());
}

Status Engine::disable_embeddings() {
  PAMPAX_RETURN_IF_ERROR(store_->begin());
  Status st = store_->set_meta("embed_config", EmbedConfig{}.to_json());
  if (st.ok()) st = store_->db().exec("DELETE FROM embeddings; DELETE FROM meta WHERE key='embed_model'");
  if (!st.ok()) {
    store_->rollback();
    return st;
  }
  PAMPAX_RETURN_IF_ERROR(store_->commit());
  drop_vectors();
  return Status::Ok();
}

Result<EmbedReport> Engine::embed_uncached(const EmbedOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  EmbedConfig config = options.config;
  if (!config.enabled()) {
    auto c = index_embedder();
    if (!c.ok()) return c.status();
    config = std::move(c).value();
    if (!config.enabled())
      return InvalidArgument("embeddings are turned off for this index (`--embed none`): name an "
                             "embedder to turn them on, e.g. `pampax index --embed builtin`");
  }
  // Where the pass's wall time goes, printed with $PAMPAX_TRACE (util/trace.h).
  PhaseClock clock;
  if (config.backend == "builtin") {
    bool trained = false;
    BuiltinTrainOptions train = builtin_train_options_from_env();
    train.threads = options.threads;
    PAMPAX_RETURN_IF_ERROR(train_builtin_if_needed(*store_, options.reembed, &trained, train));
  }
  clock.lap(&clock.train);
  auto embedder = open_embedder(*store_, config, /*preload=*/true, options.threads);
  if (!embedder.ok()) return embedder.status();
  clock.lap(&clock.open);
  const EmbedderInfo& info = (*embedder)->info();
  EmbedReport rep;
  rep.model_id = info.model_id;
  rep.dim = info.dim;
  rep.backend = config.backend;

  std::string key = model_key(info);
  std::string previous = store_->meta("embed_model").value_or("");
  PAMPAX_RETURN_IF_ERROR(store_->begin());
  Status st = store_->set_meta("embed_config", config.to_json());
  if (st.ok() && previous != key) {
    if (!previous.empty()) rep.previous_model = previous;
    st = store_->set_meta("embed_model", key);
  }
  if (st.ok() && options.reembed) {
    Stmt del = store_->db().must_prepare("DELETE FROM embeddings WHERE model = ?1");
    del.bind(1, info.model_id);
    st = del.run();
  }
  if (st.ok()) st = store_->prune_embeddings(info.model_id, /*keep_unreferenced=*/20000);
  if (!st.ok()) {
    store_->rollback();
    return st;
  }
  PAMPAX_RETURN_IF_ERROR(store_->commit());

  auto counts = store_->embed_counts(info.model_id);
  if (!counts.ok()) return counts.status();
  rep.chunks = counts->chunks;
  rep.reused = counts->embedded;
  if (options.progress) options.progress->start("embedding", static_cast<uint64_t>(rep.chunks - rep.reused));

  // Batch 0 (the CLI's default; EmbedOptions' own default is 64): the backend's default. The
  // builtin embedder costs microseconds per chunk, so
  // per-batch work (the pending query, a commit) weighs: 1,024 a batch saved 0.7 s CPU of 4 s
  // on astropy's 28k chunks against 64 (docs/benchmarks.md).
  const int batch = options.batch > 0 ? options.batch : config.backend == "builtin" ? 1024 : 64;
  // Commits: after every batch when the caller chose the batch size (its resume points);
  // otherwise after the batch that ends kCommitEvery after the previous commit. Each commit
  // rewrites every B-tree page its (random) hashes landed on, so fewer commits write less:
  // astropy's builtin vectors took 0.78 s to write in 28 commits, 0.24 s in one. An
  // interrupted pass loses at most about kCommitEvery of work.
  constexpr auto kCommitEvery = std::chrono::seconds(1);
  const bool commit_each_batch = options.batch > 0;
  struct Txn {  // the open write transaction, rolled back if an error leaves it open
    IndexStore& store;
    bool open = false;
    std::chrono::steady_clock::time_point last_commit = std::chrono::steady_clock::now();
    Status commit() {
      if (!open) return Status::Ok();
      open = false;
      last_commit = std::chrono::steady_clock::now();
      return store.commit();
    }
    ~Txn() {
      if (open) store.rollback();
    }
  } txn{*store_};
  // A batch read from the index: one text per distinct hash.
  struct Batch {
    size_t chunks = 0;  // pending chunks it covers (repeated hashes included)
    std::vector<uint64_t> hashes;
    std::vector<std::string> texts;
  };
  int64_t after = 0;
  uint64_t done = 0, bytes = 0;
  auto read_batch = [&]() -> Result<std::optional<Batch>> {
    for (;;) {
      auto pending = store_->pending_embeddings(info.model_id, after, batch);
      if (!pending.ok()) return pending.status();
      if (pending->empty()) return std::optional<Batch>();
      after = pending->back().chunk_id;
      Batch b;
      b.chunks = pending->size();
      std::vector<int64_t> ids;
      std::unordered_set<uint64_t> seen;
      for (const auto& p : *pending)
        if (seen.insert(p.hash).second) {
          ids.push_back(p.chunk_id);
          b.hashes.push_back(p.hash);
        }
      auto rows = store_->get_chunks(ids);
      if (!rows.ok()) return rows.status();
      if (rows->size() != ids.size()) continue;  // deleted under us by another writer: next round
      b.texts.reserve(rows->size());
      for (const ChunkRow& r : *rows) {
        b.texts.push_back(embed_text(r.qualified_name, r.header, r.text));
        bytes += b.texts.back().size();
      }
      return std::optional<Batch>(std::move(b));
    }
  };
  // The builtin embedder is pure CPU: it embeds a batch on a worker thread (and its own
  // threads) while this thread, the only one using SQLite, reads the next batch. Other
  // embedders run on this thread, one step after the other.
  const bool overlap = config.backend == "builtin";
  clock.lap(&clock.prepare);
  auto next = read_batch();
  clock.lap(&clock.read);
  for (;;) {
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    Batch cur = std::move(**next);
    Result<std::vector<float>> vecs = Internal("not embedded");
    if (overlap) {
      std::thread worker([&] { vecs = (*embedder)->embed(cur.texts, EmbedRole::kDocument); });
      next = read_batch();
      clock.lap(&clock.read);
      worker.join();
      clock.lap(&clock.embed);
    } else {
      vecs = (*embedder)->embed(cur.texts, EmbedRole::kDocument);
      clock.lap(&clock.embed);
    }
    if (!vecs.ok()) {
      PAMPAX_RETURN_IF_ERROR(txn.commit());  // the batches before stay
      return vecs.status();
    }
    if (vecs->size() != cur.texts.size() * static_cast<size_t>(info.dim))
      return Internal("the embedder returned " + std::to_string(vecs->size()) + " floats for " +
                      std::to_string(cur.texts.size()) + " texts of dimension " + std::to_string(info.dim));
    if (!txn.open) {
      PAMPAX_RETURN_IF_ERROR(store_->begin());
      txn.open = true;
    }
    PAMPAX_RETURN_IF_ERROR(store_->put_embeddings(info.model_id, cur.hashes, vecs->data(), info.dim));
    if (commit_each_batch || std::chrono::steady_clock::now() - txn.last_commit >= kCommitEvery)
      PAMPAX_RETURN_IF_ERROR(txn.commit());
    clock.lap(&clock.write);
    rep.embedded += static_cast<int64_t>(cur.texts.size());
    done += cur.chunks;
    if (options.progress) options.progress->advance(done, bytes);
    if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
      PAMPAX_RETURN_IF_ERROR(txn.commit());
      if (options.progress) options.progress->finish();
      vectors_.reset();
      embedder_.reset();
      return Cancelled("embedding was cancelled after " + std::to_string(done) +
                       " chunks (the next run resumes)");
    }
    if (!overlap) {
      next = read_batch();
      clock.lap(&clock.read);
    }
  }
  PAMPAX_RETURN_IF_ERROR(txn.commit());
  clock.lap(&clock.write);
  if (options.progress) options.progress->finish();
  vectors_.reset();  // searches reload
  vectors_source_ = "";
  embedder_.reset();
  // The vector file and, for a large index, the HNSW graph are made now, not by a search.
  // Both are caches: failing to make them costs speed only (a note on stderr).
  {
    // A valid file after a pass that embedded nothing: nothing changed since the pass that
    // wrote it (and made the graph). Otherwise the rows come from SQLite (the graph build
    // reads every row, so not from a mapping), which also rewrites the file.
    bool unchanged = false;
    if (rep.embedded == 0) {
      auto gen = store_->generation();
      if (gen.ok() && *gen > 0)
        unchanged = open_vector_file((root_ / ".pampax" / vector_file_name(key)).string(),
                                     VectorFileStamp{key, info.dim, *gen, 0})
                        .ok();
    }
    if (!unchanged) {
      int64_t missing = 0;
      auto loaded = load_vectors_and_file(key, &missing);
      if (loaded.ok()) attach_graph(**loaded, root_, /*build=*/true);
      else std::fprintf(stderr, "pampax: %s\n", loaded.status().message().c_str());
    }
  }
  clock.lap(&clock.file);
  clock.trace();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

void Engine::drop_vectors() {
  vectors_.reset();
  vectors_model_.clear();
  vectors_source_ = "";
  vectors_missing_ = 0;
  embedder_.reset();
}

Status Engine::prepare_vectors(std::string* why, bool* configured) {
  auto key = store_->meta("embed_model");
  auto cfg_text = store_->meta("embed_config");
  *configured = false;
  if (cfg_text) {
    auto c = EmbedConfig::from_json(*cfg_text);
    *configured = c.ok() && c->enabled();
  }
  if (!key || !cfg_text) {
    *why = "this index has no embeddings";
    return Status::Ok();
  }
  std::string model;
  int dim = 0;
  if (!split_model_key(*key, &model, &dim))
    return Corrupt("the index's embedding model record is damaged: re-embed with pampax index --reembed");
  if (vectors_ && vectors_->lost()) vectors_.reset();  // its file was truncated under us
  if (vectors_ && vectors_model_ == *key && embedder_) return Status::Ok();
  auto cfg = EmbedConfig::from_json(*cfg_text);
  if (!cfg.ok()) return cfg.status();
  if (!cfg->enabled()) {
    *why = "embeddings are turned off for this index";
    *configured = false;
    return Status::Ok();
  }
  // A query is one short text: one gguf thread. More only add ggml's spinning barrier, which
  // cost 10x the CPU (69 vs 7 ms per hybrid search) on the busy 2-core machine we measured on.
  if (cfg->backend == "gguf" && cfg->threads == 0) cfg->threads = 1;
  trace_point("prepare_vectors: settings read");
  auto gen = store_->generation();
  if (!gen.ok()) return gen.status();
  // The vector file is checked (read and checksummed: ~10 ms at 50k x 384) on a second thread
  // while the embedder opens (a gguf model: ~50 ms): a cold search waits for the longer only.
  // The file thread touches no SQLite and no Engine state.
  int64_t chunks = 0;
  std::future<Result<std::unique_ptr<VectorIndex>>> mapping;
  if (*gen > 0)  // without a generation counter (0) nothing would tell a stale file: not used
    mapping = std::async(std::launch::async, [path = (root_ / ".pampax" / vector_file_name(*key)).string(),
                                              stamp = VectorFileStamp{*key, dim, *gen, 0}, &chunks] {
      return open_vector_file(path, stamp, &chunks);
    });
  auto embedder = open_embedder(*store_, *cfg, /*preload=*/false);
  trace_point("prepare_vectors: embedder opened");
  Result<std::unique_ptr<VectorIndex>> mapped = NotFound("no index generation");
  if (mapping.valid()) mapped = mapping.get();
  trace_point("prepare_vectors: vector file checked");
  if (!embedder.ok()) {
    *why = embedder.status().message();
    return Status::Ok();
  }
  if ((*embedder)->info().model_id != model || (*embedder)->info().dim != dim) {
    *why = "the embedder (" + (*embedder)->info().model_id + ") is not the model the index's vectors "
           "were made with (" + model + "): run `pampax index` to re-embed";
    return Status::Ok();
  }
  // The mapped vector file when it belongs to the index as it is now, else the rows from
  // SQLite (and the file rewritten for the next process).
  std::unique_ptr<VectorIndex> vi;
  int64_t missing = 0;
  if (mapped.ok()) {
    vi = std::move(mapped).value();
    missing = chunks - static_cast<int64_t>(vi->size());
    vectors_source_ = "file";
  } else {
    auto loaded = load_vectors_and_file(*key, &missing);
    if (!loaded.ok()) return loaded.status();
    vi = std::move(loaded).value();
    vectors_source_ = "sqlite";
    trace_point("prepare_vectors: vectors loaded from SQLite");
  }
  attach_graph(*vi, root_, /*build=*/false);
  if (vi->lost()) {  // the mapped file was truncated while the graph read its rows
    auto loaded = load_vectors_and_file(*key, &missing);
    if (!loaded.ok()) return loaded.status();
    vi = std::move(loaded).value();
    vectors_source_ = "sqlite";
    attach_graph(*vi, root_, /*build=*/false);
  }
  trace_point("prepare_vectors: graph checked");
  vectors_missing_ = missing;
  embedder_ = std::move(embedder).value();
  vectors_ = std::move(vi);
  vectors_model_ = *key;
  return Status::Ok();
}

Result<std::unique_ptr<VectorIndex>> Engine::load_vectors_and_file(const std::string& model_key,
                                                                   int64_t* missing) {
  std::string model;
  int dim = 0;
  if (!split_model_key(model_key, &model, &dim))
    return Corrupt("the index's embedding model record is damaged: re-embed with pampax index --reembed");
  // One read transaction: the generation stamped on the file is the one the rows were read at.
  PAMPAX_RETURN_IF_ERROR(store_->db().exec("BEGIN"));
  VectorFileStamp stamp{model_key, dim, 0, 0};
  Status st;
  auto gen = store_->generation();
  if (gen.ok()) stamp.generation = *gen;
  else st = gen.status();
  std::unique_ptr<VectorIndex> vi;
  if (st.ok()) {
    auto loaded = VectorIndex::load(*store_, model, dim);
    if (loaded.ok()) vi = std::move(loaded).value();
    else st = loaded.status();
  }
  if (st.ok()) {
    Stmt q = store_->db().must_prepare("SELECT count(*) FROM chunks");
    if (q.step()) stamp.chunks = q.col_int(0);
    st = q.last_status();
  }
  Status end = store_->db().exec(st.ok() ? "COMMIT" : "ROLLBACK");
  PAMPAX_RETURN_IF_ERROR(st);
  PAMPAX_RETURN_IF_ERROR(end);
  *missing = stamp.chunks - static_cast<int64_t>(vi->size());
  if (stamp.generation <= 0) return vi;  // no counter: a file could not be validated later
  const fs::path dir = root_ / ".pampax";
  Status w = write_vector_file(*vi, (dir / vector_file_name(model_key)).string(), stamp);
  if (!w.ok() && std::getenv("PAMPAX_LOG"))
    std::fprintf(stderr, "pampax: the vector file is not kept: %s\n", w.message().c_str());
  return vi;
}

Result<SearchResponse> Engine::search_uncached(const SearchRequest& req) {
  SearchResponse resp;
  SearchRequest r = req;
  VectorArm arm;
  if (req.mode == SearchMode::kHybrid || req.mode == SearchMode::kVector) {
    std::string why;
    bool configured = false;
    PAMPAX_RETURN_IF_ERROR(prepare_vectors(&why, &configured));
    if (!vectors_) {
      if (req.mode == SearchMode::kVector)
        return Unsupported("vector search is not available: " + why +
                           ". Use --mode bm25, or add embeddings: pampax index --embed gguf --model FILE.gguf");
      if (configured) resp.warnings.push_back("lexical results only: " + why);
      r.mode = SearchMode::kBm25;
    } else if (req.mode == SearchMode::kHybrid && req.fusion.empty() && req.vector_weight < 0 &&
               vectors_model_.rfind("builtin:", 0) == 0 && builtin_leans_lexical(req.query)) {
      r.mode = SearchMode::kBm25;  // the query strategy above; --fusion/--vector-weight force fusion
    } else {
      if (vectors_missing_ > 0)
        resp.warnings.push_back(std::to_string(vectors_missing_) +
                                " chunks have no vector yet (run `pampax index` to finish embedding)");
      arm = [this](const std::string& query, const SearchFilters& filters,
                   int k) -> Result<std::vector<ArmHit>> {
        trace_point("vector arm: start");
        auto q = embedder_->embed({query}, EmbedRole::kQuery);
        if (!q.ok()) return q.status();
        trace_point("vector arm: query embedded");
        bool filtered = !filters.lang.empty() || !filters.path_glob.empty() || !filters.kind.empty();
        VectorIndex::KeepFn keep;
        if (filtered)
          keep = [this, &filters](const std::vector<int64_t>& ids) {
            return store_->filter_chunks(ids, filters);
          };
        auto hits = vectors_->search(q->data(), k, keep);
        trace_point("vector arm: searched");
        return hits;
      };
    }
  }
  resp.mode = r.mode;
  SearchOptions so;
  if (req.rerank.enabled()) {
    const RerankConfig& rc = req.rerank;
    const std::string key = rc.backend + '\n' + rc.model_path + '\n' + rc.url + '\n' + rc.model +
                            '\n' + rc.api + '\n' + std::to_string(rc.threads);
    if (!reranker_ || reranker_key_ != key) {
      reranker_.reset();
      auto rr = make_reranker(rc);
      if (!rr.ok()) return rr.status();
      reranker_ = std::move(rr).value();
      reranker_key_ = key;
    }
    so.rerank = [this](const std::string& query, const std::vector<std::string>& docs) {
      return reranker_->score(query, docs);
    };
  }
  // Fusion: the builtin vectors are a weak arm whose cosines sit in a narrow band, so they are
  // min-max scaled and weighted below the lexical arm; model embeddings use RRF.
  const bool builtin = vectors_ && vectors_model_.rfind("builtin:", 0) == 0;
  const std::string fusion = req.fusion.empty() ? (builtin ? "minmax" : "rrf") : req.fusion;
  if (fusion == "minmax") so.fusion.method = FusionOptions::Method::kMinMax;
  else if (fusion == "weighted") so.fusion.method = FusionOptions::Method::kWeighted;
  else if (fusion != "rrf")
    return InvalidArgument("unknown fusion '" + fusion + "' (rrf, weighted or minmax)");
  if (req.vector_weight >= 0) so.fusion.vector_weight = req.vector_weight;
  else if (builtin && fusion == "minmax") so.fusion.vector_weight = kBuiltinVectorWeight;
  Searcher searcher(*store_, std::move(arm), std::move(so));
  trace_point("search: start");
  QueryRewrite rewrite;
  auto hits = searcher.search(r, &rewrite);
  trace_point("search: done");
  if (!hits.ok() && vectors_ && vectors_->lost() && !retrying_lost_vectors_) {
    // Another program truncated the mapped vector file during this search: drop the mapping
    // and answer again, from the SQLite rows (prepare_vectors refuses the file and rewrites it).
    const std::string why = hits.status().message();
    vectors_.reset();
    vectors_source_ = "";
    retrying_lost_vectors_ = true;
    auto again = search_uncached(req);
    retrying_lost_vectors_ = false;
    if (again.ok()) again->warnings.push_back(why + "; the vectors were reloaded from the index");
    return again;
  }
  if (!hits.ok()) return hits.status();
  resp.hits = std::move(hits).value();
  resp.languages = std::move(rewrite.languages);
  resp.corrections = std::move(rewrite.corrections);
  return resp;
}

Result<std::string> Engine::repo_path(std::string_view path) const {
  namespace fs = std::filesystem;
  if (path.empty()) return InvalidArgument("the path is empty");
  if (path.find('\0') != std::string_view::npos) return InvalidArgument("the path contains a NUL byte");
  fs::path p(std::string{path});
  fs::path rel;
  if (p.is_absolute()) {
    std::error_code ec;
    fs::path root = fs::weakly_canonical(root_, ec);
    if (ec) root = root_;
    fs::path lexical = p.lexically_normal();
    rel = lexical.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") {
      rel = lexical.lexically_relative(root_.lexically_normal());
      if (rel.empty() || *rel.begin() == "..")
        return InvalidArgument("'" + std::string(path) + "' is outside the indexed root " +
                               root_.string() + ": give a path inside it (relative paths are "
                               "relative to the root)");
    }
  } else {
    rel = p.lexically_normal();
  }
  std::string out = rel.generic_string();
  if (out == "." || out.empty()) return InvalidArgument("'" + std::string(path) + "' is the root itself, not a file");
  if (out == ".." || out.rfind("../", 0) == 0)
    return InvalidArgument("'" + std::string(path) + "' leads outside the indexed root " +
                           root_.string() + " ('..' above the root is refused)");
  // A symlink (in any component) whose target lies outside the root is refused as well.
  std::error_code ec;
  fs::path on_disk = root_ / rel;
  if (fs::exists(fs::symlink_status(on_disk, ec))) {
    fs::path real = fs::weakly_canonical(on_disk, ec);
    fs::path real_root = fs::weakly_canonical(root_, ec);
    if (!ec) {
      fs::path inside = real.lexically_relative(real_root);
      if (inside.empty() || *inside.begin() == "..")
        return InvalidArgument("'" + std::string(path) + "' is a link to " + real.string() +
                               ", outside the indexed root " + real_root.string());
    }
  }
  return out;
}

Result<Engine::FileSlice> Engine::read_file(std::string_view path, uint32_t start_line,
                                            uint32_t end_line) {
  auto rel = repo_path(path);
  if (!rel.ok()) return rel.status();
  if (start_line && end_line && start_line > end_line)
    return InvalidArgument("start line " + std::to_string(start_line) + " is after end line " +
                           std::to_string(end_line));
  FileSlice out;
  out.path = *rel;
  auto text = store_->file_text(out.path, &out.lang);
  if (!text.ok()) return text.status();
  const std::string& t = *text;
  uint32_t lines = 0;
  for (char c : t) lines += c == '\n';
  if (!t.empty() && t.back() != '\n') ++lines;
  out.total_lines = lines;
  out.start_line = start_line ? start_line : 1;
  out.end_line = end_line ? std::min(end_line, lines) : lines;
  if (out.start_line > lines) {
    out.start_line = lines + 1;
    out.end_line = lines;
    return out;  // past the end: empty slice
  }
  size_t pos = 0;
  for (uint32_t l = 1; l < out.start_line && pos < t.size(); ++l) {
    size_t nl = t.find('\n', pos);
    pos = nl == std::string::npos ? t.size() : nl + 1;
  }
  size_t end = pos;
  for (uint32_t l = out.start_line; l <= out.end_line && end < t.size(); ++l) {
    size_t nl = t.find('\n', end);
    end = nl == std::string::npos ? t.size() : nl + 1;
  }
  out.text = t.substr(pos, end - pos);
  if (!out.text.empty() && out.text.back() != '\n') out.text += '\n';
  return out;
}

}  // namespace pampax
