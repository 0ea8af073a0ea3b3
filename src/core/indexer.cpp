#include "core/indexer.h"
#include "util/utc_time.h"
#include "embed/embed_text.h"
#include "search/expansion.h"
#include "search/lexical.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "util/compress.h"
#include "util/hash.h"

namespace pampax {
namespace {

struct Work {
  const ScannedFile* file;
  const FileRow* existing;  // nullptr when new
};

struct Outcome {
  enum Kind { kWrite, kTouch, kSkip } kind = kWrite;
  const Work* work = nullptr;
  FileWrite write;
  SkipNote skip;
  uint64_t bytes = 0, lines = 0;
  bool fallback = false;
  std::vector<std::string> warnings;
};

// Reads a whole file. Returns false (with errno text in `err`) on failure.
bool read_file(const std::filesystem::path& p, uint64_t limit, std::string& out, std::string& err,
               bool& too_large) {
  too_large = false;
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    err = std::strerror(errno);
    ::close(fd);
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    too_large = true;
    ::close(fd);
    return false;
  }
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;  // file shrank while reading
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  ::close(fd);
  return true;
}

uint32_t count_lines(std::string_view s) {
  if (s.empty()) return 0;
  uint32_t n = static_cast<uint32_t>(std::count(s.begin(), s.end(), '\n'));
  return s.back() == '\n' ? n : n + 1;
}

std::string_view first_line(std::string_view s) {
  size_t nl = s.find('\n');
  return s.substr(0, std::min(nl, static_cast<size_t>(256)));
}

Outcome process(const std::filesystem::path& root, const Work& w, const IndexOptions& opt) {
  Outcome o;
  o.work = &w;
  const ScannedFile& f = *w.file;
  std::string content, err;
  bool too_large = false;
  if (f.is_symlink) {
    o.kind = Outcome::kSkip;
    o.skip = {f.path, "symlink", "symbolic links are not followed"};
    return o;
  }
  if (!read_file(root / f.path, opt.scan.max_file_size, content, err, too_large)) {
    o.kind = Outcome::kSkip;
    o.skip = {f.path, too_large ? "too_large" : "unreadable",
              too_large ? "grew past the size limit while indexing" : err};
    return o;
  }
  if (looks_binary(std::string_view(content).substr(0, 8000))) {
    o.kind = Outcome::kSkip;
    o.skip = {f.path, "binary", "contains NUL bytes"};
    return o;
  }
  std::string hash = content_hash(content);
  if (w.existing && w.existing->content_hash == hash) {
    o.kind = Outcome::kTouch;
    return o;
  }
  Lang lang = detect_language(f.path, first_line(content));
  ParsedFile pf = parse_file(f.path, content, lang, opt.chunk);
  o.write = to_file_write(f.path, content, pf);
  o.write.content_hash = std::move(hash);
  o.write.size = content.size();
  o.write.mtime_ns = f.mtime_ns;
  o.bytes = content.size();
  o.lines = o.write.lines;
  o.fallback = pf.used_fallback && ts_language(lang) != nullptr;
  for (const std::string& warning : pf.warnings) o.warnings.push_back(f.path + ": " + warning);
  return o;
}

// A bounded multi-producer single-consumer queue.
class OutcomeQueue {
 public:
  explicit OutcomeQueue(size_t cap) : cap_(cap) {}
  // Drops the item once the queue is closed.
  void push(Outcome o) {
    std::unique_lock lk(mu_);
    not_full_.wait(lk, [&] { return q_.size() < cap_ || closed_; });
    if (closed_) return;
    q_.push_back(std::move(o));
    not_empty_.notify_one();
  }
  // Waits up to `wait` for an item. Returns false on timeout.
  bool pop(Outcome& out, std::chrono::milliseconds wait) {
    std::unique_lock lk(mu_);
    if (!not_empty_.wait_for(lk, wait, [&] { return !q_.empty(); })) return false;
    out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lk(mu_);
    closed_ = true;
    not_full_.notify_all();
  }

 private:
  size_t cap_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Outcome> q_;
  bool closed_ = false;
};

}  // namespace

