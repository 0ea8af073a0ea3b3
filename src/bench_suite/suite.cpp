#include "bench_suite/suite.h"
#include "util/utc_time.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "assemble/assembler.h"
#include "assemble/render.h"
#include "core/engine.h"
#include "core/query_cache.h"

extern char** environ;

namespace pampax::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of the whole process (all threads), in ms.
double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double status_field_mb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  size_t klen = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, klen, key) == 0 && line.size() > klen && line[klen] == ':') {
      return std::strtod(line.c_str() + klen + 1, nullptr) / 1024.0;  // kB -> MiB
    }
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0: "5" to clear_refs). False when refused.
bool reset_peak_rss() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

struct Spec {
  const char* metric;
  const char* stat;
  double pampax;  // 0 = no published target
  double own;
  bool at_most;
};

// Published targets and our own goals (documented in docs/benchmarks.md).
const Spec kSpecs[] = {
    {"search_warm", "p50", 300, 10, true},
    {"search_warm", "p95", 800, 30, true},
    {"search_cached", "p95", 0, 1, true},
    {"search_cold", "p50", 700, 100, true},
    {"search_cold", "p95", 1500, 200, true},
    {"assemble_warm", "p50", 1000, 50, true},
    {"assemble_warm", "p95", 2000, 100, true},
    {"assemble_evidence_warm", "p50", 1000, 50, true},
    {"assemble_evidence_warm", "p95", 2000, 100, true},
    {"assemble_cold", "p50", 3000, 250, true},
    {"assemble_cold", "p95", 6000, 500, true},
    {"render_markdown", "p95", 150, 5, true},
    {"render_json", "p95", 150, 5, true},
    {"sqlite_chunk_by_id", "p95", 50, 1, true},
    {"sqlite_symbol_lookup", "p95", 50, 1, true},
    {"sqlite_file_text", "p95", 50, 2, true},
    {"index_peak_rss", "MB", 500, 400, true},
    {"query_peak_rss", "MB", 500, 200, true},
    {"steady_rss", "MB", 500, 150, true},
    {"cold_search_peak_rss", "MB", 500, 100, true},
    {"cold_assemble_peak_rss", "MB", 500, 150, true},
    {"index_throughput", "files/s", 0, 500, false},
};

const char* const kGnuTime = "/usr/bin/time";

const std::vector<std::string> kKeywordQueries = {"function", "class", "variable", "method", "property"};

struct ChildRun {
  double ms = 0, cpu_ms = 0, maxrss_mb = 0;
  int exit_code = 0;
};

// Runs argv with stdout to /dev/null and stderr to err_path, PAMPAX_QUERY_CACHE=off in its
// environment; wall time from spawn to reaped, and the child's ru_maxrss.
//
// Linux carries a process's peak RSS across exec (the spawning process's peak becomes the
// child's ru_maxrss floor), so a child spawned from this large process reports at least our
// own peak. With `rss_file` the command runs under GNU time (`/usr/bin/time -f %M -o FILE`), a
// small process whose own child's peak is then the command's own; maxrss_mb is read from FILE.
// Used for the memory runs, not the timed ones.
Result<ChildRun> run_child(std::vector<std::string> argv, const std::string& err_path,
                           const std::string& rss_file = "") {
  if (!rss_file.empty()) argv.insert(argv.begin(), {kGnuTime, "-f", "%M", "-o", rss_file});
  std::vector<std::string> env_s;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "PAMPAX_QUERY_CACHE=", 19) != 0) env_s.emplace_back(*e);
  }
  env_s.emplace_back("PAMPAX_QUERY_CACHE=off");
  std::vector<char*> envp, args;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : argv) args.push_back(s.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  auto t0 = Clock::now();
  int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return IoError("cannot start " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) return IoError(std::string("wait4: ") + std::strerror(errno));
  }
  ChildRun r;
  r.ms = ms_since(t0);
  r.maxrss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  r.cpu_ms = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
             static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (!rss_file.empty() && r.exit_code == 0) {
    std::ifstream in(rss_file);
    double kb = 0;
    if (!(in >> kb)) return Internal("cannot read the peak RSS that " + std::string(kGnuTime) + " wrote to " + rss_file);
    r.maxrss_mb = kb / 1024.0;
  }
  if (r.exit_code != 0) {
    std::ifstream in(err_path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return Internal("cold run failed (exit " + std::to_string(r.exit_code) + "): " + cmd + ": " + ss.str());
  }
  return r;
}

