// Health of one repository's index: is it there, readable, intact, current, can its
// embedder run, is there room to work. Used by `pampax health` and by the servers (MCP,
// HTTP), which pass their open Engine. Every problem carries the command that fixes it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pampax {

class Engine;

struct HealthCheck {
  std::string name;    // "index", "schema", "integrity", "embedder", "embeddings",
                       // "freshness", "disk", "memory"
  std::string status;  // "ok" | "warning" | "error"
  std::string detail;  // what was found
  std::string fix;     // the command (or action) that fixes it; "" when ok
};

struct HealthOptions {
  bool quick_check = true;      // PRAGMA quick_check (reads every page: ~1 s per GiB)
  bool stat_walk = true;        // compare the tree's sizes and mtimes with the index
  int embed_timeout_ms = 1500;  // connect timeout when probing an http embedder
};

struct HealthReport {
  std::string root, index_path;
  bool index_present = false;
  int schema_version = 0;
  std::string index_format;      // meta.index_format, "" when unknown
  std::string quick_check;       // "ok", the problems, or "" when not run
  std::string embedder;          // description, "" when none configured
  bool embedder_ready = false;   // true also when none is configured
  int64_t chunks = 0, embedded_chunks = 0;
  int64_t files_new = 0, files_changed = 0, files_deleted = 0;  // since the last update
  uint64_t index_bytes = 0, disk_free_bytes = 0, mem_available_bytes = 0, rss_bytes = 0;
  double seconds = 0;            // time the checks took
  std::vector<HealthCheck> checks;

  // "healthy" (every check ok), "degraded" (warnings only: search works, results may be
  // stale or lexical only), "unhealthy" (an error: search fails or is wrong).
  std::string status() const;
  int exit_code() const;  // 0 healthy, 3 degraded, 1 unhealthy
};

// Never fails: problems (no index, damaged file, ...) are checks with status "error".
// `engine`: an Engine already open on `root` (servers); null opens one for reading.
HealthReport check_health(const std::filesystem::path& root, const HealthOptions& options = {},
                          Engine* engine = nullptr);

}  // namespace pampax
