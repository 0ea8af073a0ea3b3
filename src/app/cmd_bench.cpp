#include "app/cmd_bench.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "app/output.h"
#include "bench_suite/report.h"
#include "bench_suite/suite.h"

namespace pampax {

CLI::App* add_bench_command(CLI::App& app, BenchArgs& a) {
  CLI::App* b = app.add_subcommand(
      "bench",
      "Benchmark suite: generates synthetic repositories (small 100, medium 1,000, large 10,000 "
      "files), indexes them and measures warm and cold search, assembly, rendering, SQLite reads "
      "and memory against PAMPAX's targets and pampax's own goals");
  b->add_option("--sizes", a.sizes, "Comma-separated repository sizes: small, medium, large")
      ->capture_default_str();
  b->add_option("--output,-o", a.output, "text (default) or json (fields in docs/cli.md)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  b->add_option("--html", a.html,
                "Also write a self-contained HTML report with SVG plots to FILE (no scripts, no network)");
  b->add_option("--work", a.work,
                "Directory for the generated repositories (a fresh subdirectory is made and "
                "removed afterwards; default: the system temporary directory)");
  b->add_flag("--keep", a.keep, "Keep the generated repositories and their indexes (path on stderr)");
  b->add_option("--files", a.files,
                "Files per repository instead of the size's count (quick runs and tests)")
      ->check(CLI::Range(1, 1000000));
  b->add_option("--repeat", a.repeat, "Warm runs per query and per in-process operation")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  b->add_option("--cold-repeat", a.cold_repeat, "New processes per query for the cold runs")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  b->add_option("--sqlite-reads", a.sqlite_reads, "Lookups per SQLite read operation")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  b->add_flag("--no-embed", a.no_embed,
              "Index without the builtin vectors (hybrid search then runs lexical only)");
  b->add_option("--seed", a.seed, "Seed of the repository generator")->capture_default_str();
  b->add_option("--threads,-j", a.threads, "Index threads (default: all cores)");
  b->add_flag("--quiet,-q", a.quiet, "No progress lines on stderr");
  return b;
}

int cmd_bench(const BenchArgs& a) {
  bench::BenchOptions o;
  o.sizes.clear();
  std::stringstream ss(a.sizes);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) o.sizes.push_back(item);
  }
  o.files = a.files;
  o.repeat = a.repeat;
  o.cold_repeat = a.cold_repeat;
  o.sqlite_reads = a.sqlite_reads;
  o.work_dir = a.work;
  o.keep = a.keep;
  o.embed = !a.no_embed;
  o.seed = a.seed;
  o.threads = a.threads;
  if (!a.quiet) {
    o.log = [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    };
  }
  if (!a.html.empty()) {
    // Fail before a long run, not after it.
    std::ofstream probe(a.html, std::ios::binary | std::ios::app);
    if (!probe) {
      std::fprintf(stderr, "pampax: error: cannot write the HTML report to %s\n", a.html.c_str());
      return 2;
    }
  }
  auto rep = bench::run_bench(o);
  if (!rep.ok()) {
    fail_status(rep.status());
    return rep.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  if (!a.html.empty()) {
    std::ofstream out(a.html, std::ios::binary);
    out << bench::report_html(*rep);
    out.close();
    if (!out) {
      std::fprintf(stderr, "pampax: error: cannot write the HTML report to %s\n", a.html.c_str());
      return 1;
    }
    if (!a.quiet) std::fprintf(stderr, "bench: HTML report written to %s\n", a.html.c_str());
  }
  if (a.output == "json") {
    std::printf("%s\n", dump_json(bench::report_json(*rep)).c_str());
  } else {
    std::fputs(bench::report_text(*rep).c_str(), stdout);
  }
  return 0;
}

}  // namespace pampax
