#include "app/cmd_ops.h"
#include "util/utc_time.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/output.h"
#include "core/engine.h"
#include "core/health.h"
#include "core/ops.h"
#include "core/query_cache.h"
#include "ops/metrics.h"
#include "views/json_views.h"

namespace pampax {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string dump(const json& j) { return dump_json(j); }

int fail(const Status& st) { return fail_status(st); }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

json number_or_null(double v) { return v < 0 ? json(nullptr) : json(v); }

}  // namespace

struct OpsCommands::State {
  std::string path = ".", output = "text", format = "text", to;
  bool quick = false, force_flag = false, all = false, queries = false, embeddings = false,
       no_walk = false, no_quick_check = false;
  CLI::App *db = nullptr, *db_check = nullptr, *db_optimize = nullptr, *db_vacuum = nullptr,
           *db_backup = nullptr, *cache = nullptr, *cache_stats = nullptr, *cache_clear = nullptr,
           *metrics = nullptr, *report = nullptr, *health = nullptr;

  void common(CLI::App* cmd) {
    cmd->add_option("path", path, "Repository root (default: current directory)");
    cmd->add_option("--path,-p", path, "Repository root (default: current directory)");
    cmd->add_option("--output,-o", output, "Output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
  }

  Result<std::unique_ptr<Engine>> open() { return Engine::open(path, Engine::Mode::kRead); }

  int run_db();
  int run_cache();
  int run_metrics();
  int run_report();
  int run_health();
};

OpsCommands::OpsCommands(CLI::App& app) : s_(std::make_unique<State>()) {
  State& s = *s_;
  s.db = app.add_subcommand("db", "Database maintenance: check, optimize, vacuum, backup");
  s.db->require_subcommand(1);
  s.db_check = s.db->add_subcommand(
      "check", "Verify the index: SQLite integrity check plus the full-text index's own check, "
               "and the plans of the hot queries. Exit code 1 when damaged");
  s.common(s.db_check);
  s.db_check->add_flag("--quick", s.quick,
                       "PRAGMA quick_check only (faster: skips matching index entries to rows "
                       "and the full-text check)");
  s.db_optimize = s.db->add_subcommand(
      "optimize", "ANALYZE (query planner statistics), PRAGMA optimize, merge the full-text "
                  "index segments, checkpoint the write-ahead log");
  s.common(s.db_optimize);
  s.db_vacuum = s.db->add_subcommand(
      "vacuum", "Rewrite the index file without free pages (needs free disk space about its size)");
  s.common(s.db_vacuum);
  s.db_backup = s.db->add_subcommand(
      "backup", "Copy the index with SQLite's online backup API (searches and updates may run "
                "meanwhile); the copy is a complete index file");
  s.common(s.db_backup);
  s.db_backup->add_option("--to", s.to,
                          "Backup file (default: ROOT/.pampax/backup-<UTC time>.db). Never "
                          "overwritten, and never the live index");

  s.cache = app.add_subcommand("cache", "Query-result and embedding caches: stats, clear");
  s.cache->require_subcommand(1);
  s.cache_stats = s.cache->add_subcommand(
      "stats", "Entries, bytes, hits, misses and hit rate of each cache (hits and misses of "
               "every process on this index)");
  s.common(s.cache_stats);
  s.cache_clear = s.cache->add_subcommand(
      "clear", "Empty caches (default: the query cache only)");
  s.common(s.cache_clear);
  s.cache_clear->add_flag("--all", s.all, "Both caches");
  s.cache_clear->add_flag("--queries", s.queries, "The query-result cache");
  s.cache_clear->add_flag("--embeddings", s.embeddings,
                          "Every stored vector, and the vector files and HNSW graphs kept in "
                          ".pampax/: the next `pampax update` recomputes them (slow with a large "
                          "model); hybrid search is lexical until then");

  s.metrics = app.add_subcommand(
      "metrics", "Operation latency histograms, counters and gauges recorded on this index");
  s.common(s.metrics);
  s.metrics->add_option("--format,-f", s.format,
                        "text (a summary), or prometheus (text exposition format 0.0.4, as "
                        "served at /metrics)")
      ->check(CLI::IsMember({"text", "prometheus"}))
      ->capture_default_str();

  s.report = app.add_subcommand(
      "report", "Performance report: p50/p95/p99 per operation against targets, cache hit "
                "rates, resource use, recommendations");
  s.common(s.report);

  s.health = app.add_subcommand(
      "health", "Check the index, its embedder, freshness, disk and memory. Exit code 0 "
                "healthy, 3 degraded (e.g. stale), 1 unhealthy; each problem names its fix");
  s.common(s.health);
  s.health->add_flag("--no-walk", s.no_walk,
                     "Skip comparing the tree's files with the index (the stat walk)");
  s.health->add_flag("--no-quick-check", s.no_quick_check,
                     "Skip PRAGMA quick_check (it reads the whole index file)");
}

OpsCommands::~OpsCommands() = default;

int OpsCommands::run() {
  State& s = *s_;
  if (*s.db) return s.run_db();
  if (*s.cache) return s.run_cache();
  if (*s.metrics) return s.run_metrics();
  if (*s.report) return s.run_report();
  if (*s.health) return s.run_health();
  return -1;
}

// ---- db -----------------------------------------------------------------------------------
int OpsCommands::State::run_db() {
  auto engine = open();
  if (!engine.ok()) return fail(engine.status());
  Engine& e = **engine;
  IndexStore& store = e.store();
  const std::string root = e.root().string();
  const std::string rebuild =
      "rm -r " + (e.root() / ".pampax").string() + " && pampax index " + root;
  auto t0 = std::chrono::steady_clock::now();

  if (*db_check) {
    OperationTimer timer(e.metrics(), "db_check");
    auto result = quick ? store.quick_check() : store.integrity_check();
    std::string problems = result.ok() ? *result : result.status().message();
    bool intact = result.ok() && problems == "ok";
    auto plans = store.hot_query_plans();
    if (!plans.ok()) return fail(plans.status());
    int scans = 0;
    for (const auto& p : *plans) scans += p.full_scan;
    timer.finish(false, !intact);
    double secs = seconds_since(t0);
    const char* what = quick ? "PRAGMA quick_check" : "PRAGMA integrity_check + full-text check";
    if (output == "json") {
      json jp = json::array();
      for (const auto& p : *plans)
        jp.push_back({{"name", p.name}, {"uses_index", !p.full_scan}, {"plan", p.steps}});
      json j = {{"ok", intact},
                {"check", quick ? "quick_check" : "integrity_check"},
                {"problems", intact ? json::array() : json::array({problems})},
                {"fix", intact ? "" : rebuild},
                {"plans", jp},
                {"seconds", secs}};
      std::cout << dump(j) << "\n";
    } else {
      if (intact) {
        std::printf("ok: the index is intact (%s, %.2f s)\n", what, secs);
      } else {
        std::printf("DAMAGED: %s found problems:\n%s\n", what, problems.c_str());
        std::printf("fix: the index is derived from the source; rebuild it:\n  %s\n", rebuild.c_str());
      }
      std::printf("query plans: %zu hot queries, %d with a full scan\n", plans->size(), scans);
      for (const auto& p : *plans)
        if (p.full_scan) {
          std::printf("  %s scans:", p.name.c_str());
          for (const auto& st : p.steps) std::printf(" [%s]", st.c_str());
          std::printf("\n");
        }
    }
    return intact ? 0 : 1;
  }

  if (*db_optimize || *db_vacuum) {
    const bool vac = db_vacuum->parsed();
    OperationTimer timer(e.metrics(), vac ? "db_vacuum" : "db_optimize");
    uint64_t before = store.file_bytes();
    Status st = vac ? store.vacuum() : store.optimize();
    timer.finish(false, !st.ok());
    if (!st.ok()) return fail(st);
    uint64_t after = store.file_bytes();
    double secs = seconds_since(t0);
    if (output == "json") {
      std::cout << dump({{"operation", vac ? "vacuum" : "optimize"}, {"bytes_before", before},
                         {"bytes_after", after}, {"seconds", secs}})
                << "\n";
    } else {
      std::printf("%s: %s -> %s (index + write-ahead log) in %.2f s\n",
                  vac ? "vacuumed" : "optimized", human_bytes(double(before)).c_str(),
                  human_bytes(double(after)).c_str(), secs);
    }
    return 0;
  }

  // backup
  std::string dest = to.empty() ? (e.root() / ".pampax" / ("backup-" + utc_time("%Y%m%dT%H%M%SZ") + ".db")).string() : to;
  OperationTimer timer(e.metrics(), "db_backup");
  Status st = store.backup_to(dest);
  timer.finish(false, !st.ok());
  if (!st.ok()) return fail(st);
  std::error_code ec;
  fs::path abs = fs::absolute(dest, ec);
  // Prove the copy is an index: it opens as one and passes quick_check.
  auto copy = IndexStore::open(abs.string(), Db::Mode::kReadOnly);
  std::string verdict = copy.ok() ? "" : copy.status().message();
  if (copy.ok()) {
    auto qc = (*copy)->quick_check();
    verdict = qc.ok() ? (*qc == "ok" ? "" : *qc) : qc.status().message();
  }
  if (!verdict.empty())
    return fail(Corrupt("the backup " + abs.string() + " does not verify: " + verdict));
  uint64_t bytes = fs::file_size(abs, ec);
  double secs = seconds_since(t0);
  if (output == "json") {
    std::cout << dump({{"backup", abs.string()}, {"bytes", bytes}, {"verified", true}, {"seconds", secs}})
              << "\n";
  } else {
    std::printf("backed up to %s (%s, verified with quick_check) in %.2f s\n", abs.string().c_str(),
                human_bytes(double(bytes)).c_str(), secs);
    std::printf("restore: stop pampax, then copy it to %s (and remove %s-wal and -shm)\n",
                Engine::db_path_for(e.root()).string().c_str(),
                Engine::db_path_for(e.root()).string().c_str());
  }
  return 0;
}

// ---- cache --------------------------------------------------------------------------------
int OpsCommands::State::run_cache() {
  auto engine = open();
  if (!engine.ok()) return fail(engine.status());
  Engine& e = **engine;
  if (*cache_stats) {
    auto stats = pampax::cache_stats(e);
    if (!stats.ok()) return fail(stats.status());
    if (output == "json") {
      json j = json::object();
      for (const CacheStats& c : *stats) {
        json o = {{"entries", c.entries}, {"bytes", c.bytes}, {"hits", c.hits},
                  {"misses", c.misses}, {"hit_rate", number_or_null(c.hit_rate)}};
        if (c.name == "query") o["stale"] = c.stale;
        if (c.name == "embedding") {
          o["referenced"] = c.referenced;
          o["unreferenced"] = c.unreferenced;
          o["other_models"] = c.other_models;
          o["keep_unreferenced"] = c.keep_unreferenced;
        }
        j[c.name] = o;
      }
      std::cout << dump(j) << "\n";
      return 0;
    }
    for (const CacheStats& c : *stats) {
      std::string rate = c.hit_rate < 0 ? "no lookups yet" : [&] {
        char b[32];
        std::snprintf(b, sizeof b, "%.1f%%", 100 * c.hit_rate);
        return std::string(b);
      }();
      std::printf("%-10s %lld entries, %s; hits %.0f, misses %.0f, hit rate %s\n", c.name.c_str(),
                  static_cast<long long>(c.entries), human_bytes(double(c.bytes)).c_str(), c.hits,
                  c.misses, rate.c_str());
      if (c.name == "embedding")
        std::printf("           %lld used by chunks, %lld unreferenced (kept up to %lld), %lld of other models\n",
                    static_cast<long long>(c.referenced), static_cast<long long>(c.unreferenced),
                    static_cast<long long>(c.keep_unreferenced), static_cast<long long>(c.other_models));
      if (c.name == "query" && c.stale > 0)
        std::printf("           %lld of an older index generation (never served)\n",
                    static_cast<long long>(c.stale));
    }
    return 0;
  }
  bool q = queries || all || (!embeddings && !all);
  bool v = embeddings || all;
  auto r = clear_caches(e, q, v);
  if (!r.ok()) return fail(r.status());
  std::string note = v ? "vectors will be recomputed by the next `pampax update " + e.root().string() +
                             "` (or index); until then hybrid search is lexical only, with a warning"
                       : "";
  if (output == "json") {
    json j = {{"queries_removed", q ? json(r->queries_removed) : json(nullptr)},
              {"embeddings_removed", v ? json(r->embeddings_removed) : json(nullptr)},
              {"files_removed", v ? json(r->files_removed) : json(nullptr)},
              {"file_bytes_removed", v ? json(r->file_bytes_removed) : json(nullptr)},
              {"note", note}};
    std::cout << dump(j) << "\n";
    return 0;
  }
  if (q) std::printf("removed %lld cached query results\n", static_cast<long long>(r->queries_removed));
  if (v) std::printf("removed %lld vectors: %s\n", static_cast<long long>(r->embeddings_removed), note.c_str());
  if (v && !r->files_removed.empty()) {
    std::printf("removed %zu vector/graph files (%s):", r->files_removed.size(),
                human_bytes(double(r->file_bytes_removed)).c_str());
    for (const std::string& f : r->files_removed) std::printf(" %s", f.c_str());
    std::printf("\n");
  }
  return 0;
}

// ---- metrics ------------------------------------------------------------------------------
int OpsCommands::State::run_metrics() {
  auto engine = open();
  if (!engine.ok()) return fail(engine.status());
  auto snap = metrics_snapshot(**engine);
  if (!snap.ok()) return fail(snap.status());
  ProcessStats proc = sample_process();
  if (output == "json") {
    std::cout << dump(views::metrics_json(*snap, &proc)) << "\n";
    return 0;
  }
  if (format == "prometheus") {
    std::cout << render_prometheus(*snap, &proc);
    return 0;
  }
  std::printf("%-12s %-9s %8s %10s %10s %10s %10s\n", "operation", "cache_hit", "count", "p50 ms",
              "p95 ms", "p99 ms", "max ms");
  for (const auto& [k, h] : snap->histograms) {
    if (k.first != kDurationMetric || h.count == 0) continue;
    std::printf("%-12s %-9s %8llu %10.2f %10.2f %10.2f %10.2f\n",
                label_value(k.second, "operation").c_str(), label_value(k.second, "cache_hit").c_str(),
                static_cast<unsigned long long>(h.count), h.quantile(0.5), h.quantile(0.95),
                h.quantile(0.99), h.max);
  }
  std::printf("\n");
  for (const auto* m : {&snap->counters, &snap->gauges})
    for (const auto& [k, v] : *m)
      std::printf("%s%s%s%s %.15g\n", k.first.c_str(), k.second.empty() ? "" : "{", k.second.c_str(),
                  k.second.empty() ? "" : "}", v);
  return 0;
}

// ---- report -------------------------------------------------------------------------------
int OpsCommands::State::run_report() {
  auto engine = open();
  if (!engine.ok()) return fail(engine.status());
  auto rep = build_report(**engine);
  if (!rep.ok()) return fail(rep.status());
  const PerformanceReport& r = *rep;
  if (output == "json") {
    json ops = json::array();
    for (const auto& p : r.operations)
      ops.push_back({{"operation", p.operation}, {"count", p.count}, {"p50_ms", p.p50},
                     {"p95_ms", p.p95}, {"p99_ms", p.p99}, {"mean_ms", p.mean}, {"max_ms", p.max},
                     {"target_p95_ms", p.threshold_ms > 0 ? json(p.threshold_ms) : json(nullptr)},
                     {"score", p.score >= 0 ? json(p.score) : json(nullptr)}});
    json caches = json::object();
    for (const auto& c : r.caches)
      caches[c.name] = {{"entries", c.entries}, {"bytes", c.bytes}, {"hits", c.hits},
                        {"misses", c.misses}, {"hit_rate", number_or_null(c.hit_rate)}};
    json res = json::array();
    for (const auto& x : r.resources)
      res.push_back({{"operation", x.operation}, {"cpu_seconds", x.cpu_seconds},
                     {"peak_rss_bytes", x.peak_rss_bytes}});
    json recs = json::array();
    for (const auto& x : r.recommendations)
      recs.push_back({{"severity", x.severity}, {"message", x.message}, {"command", x.command}});
    json j = {{"root", (*engine)->root().string()},
              {"operations", ops},
              {"overall_score", r.overall_score >= 0 ? json(r.overall_score) : json(nullptr)},
              {"caches", caches},
              {"resources", {{"operations", res}, {"index_bytes", r.index_bytes},
                             {"wal_bytes", r.wal_bytes}, {"files", r.files}, {"chunks", r.chunks},
                             {"embedded_chunks", r.embedded_chunks}}},
              {"errors", r.errors},
              {"analyzed", r.analyzed},
              {"free_page_ratio", r.free_page_ratio},
              {"recommendations", recs}};
    std::cout << dump(j) << "\n";
    return 0;
  }
  std::printf("pampax performance report: %s\n\n", (*engine)->root().string().c_str());
  std::printf("operations (percentiles estimated from the recorded histograms):\n");
  std::printf("  %-12s %8s %9s %9s %9s %11s %6s\n", "operation", "count", "p50 ms", "p95 ms",
              "p99 ms", "target p95", "score");
  for (const auto& p : r.operations) {
    std::string target = p.threshold_ms > 0 ? std::to_string(int(p.threshold_ms)) + " ms" : "-";
    std::string score = p.score >= 0 ? std::to_string(p.score) : "-";
    std::printf("  %-12s %8llu %9.2f %9.2f %9.2f %11s %6s\n", p.operation.c_str(),
                static_cast<unsigned long long>(p.count), p.p50, p.p95, p.p99, target.c_str(),
                score.c_str());
  }
  if (r.overall_score >= 0) std::printf("  overall score: %d/100\n", r.overall_score);
  std::printf("\ncaches:\n");
  for (const auto& c : r.caches) {
    std::string rate = c.hit_rate < 0 ? "no lookups" : std::to_string(int(std::lround(100 * c.hit_rate))) + "% hits";
    std::printf("  %-10s %lld entries, %s, %s (%.0f hits, %.0f misses)\n", c.name.c_str(),
                static_cast<long long>(c.entries), human_bytes(double(c.bytes)).c_str(),
                rate.c_str(), c.hits, c.misses);
  }
  std::printf("\nresources:\n  index %s (write-ahead log %s), %.0f files, %.0f chunks, %.0f embedded\n",
              human_bytes(r.index_bytes).c_str(), human_bytes(r.wal_bytes).c_str(), r.files,
              r.chunks, r.embedded_chunks);
  for (const auto& x : r.resources)
    std::printf("  %-12s cpu %.2f s in total, peak RSS %s at the end of the last one\n",
                x.operation.c_str(), x.cpu_seconds, human_bytes(x.peak_rss_bytes).c_str());
  std::printf("\nrecommendations:\n");
  if (r.recommendations.empty()) std::printf("  none: everything is within its targets\n");
  for (const auto& x : r.recommendations)
    std::printf("  [%s] %s%s%s\n", x.severity.c_str(), x.message.c_str(),
                x.command.empty() ? "" : ": run ", x.command.c_str());
  return 0;
}

// ---- health -------------------------------------------------------------------------------
int OpsCommands::State::run_health() {
  HealthOptions o;
  o.stat_walk = !no_walk;
  o.quick_check = !no_quick_check;
  HealthReport r = check_health(path, o);
  if (output == "json") {
    json j = views::health_json(r);
    std::cout << dump(j) << "\n";
    return r.exit_code();
  }
  std::printf("%s: %s\n", r.status().c_str(), r.root.c_str());
  for (const auto& c : r.checks) {
    std::printf("  %-8s %-10s %s\n", c.status.c_str(), c.name.c_str(), c.detail.c_str());
    if (!c.fix.empty()) std::printf("  %-8s %-10s fix: %s\n", "", "", c.fix.c_str());
  }
  return r.exit_code();
}

}  // namespace pampax