OpResult make_op(std::string name, std::string description) {
  OpResult op;
  op.name = std::move(name);
  op.description = std::move(description);
  return op;
}

void finish_op(OpResult& op) { op.summary = summarize(op.samples_ms); }

class Logger {
 public:
  explicit Logger(const std::function<void(const std::string&)>& fn) : fn_(fn) {}
  void operator()(const std::string& s) const {
    if (fn_) fn_(s);
  }

 private:
  const std::function<void(const std::string&)>& fn_;
};

Status bench_size(const BenchOptions& o, const std::string& size, int files,
                  const std::filesystem::path& scratch, const std::vector<std::string>& queries,
                  const std::vector<std::string>& asm_queries, const std::string& binary,
                  const Logger& log, SizeResult* out) {
  SizeResult& r = *out;
  r.size = size;
  std::filesystem::path root = scratch / (size + "-" + std::to_string(files));
  r.root = root.string();
  char buf[256];
  std::snprintf(buf, sizeof buf, "bench: %s: generating %d files in %s", size.c_str(), files, r.root.c_str());
  log(buf);
  auto t0 = Clock::now();
  SynthOptions so;
  so.files = files;
  so.seed = o.seed;
  auto gen = generate_repository(root, so);
  if (!gen.ok()) return gen.status();
  r.synth = *gen;
  r.generate_seconds = ms_since(t0) / 1000;

  // ---- Index (in-process) ----
  log("bench: " + size + ": indexing" + std::string(o.embed ? " (lexical + builtin vectors)" : " (lexical)"));
  r.hwm_reset = reset_peak_rss();
  {
    auto eng = Engine::open(root, Engine::Mode::kWrite);
    if (!eng.ok()) return eng.status();
    IndexOptions io;
    io.threads = o.threads;
    auto rep = (*eng)->index(io);
    if (!rep.ok()) return rep.status();
    r.files_indexed = rep->files_indexed;
    r.chunks = rep->chunks;
    r.symbols = rep->symbols;
    r.index_seconds = rep->seconds;
    if (o.embed) {
      EmbedOptions eo;
      eo.config.backend = "builtin";
      eo.config.threads = o.threads;
      auto em = (*eng)->embed(eo);
      if (!em.ok()) return em.status();
      r.embed_seconds = em->seconds;
      r.embedded = em->embedded;
    }
  }
  double secs = std::max(r.index_seconds, 1e-9);
  r.files_per_second = static_cast<double>(r.files_indexed) / secs;
  r.chunks_per_second = static_cast<double>(r.chunks) / secs;
  r.index_peak_mb = self_peak_rss_mb();
  std::snprintf(buf, sizeof buf, "bench: %s: indexed %llu files, %llu chunks in %.2f s (%.0f files/s), vectors %.2f s",
                size.c_str(), static_cast<unsigned long long>(r.files_indexed),
                static_cast<unsigned long long>(r.chunks), r.index_seconds, r.files_per_second, r.embed_seconds);
  log(buf);

  // ---- Warm, in-process ----
  if (!reset_peak_rss()) r.hwm_reset = false;
  auto eng = Engine::open(root, Engine::Mode::kRead);
  if (!eng.ok()) return eng.status();
  Engine& engine = **eng;
  QueryCacheOptions cache_off;
  cache_off.enabled = false;
  engine.query_cache().set_options(cache_off);

  log("bench: " + size + ": warm search (" + std::to_string(o.repeat) + " runs per query, query cache off)");
  OpResult warm = make_op("search_warm", "hybrid search, in-process Engine::search, query cache bypassed, limit 10");
  OpResult warm_cpu = make_op("search_warm_cpu", "CPU time (all threads) of the search_warm runs: what they cost on a shared machine");
  for (const std::string& q : queries) {
    SearchRequest req;
    req.query = q;
    req.limit = 10;
    auto first = engine.search(req);  // warm-up (loads vectors, warms SQLite pages)
    if (!first.ok()) return first.status();
    if (r.search_mode.empty()) r.search_mode = search_mode_name(first->mode);
    std::vector<double> qs;
    for (int i = 0; i < o.repeat; ++i) {
      double c0 = process_cpu_ms();
      auto t = Clock::now();
      auto res = engine.search(req);
      double ms = ms_since(t);
      warm_cpu.samples_ms.push_back(process_cpu_ms() - c0);
      if (!res.ok()) return res.status();
      qs.push_back(ms);
    }
    warm.samples_ms.insert(warm.samples_ms.end(), qs.begin(), qs.end());
    warm.per_query.emplace_back(q, summarize(qs));
  }
  finish_op(warm);
  finish_op(warm_cpu);

  OpResult cached = make_op("search_cached", "hybrid search answered by the query cache (hot in-memory entry)");
  engine.query_cache().set_options(QueryCacheOptions{});
  for (const std::string& q : queries) {
    SearchRequest req;
    req.query = q;
    req.limit = 10;
    auto first = engine.search(req);
    if (!first.ok()) return first.status();
    std::vector<double> qs;
    for (int i = 0; i < o.repeat; ++i) {
      auto t = Clock::now();
      auto res = engine.search(req);
      double ms = ms_since(t);
      if (!res.ok()) return res.status();
      qs.push_back(ms);
    }
    cached.samples_ms.insert(cached.samples_ms.end(), qs.begin(), qs.end());
    cached.per_query.emplace_back(q, summarize(qs));
  }
  finish_op(cached);
  engine.query_cache().set_options(cache_off);

  log("bench: " + size + ": warm assembly and rendering");
  OpResult asm_plain = make_op("assemble_warm", "context assembly, markdown, 8,000-token budget, in-process (search included)");
  OpResult asm_ev = make_op("assemble_evidence_warm", "context assembly with evidence lines, markdown, 8,000 tokens, in-process");
  OpResult md = make_op("render_markdown", "markdown rendering of a finished bundle with evidence");
  OpResult js = make_op("render_json", "JSON rendering of a finished bundle (always with evidence)");
  for (const std::string& q : asm_queries) {
    for (int evidence = 0; evidence < 2; ++evidence) {
      AssembleRequest ar;
      ar.query = q;
      ar.budget = 8000;
      ar.evidence = evidence == 1;
      auto warmup = assemble(engine, ar);  // loads the tokenizer
      if (!warmup.ok()) return warmup.status();
      OpResult& op = evidence ? asm_ev : asm_plain;
      std::vector<double> qs;
      Bundle last;
      for (int i = 0; i < o.repeat; ++i) {
        auto t = Clock::now();
        auto b = assemble(engine, ar);
        double ms = ms_since(t);
        if (!b.ok()) return b.status();
        qs.push_back(ms);
        if (i + 1 == o.repeat) last = std::move(b).value();
      }
      op.samples_ms.insert(op.samples_ms.end(), qs.begin(), qs.end());
      op.per_query.emplace_back(q, summarize(qs));
      if (evidence) {
        Bundle jb = last;
        jb.format = BundleFormat::kJson;
        std::vector<double> mq, jq;
        size_t sink = 0;
        for (int i = 0; i < o.repeat; ++i) {
          auto t = Clock::now();
          sink += render_markdown(last).size();
          mq.push_back(ms_since(t));
          t = Clock::now();
          sink += render_json(jb).size();
          jq.push_back(ms_since(t));
        }
        if (sink == 0) return Internal("rendering produced no text for \"" + q + "\"");
        md.samples_ms.insert(md.samples_ms.end(), mq.begin(), mq.end());
        md.per_query.emplace_back(q, summarize(mq));
        js.samples_ms.insert(js.samples_ms.end(), jq.begin(), jq.end());
        js.per_query.emplace_back(q, summarize(jq));
      }
    }
  }
  for (OpResult* op : {&asm_plain, &asm_ev, &md, &js}) finish_op(*op);

  log("bench: " + size + ": SQLite reads (" + std::to_string(o.sqlite_reads) + " each)");
  IndexStore& store = engine.store();
  std::vector<int64_t> chunk_ids;
  std::vector<std::string> sym_names, paths;
  {
    auto st = store.db().prepare("SELECT id FROM chunks ORDER BY id");
    if (!st.ok()) return st.status();
    while (st->step()) chunk_ids.push_back(st->col_int(0));
    auto sy = store.db().prepare("SELECT DISTINCT name FROM symbols ORDER BY name");
    if (!sy.ok()) return sy.status();
    while (sy->step()) sym_names.emplace_back(sy->col_text(0));
    auto fp = store.db().prepare("SELECT path FROM files ORDER BY path");
    if (!fp.ok()) return fp.status();
    while (fp->step()) paths.emplace_back(fp->col_text(0));
  }
  if (chunk_ids.empty() || sym_names.empty() || paths.empty())
    return Internal("the benchmark index has no chunks, symbols or files");
  OpResult rc = make_op("sqlite_chunk_by_id", "IndexStore::get_chunk (row + decompressed text) of a random chunk id");
  OpResult rs = make_op("sqlite_symbol_lookup", "IndexStore::find_symbols, exact name, limit 10");
  OpResult rf = make_op("sqlite_file_text", "IndexStore::file_text (decompressed) of a random file");
  uint64_t x = o.seed * 2654435761u + 1;
  auto next = [&x](size_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<size_t>(x % n);
  };
  for (int i = 0; i < o.sqlite_reads; ++i) {
    int64_t id = chunk_ids[next(chunk_ids.size())];
    auto t = Clock::now();
    auto c = store.get_chunk(id);
    double ms = ms_since(t);
    if (!c.ok()) return c.status();
    rc.samples_ms.push_back(ms);
    const std::string& name = sym_names[next(sym_names.size())];
    t = Clock::now();
    auto s = store.find_symbols(name, NameMatch::kExact, "", SearchFilters{}, 10);
    ms = ms_since(t);
    if (!s.ok()) return s.status();
    if (s->empty()) return Internal("symbol lookup found no row for " + name);
    rs.samples_ms.push_back(ms);
    const std::string& path = paths[next(paths.size())];
    t = Clock::now();
    auto f = store.file_text(path);
    ms = ms_since(t);
    if (!f.ok()) return f.status();
    rf.samples_ms.push_back(ms);
  }
  for (OpResult* op : {&rc, &rs, &rf}) finish_op(*op);
  r.steady_mb = self_rss_mb();
  r.query_peak_mb = self_peak_rss_mb();
  eng->reset();

  // ---- Cold: a new process per run (the OS page cache stays warm) ----
  log("bench: " + size + ": cold search and assembly (" + std::to_string(o.cold_repeat) +
      " processes per query)");
  OpResult cold = make_op("search_cold", "`pampax search Q -p ROOT -o json` as a new process (page cache warm), query cache off");
  OpResult cold_asm = make_op("assemble_cold", "`pampax assemble Q -p ROOT --budget 8000 --evidence` as a new process");
  OpResult cold_cpu = make_op("search_cold_cpu", "CPU time (user + system) of the search_cold processes");
  OpResult cold_asm_cpu = make_op("assemble_cold_cpu", "CPU time (user + system) of the assemble_cold processes");
  std::string err_path = (scratch / "cold-stderr.txt").string();
  r.cold_rss_exact = ::access(kGnuTime, X_OK) == 0;
  std::error_code ec;
  std::map<std::string, std::vector<double>> per_q, per_aq;
  for (int rep = 0; rep < o.cold_repeat; ++rep) {
    for (const std::string& q : queries) {
      auto c = run_child({binary, "search", q, "-p", root.string(), "-o", "json", "-n", "10"}, err_path);
      if (!c.ok()) return c.status();
      cold.samples_ms.push_back(c->ms);
      cold_cpu.samples_ms.push_back(c->cpu_ms);
      per_q[q].push_back(c->ms);
      if (!r.cold_rss_exact) r.cold_search_peak_mb = std::max(r.cold_search_peak_mb, c->maxrss_mb);
    }
    for (const std::string& q : asm_queries) {
      auto c = run_child({binary, "assemble", q, "-p", root.string(), "--budget", "8000", "--evidence"}, err_path);
      if (!c.ok()) return c.status();
      cold_asm.samples_ms.push_back(c->ms);
      cold_asm_cpu.samples_ms.push_back(c->cpu_ms);
      per_aq[q].push_back(c->ms);
      if (!r.cold_rss_exact) r.cold_assemble_peak_mb = std::max(r.cold_assemble_peak_mb, c->maxrss_mb);
    }
  }
  // Peak RSS of the cold processes: one more run per query under GNU time (see run_child);
  // without it, the timed runs' ru_maxrss, which is at least this process's own peak.
  std::string rss_path = (scratch / "cold-rss.txt").string();
  for (const std::string& q : queries) {
    if (!r.cold_rss_exact) break;
    auto c = run_child({binary, "search", q, "-p", root.string(), "-o", "json", "-n", "10"}, err_path, rss_path);
    if (!c.ok()) return c.status();
    r.cold_search_peak_mb = std::max(r.cold_search_peak_mb, c->maxrss_mb);
  }
  for (const std::string& q : asm_queries) {
    if (!r.cold_rss_exact) break;
    auto c = run_child({binary, "assemble", q, "-p", root.string(), "--budget", "8000", "--evidence"}, err_path, rss_path);
    if (!c.ok()) return c.status();
    r.cold_assemble_peak_mb = std::max(r.cold_assemble_peak_mb, c->maxrss_mb);
  }
  std::filesystem::remove(rss_path, ec);
  for (const std::string& q : queries) cold.per_query.emplace_back(q, summarize(per_q[q]));
  for (const std::string& q : asm_queries) cold_asm.per_query.emplace_back(q, summarize(per_aq[q]));
  for (OpResult* op : {&cold, &cold_asm, &cold_cpu, &cold_asm_cpu}) finish_op(*op);
  std::filesystem::remove(err_path, ec);

  r.ops = {std::move(warm),      std::move(warm_cpu), std::move(cached),   std::move(cold),
           std::move(cold_cpu),  std::move(asm_plain), std::move(asm_ev),  std::move(cold_asm),
           std::move(cold_asm_cpu), std::move(md),     std::move(js),      std::move(rc),
           std::move(rs),        std::move(rf)};

  // ---- Verdict ----
  std::map<std::string, double> resources = {
      {"index_peak_rss", r.index_peak_mb},          {"query_peak_rss", r.query_peak_mb},
      {"steady_rss", r.steady_mb},                  {"cold_search_peak_rss", r.cold_search_peak_mb},
      {"cold_assemble_peak_rss", r.cold_assemble_peak_mb}, {"index_throughput", r.files_per_second}};
  for (const Spec& sp : kSpecs) {
    double value = 0;
    bool found = false;
    for (const OpResult& op : r.ops) {
      if (op.name == sp.metric) {
        value = std::string(sp.stat) == "p50" ? op.summary.p50 : op.summary.p95;
        found = true;
      }
    }
    if (!found) {
      auto it = resources.find(sp.metric);
      if (it == resources.end()) continue;
      value = it->second;
    }
    for (int own = 0; own < 2; ++own) {
      double limit = own ? sp.own : sp.pampax;
      if (limit <= 0) continue;
      Check c;
      c.metric = sp.metric;
      c.stat = sp.stat;
      c.source = own ? "own" : "pampax";
      c.limit = limit;
      c.value = value;
      c.at_most = sp.at_most;
      c.pass = sp.at_most ? value <= limit : value >= limit;
      r.checks.push_back(c);
    }
  }
  return Status::Ok();
}

}  // namespace

