// Renderings of a benchmark report (suite.h): human text, JSON (field names are stable and
// documented in docs/cli.md, "pampax bench") and a self-contained HTML page with inline SVG
// plots (svg.h) and the tables. Pure functions, thread-safe.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "bench_suite/suite.h"

namespace pampax::bench {

// {"version", "started_utc", "cores", "load_average", "seconds", "options": {...},
//  "queries": [...], "assemble_queries": [...], "failed_targets", "failed_goals",
//  "sizes": [{"size", "files", "bytes", "lines", "languages": {lang: files}, "generate_seconds",
//    "index": {"files", "chunks", "symbols", "seconds", "files_per_second", "chunks_per_second",
//              "embed_seconds", "embedded"},
//    "search_mode", "memory_mb": {"index_peak", "query_peak", "steady", "cold_search_peak",
//                                 "cold_assemble_peak", "peak_reset", "cold_peak_exact"},
//    "operations": [{"name", "description", "n", "min_ms", "max_ms", "mean_ms", "p50_ms",
//                    "p95_ms", "p99_ms", "per_query": [{"query", "n", "p50_ms", "p95_ms"}]}],
//    "checks": [{"metric", "stat", "source", "limit", "value", "at_most", "pass"}]}]}
nlohmann::json report_json(const BenchReport& r);

// A table per size (operation, n, p50, p95, p99, mean, target and goal verdicts), index
// throughput and memory, and a summary line.
std::string report_text(const BenchReport& r);

// A complete HTML document: no scripts, no external resources.
std::string report_html(const BenchReport& r);

}  // namespace pampax::bench
