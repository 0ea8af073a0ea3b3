// `pampax bench`: the CLI side of the benchmark suite (bench_suite/suite.h): flags, progress
// on stderr, the report on stdout (text or JSON) and optionally as an HTML file.
#pragma once
#include <string>

namespace CLI {
class App;
}

namespace pampax {

struct BenchArgs {
  std::string sizes = "small,medium,large";
  std::string output = "text";
  std::string html, work;
  int files = 0, repeat = 20, cold_repeat = 5, sqlite_reads = 200, threads = 0;
  bool keep = false, no_embed = false, quiet = false;
  unsigned long long seed = 42;
};

// Adds the `bench` subcommand to `app`, storing its flags in `args` (which must outlive app).
CLI::App* add_bench_command(CLI::App& app, BenchArgs& args);

// Runs the suite; exit 0 when it ran (whatever the verdicts), 1 on failure, 2 on bad flags or
// an HTML path that cannot be written (checked before the run).
int cmd_bench(const BenchArgs& args);

}  // namespace pampax