int size_files(const std::string& size) {
  if (size == "small") return 100;
  if (size == "medium") return 1000;
  if (size == "large") return 10000;
  return 0;
}

double self_peak_rss_mb() { return status_field_mb("VmHWM"); }
double self_rss_mb() { return status_field_mb("VmRSS"); }

Result<BenchReport> run_bench(const BenchOptions& o) {
  if (o.sizes.empty()) return InvalidArgument("no repository size given (small, medium, large)");
  for (const std::string& s : o.sizes) {
    if (size_files(s) == 0) return InvalidArgument("unknown size '" + s + "' (small, medium or large)");
    if (std::count(o.sizes.begin(), o.sizes.end(), s) > 1) return InvalidArgument("size '" + s + "' given twice");
  }
  if (o.files < 0) return InvalidArgument("--files must be >= 1");
  if (o.repeat < 1 || o.cold_repeat < 1 || o.sqlite_reads < 1)
    return InvalidArgument("--repeat, --cold-repeat and --sqlite-reads must be >= 1");
  Logger log(o.log);
  BenchReport rep;
  rep.version = PAMPAX_VERSION;
  rep.started_utc = utc_time("%Y-%m-%dT%H:%M:%SZ");
  rep.cores = static_cast<int>(std::thread::hardware_concurrency());
  double la[1] = {0};
  if (getloadavg(la, 1) == 1) rep.load_average = la[0];
  rep.options = o;
  rep.options.log = nullptr;
  rep.queries = kKeywordQueries;
  for (const std::string& q : synthetic_nl_queries()) rep.queries.push_back(q);
  rep.assemble_queries = synthetic_nl_queries();

  std::string binary = o.binary;
  if (binary.empty()) {
    std::error_code ec;
    binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return IoError("cannot find the pampax executable (/proc/self/exe): " + ec.message());
  }
  std::error_code ec;
  std::filesystem::path parent = o.work_dir.empty() ? std::filesystem::temp_directory_path(ec) : o.work_dir;
  if (ec) return IoError("no temporary directory: " + ec.message());
  std::filesystem::create_directories(parent, ec);
  if (ec) return IoError("cannot create " + parent.string() + ": " + ec.message());
  std::string templ = (parent / "pampax-bench-XXXXXX").string();
  if (!mkdtemp(templ.data())) return IoError("cannot create a directory in " + parent.string() + ": " + std::strerror(errno));
  std::filesystem::path scratch = templ;
  auto t0 = Clock::now();
  Status st = Status::Ok();
  for (const std::string& size : o.sizes) {
    int files = o.files > 0 ? o.files : size_files(size);
    SizeResult r;
    st = bench_size(o, size, files, scratch, rep.queries, rep.assemble_queries, binary, log, &r);
    if (!st.ok()) break;
    for (const Check& c : r.checks) {
      if (!c.pass) (c.source == "own" ? rep.failed_goals : rep.failed_targets)++;
    }
    rep.sizes.push_back(std::move(r));
    if (!o.keep) std::filesystem::remove_all(scratch / (size + "-" + std::to_string(files)), ec);
  }
  rep.seconds = ms_since(t0) / 1000;
  if (o.keep) {
    log("bench: kept the repositories in " + scratch.string());
  } else {
    std::filesystem::remove_all(scratch, ec);
  }
  if (!st.ok()) return st;
  return rep;
}

}  // namespace pampax::bench
