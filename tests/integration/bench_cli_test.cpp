// `pampax bench` end to end as a real process on a tiny configuration: every operation is
// measured (n > 0, ordered percentiles), the JSON has the documented fields, the HTML report
// holds one SVG row per operation with one dot per sample, and the scratch tree is removed.
// No timed assertions: the figures themselves are not checked.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <set>

#include "../process_util.h"
#include "../test_util.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::ProcResult;
using testing::run_process;
using testing::TempDir;

ProcResult pampax(std::vector<std::string> args) {
  args.insert(args.begin(), PAMPAX_BINARY);
  return run_process(args);
}

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

const std::vector<std::string> kOps = {
    "search_warm",   "search_warm_cpu", "search_cached",          "search_cold",
    "search_cold_cpu", "assemble_warm", "assemble_evidence_warm", "assemble_cold",
    "assemble_cold_cpu", "render_markdown", "render_json",        "sqlite_chunk_by_id",
    "sqlite_symbol_lookup", "sqlite_file_text"};

TEST(BenchCli, SmallRunGivesJsonAndHtmlReports) {
  TempDir d;
  std::string html = (d / "report.html").string();
  std::string work = (d / "work").string();
  ProcResult r = pampax({"bench", "--sizes", "small", "--files", "16", "--repeat", "3", "--cold-repeat",
                         "1", "--sqlite-reads", "5", "--output", "json", "--html", html, "--work", work});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("bench: small: generating 16 files"), std::string::npos) << r.err;  // progress
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["queries"].size(), 10u);
  ASSERT_EQ(j["sizes"].size(), 1u);
  const json& s = j["sizes"][0];
  EXPECT_EQ(s["size"], "small");
  EXPECT_EQ(s["files"], 16);
  EXPECT_EQ(s["index"]["files"], 16);
  EXPECT_GT(s["index"]["chunks"].get<int>(), 16);
  EXPECT_GT(s["index"]["files_per_second"].get<double>(), 0);
  EXPECT_GT(s["memory_mb"]["steady"].get<double>(), 0);
  EXPECT_GT(s["memory_mb"]["cold_search_peak"].get<double>(), 0);
  EXPECT_EQ(s["search_mode"], "hybrid");
  std::set<std::string> seen;
  size_t samples = 0;
  for (const json& op : s["operations"]) {
    std::string name = op["name"];
    seen.insert(name);
    size_t n = op["n"];
    EXPECT_GT(n, 0u) << name;
    samples += n;
    EXPECT_LE(op["min_ms"].get<double>(), op["p50_ms"].get<double>()) << name;
    EXPECT_LE(op["p50_ms"].get<double>(), op["p95_ms"].get<double>()) << name;
    EXPECT_LE(op["p95_ms"].get<double>(), op["p99_ms"].get<double>()) << name;
    EXPECT_LE(op["p99_ms"].get<double>(), op["max_ms"].get<double>()) << name;
    // CPU times can read 0 (the kernel's accounting granularity); wall times cannot.
    if (name.find("_cpu") == std::string::npos) EXPECT_GT(op["min_ms"].get<double>(), 0) << name;
    else EXPECT_GE(op["min_ms"].get<double>(), 0) << name;
  }
  for (const std::string& name : kOps) EXPECT_TRUE(seen.count(name)) << name;
  // 10 queries x 3 warm runs; 10 x 1 cold; 5 assembly queries x 3.
  std::map<std::string, int> n_of;
  for (const json& op : s["operations"]) n_of[op["name"]] = op["n"];
  EXPECT_EQ(n_of["search_warm"], 30);
  EXPECT_EQ(n_of["search_cold"], 10);
  EXPECT_EQ(n_of["search_cold_cpu"], 10);
  EXPECT_EQ(n_of["search_warm_cpu"], 30);
  EXPECT_EQ(n_of["assemble_cold"], 5);
  EXPECT_EQ(n_of["assemble_evidence_warm"], 15);
  EXPECT_EQ(n_of["render_markdown"], 15);
  EXPECT_EQ(n_of["sqlite_symbol_lookup"], 5);
  // Both kinds of verdict, for latencies and memory.
  std::set<std::string> sources, metrics;
  for (const json& c : s["checks"]) {
    sources.insert(c["source"]);
    metrics.insert(c["metric"]);
    EXPECT_EQ(c["pass"].get<bool>(), c["at_most"].get<bool>() ? c["value"] <= c["limit"] : c["value"] >= c["limit"]);
  }
  EXPECT_EQ(sources, (std::set<std::string>{"own", "pampax"}));
  for (const char* m : {"search_warm", "search_cold", "assemble_cold", "render_markdown", "sqlite_chunk_by_id",
                        "query_peak_rss", "cold_search_peak_rss"})
    EXPECT_TRUE(metrics.count(m)) << m;

  // HTML: a complete document with inline SVG, no scripts, no external resources.
  std::string page = testing::read_all(html);
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("</html>"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(count(page, "http://"), count(page, "http://www.w3.org/2000/svg"));  // the SVG namespace only
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(count(page, "<svg"), count(page, "</svg>"));
  EXPECT_EQ(count(page, "<svg"), 4u);  // 3 bar charts + 1 distribution plot for the one size
  for (const std::string& name : kOps) EXPECT_EQ(count(page, "data-op=\"" + name + "\""), 1u) << name;
  EXPECT_EQ(count(page, "<circle class=\"pt\""), samples);
  EXPECT_EQ(count(page, "<rect class=\"bar\""), 3u);

  // The scratch tree is gone.
  EXPECT_TRUE(std::filesystem::is_empty(work));
}

TEST(BenchCli, TextOutputAndKeep) {
  TempDir d;
  std::string work = (d / "work").string();
  ProcResult r = pampax({"bench", "--sizes", "small", "--files", "8", "--repeat", "1", "--cold-repeat", "1",
                         "--sqlite-reads", "2", "--no-embed", "--keep", "--work", work, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // --quiet
  EXPECT_NE(r.out.find("== small: 8 files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("search_warm"), std::string::npos);
  EXPECT_NE(r.out.find("hybrid search ran as bm25"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("published targets met:"), std::string::npos);
  // --keep: the generated repository and its index stay.
  size_t indexes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(work))
    if (e.path().filename() == "index.db") ++indexes;
  EXPECT_EQ(indexes, 1u);
}

TEST(BenchCli, BadFlagsAreRefused) {
  ProcResult r = pampax({"bench", "--sizes", "tiny", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown size 'tiny'"), std::string::npos) << r.err;
  r = pampax({"bench", "--sizes", "small,small", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("given twice"), std::string::npos) << r.err;
  r = pampax({"bench", "--repeat", "0"});
  EXPECT_EQ(r.exit_code, 2);
  r = pampax({"bench", "--output", "xml"});
  EXPECT_EQ(r.exit_code, 2);
  // An unwritable HTML path is refused before the run starts.
  r = pampax({"bench", "--sizes", "small", "--html", "/nonexistent-dir/report.html"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot write the HTML report"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("generating"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pampax