// Trains the query-expansion table on up to kExpansionPairs documented chunks (first by id:
// deterministic) and replaces the stored one.
constexpr int kExpansionPairs = 20000;

Status retrain_expansions(IndexStore& store) {
  std::vector<int64_t> ids;
  {
    Stmt q = store.db().must_prepare("SELECT id FROM chunks WHERE doc <> '' ORDER BY id LIMIT ?1");
    q.bind(1, kExpansionPairs);
    while (q.step()) ids.push_back(q.col_int(0));
    if (!q.last_status().ok()) return q.last_status();
  }
  std::vector<TrainingPair> pairs;
  pairs.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); i += 512) {
    std::vector<int64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(i),
                              ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + 512)));
    auto rows = store.get_chunks(part);
    if (!rows.ok()) return rows.status();
    for (const ChunkRow& r : *rows) pairs.push_back({r.doc + "\n" + r.name, r.text});
  }
  TranslationTable table = train_expansions(pairs);
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(table.size());
  for (const auto& [word, list] : table) rows.emplace_back(word, pack_translations(list));
  std::sort(rows.begin(), rows.end());
  return store.replace_expansions(rows);
}

Status maybe_rebuild_hot_terms(IndexStore& store, const IndexCounts& counts, int threads,
                               bool expansions) {
  int64_t pending = std::atoll(store.meta("hot_pending").value_or("0").c_str());
  if (pending == 0) return Status::Ok();
  // A term is hot when it is in at least 2% of the chunks (and at least 1,000): scanning it
  // costs ~1 us per chunk, so cold terms stay under ~1 ms on a 10,000-file repository.
  int64_t min_df = std::max<int64_t>(1000, counts.chunks / 50);
  int64_t built_df = std::atoll(store.meta("hot_min_df").value_or("0").c_str());
  bool stale_threshold = built_df == 0 || min_df > 2 * built_df || 2 * min_df < built_df;
  LexicalWeights lw;
  const double w[4] = {lw.path, lw.symbol, lw.doc, lw.body};
  // Rebuilding reads every hot posting list (seconds on a kernel-sized index), so small
  // updates merge the chunks they wrote into the old lists instead (without that, an edited
  // file's chunks would lose every hot term's share until the next rebuild); the other
  // chunks' scores drift a little, and search skips ids that no longer exist.
  if (!stale_threshold && pending * 50 < counts.files) return store.merge_fresh_hot_terms(w, kHotTopK);
  PAMPAX_RETURN_IF_ERROR(store.rebuild_hot_terms(w, min_df, kHotTopK, threads));
  if (expansions) PAMPAX_RETURN_IF_ERROR(retrain_expansions(store));
  PAMPAX_RETURN_IF_ERROR(store.set_meta("hot_min_df", std::to_string(min_df)));
  return store.set_meta("hot_pending", "0");
}

FileWrite to_file_write(const std::string& path, std::string_view content, const ParsedFile& pf) {
  FileWrite w;
  w.path = path;
  w.lang = std::string(lang_name(pf.lang));
  w.lines = count_lines(content);
  w.status = pf.used_fallback && ts_language(pf.lang) ? "fallback" : "ok";
  w.symbols.reserve(pf.symbols.size());
  for (const Symbol& s : pf.symbols)
    w.symbols.push_back({s.name, s.qualified_name, s.kind, s.start_line, s.end_line, s.parent,
                         s.sig_start, s.sig_end});
  w.chunks.reserve(pf.chunks.size());
  for (const Chunk& c : pf.chunks) {
    StoredChunk sc;
    sc.kind = c.kind;
    sc.name = c.name;
    sc.qualified_name = c.qualified_name;
    sc.doc = c.doc;
    sc.header = c.header;
    sc.start_line = c.start_line;
    sc.end_line = c.end_line;
    sc.start_byte = c.start_byte;
    sc.end_byte = c.end_byte;
    sc.tokens = c.tokens;
    sc.symbol = c.symbol;
    if (c.end_byte <= content.size() && c.start_byte <= c.end_byte)
      sc.hash = embed_hash(embed_text(c.qualified_name, c.header,
                                      content.substr(c.start_byte, c.end_byte - c.start_byte)));
    w.chunks.push_back(std::move(sc));
  }
  w.text_zstd = zstd_compress(content);
  std::map<std::string_view, std::vector<uint32_t>> refs;
  for (const Ref& r : pf.refs) refs[r.name].push_back(r.line);
  for (auto& [name, lines] : refs) {
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    w.refs.push_back({std::string(name), std::move(lines)});
  }
  return w;
}

