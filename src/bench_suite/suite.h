// The benchmark suite behind `pampax bench`: generates synthetic repositories (synth.h),
// indexes them through the Engine, measures warm searches, assemblies, rendering and SQLite
// reads in-process, cold searches and assemblies as separate `pampax` processes, and memory;
// then checks every figure against PAMPAX's published targets and pampax's own goals
// (docs/benchmarks.md, "Benchmark suite"). Rendering of the results: report.h.
//
// Threading: run_bench() is single-threaded from the caller's view (indexing uses its own
// threads); call it from one thread. It spawns child processes and waits for them.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "bench_suite/stats.h"
#include "bench_suite/synth.h"
#include "util/status.h"

namespace pampax::bench {

struct BenchOptions {
  std::vector<std::string> sizes = {"small", "medium", "large"};  // 100 / 1,000 / 10,000 files
  int files = 0;          // > 0: every size has this many files (quick runs, tests)
  int repeat = 20;        // warm runs per query and operation (>= 1)
  int cold_repeat = 5;    // cold processes per query (>= 1)
  int sqlite_reads = 200; // lookups per SQLite read operation (>= 1)
  std::filesystem::path work_dir;  // parent of the scratch directory; "" = system temp
  bool keep = false;      // keep the generated repositories and their indexes
  bool embed = true;      // builtin vectors, so that hybrid search is hybrid
  uint64_t seed = 42;
  int threads = 0;        // index threads (0 = all cores)
  std::string binary;     // pampax executable for the cold runs; "" = this process's
  std::function<void(const std::string&)> log;  // progress lines; may be empty
};

// The files of a named size ("small" 100, "medium" 1,000, "large" 10,000); 0 when unknown.
int size_files(const std::string& size);

// One measured operation: latencies in milliseconds.
struct OpResult {
  std::string name;         // stable id: search_warm, search_cold, ... (docs/cli.md)
  std::string description;
  std::vector<double> samples_ms;
  Summary summary;
  std::vector<std::pair<std::string, Summary>> per_query;  // search and assembly operations
};

// One line of the verdict: `value` against `limit` (<= for latencies and memory, >= for
// throughput).
struct Check {
  std::string metric;   // operation or resource name
  std::string stat;     // "p50", "p95", "MB", "files/s"
  std::string source;   // "pampax" (published target) or "own" (our goal)
  double limit = 0, value = 0;
  bool at_most = true;
  bool pass = false;
};

struct SizeResult {
  std::string size;
  std::string root;     // where the repository was generated (removed unless keep)
  SynthReport synth;
  double generate_seconds = 0;
  // Indexing (in-process, Engine::index then Engine::embed).
  uint64_t files_indexed = 0, chunks = 0, symbols = 0;
  double index_seconds = 0, embed_seconds = 0;
  int64_t embedded = 0;
  double files_per_second = 0, chunks_per_second = 0;
  std::string search_mode;   // what "hybrid" ran as ("hybrid", or "bm25" without vectors)
  std::vector<OpResult> ops;
  // Memory (MiB): this process's peak while indexing and while querying (VmHWM, reset between
  // phases where the kernel allows), its resident set after the warm phase (VmRSS), and the
  // largest peak of the cold child processes (ru_maxrss of wait4, see cold_rss_exact).
  double index_peak_mb = 0, query_peak_mb = 0, steady_mb = 0;
  double cold_search_peak_mb = 0, cold_assemble_peak_mb = 0;
  bool hwm_reset = false;    // whether the kernel accepted the peak-RSS reset
  // Whether the cold peaks are the processes' own (measured under /usr/bin/time); false: the
  // timed runs' ru_maxrss, which Linux floors at this process's peak (an upper bound).
  bool cold_rss_exact = false;
  std::vector<Check> checks;
};

struct BenchReport {
  std::string version, started_utc, host_note;
  int cores = 0;
  double load_average = 0;   // 1-minute load average at the start
  BenchOptions options;      // log is not reported
  std::vector<std::string> queries, assemble_queries;
  std::vector<SizeResult> sizes;
  int failed_targets = 0, failed_goals = 0;
  double seconds = 0;
};

// Runs the suite. Errors: kInvalidArgument for an unknown size or a count < 1; any failure of
// generation, indexing, a search or a cold process (with its stderr), as the failing step's
// Status. The scratch directory is removed on return unless options.keep.
Result<BenchReport> run_bench(const BenchOptions& options);

// Helpers (exposed for tests): VmHWM / VmRSS of this process in MiB (0 when unreadable).
double self_peak_rss_mb();
double self_rss_mb();

}  // namespace pampax::bench