Result<IndexReport> run_index(const std::filesystem::path& root, IndexStore& store,
                              const IndexOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  IndexReport report;

  auto scanned = scan_tree(root, opt.scan);
  if (!scanned.ok()) return scanned.status();
  // The index lives inside the tree it indexes; never index it.
  std::vector<ScannedFile> files;
  files.reserve(scanned->files.size());
  for (ScannedFile& f : scanned->files)
    if (f.path.rfind(".pampax/", 0) != 0) files.push_back(std::move(f));
  for (const SkippedFile& s : scanned->skipped)
    if (s.path.rfind(".pampax/", 0) != 0) report.skipped.push_back({s.path, skip_reason_name(s.reason), s.detail});
  report.files_seen = files.size();

  auto existing_r = store.list_files();
  if (!existing_r.ok()) return existing_r.status();
  std::map<std::string, FileRow>& existing = existing_r.value();

  // An index of another parser version is parsed again whole (and stamped at the end, so a
  // run killed before then starts over). A new index is stamped now: a killed first run
  // resumes where it stopped.
  const std::string parser_version = std::to_string(kParserVersion);
  if (existing.empty()) PAMPAX_RETURN_IF_ERROR(store.set_meta("parser_version", parser_version));
  else report.parser_upgrade = store.meta("parser_version").value_or("") != parser_version;
  const bool reparse = opt.force || report.parser_upgrade;

  // Diff: unchanged (same size and mtime) files are not even read.
  std::vector<Work> todo;
  std::vector<std::string> deleted;
  {
    size_t fi = 0;
    auto ei = existing.begin();
    while (fi < files.size() || ei != existing.end()) {
      int cmp = fi == files.size() ? 1 : ei == existing.end() ? -1 : files[fi].path.compare(ei->first);
      if (cmp < 0) {
        todo.push_back({&files[fi++], nullptr});
      } else if (cmp > 0) {
        deleted.push_back((ei++)->first);
      } else {
        const ScannedFile& f = files[fi++];
        const FileRow& row = (ei++)->second;
        if (!reparse && row.size == f.size && row.mtime_ns == f.mtime_ns)
          ++report.files_unchanged;
        else
          todo.push_back({&f, reparse ? nullptr : &row});
      }
    }
  }

  if (!deleted.empty()) {
    PAMPAX_RETURN_IF_ERROR(store.begin());
    for (const std::string& p : deleted) {
      Status st = store.delete_file(p);
      if (!st.ok()) {
        store.rollback();
        return st;
      }
    }
    PAMPAX_RETURN_IF_ERROR(store.commit());
    report.files_deleted = deleted.size();
  }

  int threads = opt.threads > 0 ? opt.threads
                                : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(std::max<size_t>(1, todo.size())));
  OutcomeQueue queue(static_cast<size_t>(threads) * 64);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  if (!todo.empty()) {
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&] {
        for (;;) {
          if (stop.load(std::memory_order_relaxed)) return;
          size_t i = next.fetch_add(1);
          if (i >= todo.size()) return;
          queue.push(process(root, todo[i], opt));
        }
      });
  }

  if (opt.progress) opt.progress->start("indexing", todo.size());
  Status failure;
  size_t received = 0, in_batch = 0;
  // Files changed since the hot-term lists were built, persisted with each batch so a killed
  // run still counts (see maybe_rebuild_hot_terms).
  int64_t hot_pending = std::atoll(store.meta("hot_pending").value_or("0").c_str()) +
                        static_cast<int64_t>(deleted.size());
  int64_t changed_in_run = 0;
  uint64_t bytes_done = 0;
  auto batch_start = std::chrono::steady_clock::now();
  bool in_txn = false;
  auto commit_batch = [&]() -> Status {
    if (!in_txn) return Status::Ok();
    in_txn = false;
    in_batch = 0;
    if (changed_in_run > 0) {
      Status st = store.set_meta("hot_pending", std::to_string(hot_pending + changed_in_run));
      if (!st.ok()) {
        store.rollback();
        return st;
      }
    }
    return store.commit();
  };
  while (received < todo.size()) {
    Outcome o;
    if (!queue.pop(o, std::chrono::milliseconds(200))) {
      // Nothing arrived for a while: commit what we have so a long file does not hold it.
      if (Status st = commit_batch(); !st.ok()) { failure = st; break; }
      continue;
    }
    ++received;
    if (!in_txn) {
      if (Status st = store.begin(); !st.ok()) { failure = st; break; }
      in_txn = true;
      batch_start = std::chrono::steady_clock::now();
    }
    Status st;
    const ScannedFile& f = *o.work->file;
    switch (o.kind) {
      case Outcome::kWrite:
        st = store.put_file(o.write);
        ++report.files_indexed;
        ++changed_in_run;
        report.chunks += o.write.chunks.size();
        report.symbols += o.write.symbols.size();
        report.refs += o.write.refs.size();
        report.bytes += o.bytes;
        report.lines += o.lines;
        report.fallback_files += o.fallback ? 1 : 0;
        for (auto& w : o.warnings) report.warnings.push_back(std::move(w));
        break;
      case Outcome::kTouch:
        st = store.touch_file(f.path, f.size, f.mtime_ns);
        ++report.files_touched;
        break;
      case Outcome::kSkip:
        // A file that became binary/too large/unreadable leaves the index.
        if (o.work->existing || existing.count(f.path)) {
          st = store.delete_file(f.path);
          ++changed_in_run;
        }
        report.skipped.push_back(std::move(o.skip));
        break;
    }
    if (!st.ok()) { failure = st; break; }
    bytes_done += f.size;
    ++in_batch;
    if (in_batch >= opt.batch_files ||
        std::chrono::steady_clock::now() - batch_start > std::chrono::seconds(1)) {
      if (Status c = commit_batch(); !c.ok()) { failure = c; break; }
    }
    if (opt.progress) opt.progress->advance(received, bytes_done);
    if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) {
      failure = commit_batch();  // keep what was parsed: the next run resumes after it
      if (failure.ok())
        failure = Cancelled("indexing was cancelled after " + std::to_string(received) + " of " +
                            std::to_string(todo.size()) + " files (the next run resumes)");
      break;
    }
  }
  if (failure.ok()) failure = commit_batch();
  if (!failure.ok() && in_txn) store.rollback();
  // Wake any worker blocked on a full queue (after an error) and wait for all of them.
  stop = true;
  queue.close();
  for (auto& w : workers) w.join();
  if (opt.progress) opt.progress->finish();
  if (!failure.ok()) return failure;

  auto counts = store.counts();
  if (!counts.ok()) return counts.status();
  PAMPAX_RETURN_IF_ERROR(store.set_meta("chunk_count", std::to_string(counts->chunks)));
  auto hot_t0 = std::chrono::steady_clock::now();
  PAMPAX_RETURN_IF_ERROR(maybe_rebuild_hot_terms(store, *counts, threads, opt.train_expansions));
  report.hot_terms_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - hot_t0).count();
  PAMPAX_RETURN_IF_ERROR(store.set_meta("last_update", utc_time("%Y-%m-%dT%H:%M:%SZ")));
  PAMPAX_RETURN_IF_ERROR(store.set_meta("pampax_version", PAMPAX_VERSION));
  if (report.parser_upgrade) PAMPAX_RETURN_IF_ERROR(store.set_meta("parser_version", parser_version));
  std::sort(report.skipped.begin(), report.skipped.end(),
            [](const SkipNote& a, const SkipNote& b) { return a.path < b.path; });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace pampax
