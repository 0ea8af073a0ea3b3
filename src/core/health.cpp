#include "core/health.h"

#include <httplib.h>
#include <sys/statvfs.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <system_error>

#include "core/engine.h"
#include "embed/config.h"
#include "ops/metrics.h"
#include "scan/walker.h"

namespace pampax {
namespace fs = std::filesystem;

std::string HealthReport::status() const {
  bool warn = false;
  for (const HealthCheck& c : checks) {
    if (c.status == "error") return "unhealthy";
    if (c.status == "warning") warn = true;
  }
  return warn ? "degraded" : "healthy";
}

int HealthReport::exit_code() const {
  std::string s = status();
  return s == "healthy" ? 0 : s == "degraded" ? 3 : 1;
}

namespace {

std::string human(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", double(b) / double(1ull << 30));
  else std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / double(1ull << 20));
  return buf;
}

uint64_t mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) return kib * 1024;
  }
  return 0;
}

// "" when the server answered anything at all, else why not.
std::string probe_http(const std::string& url, int timeout_ms) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return "the URL has no scheme";
  size_t path = url.find('/', sep + 3);
  std::string base = url.substr(0, path);
  httplib::Client cli(base);
  cli.set_connection_timeout(std::chrono::milliseconds(timeout_ms));
  cli.set_read_timeout(std::chrono::milliseconds(timeout_ms));
  cli.set_write_timeout(std::chrono::milliseconds(timeout_ms));
  auto res = cli.Get("/");
  if (!res) return httplib::to_string(res.error());
  return "";
}

bool binary_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(8000, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return looks_binary(head);
}

}  // namespace

HealthReport check_health(const fs::path& root_in, const HealthOptions& o, Engine* engine) {
  auto t0 = std::chrono::steady_clock::now();
  HealthReport r;
  std::error_code ec;
  fs::path root = fs::weakly_canonical(root_in, ec);
  if (ec) root = root_in;
  r.root = root.string();
  r.index_path = Engine::db_path_for(root).string();
  auto add = [&](std::string name, std::string status, std::string detail, std::string fix = "") {
    r.checks.push_back({std::move(name), std::move(status), std::move(detail), std::move(fix)});
  };
  const std::string rebuild = "rm -r " + (root / ".pampax").string() + " && pampax index " + r.root;

  // Room to work, whatever the state of the index.
  auto disk_and_memory = [&] {
    struct statvfs vfs {};
    fs::path where = fs::exists(root / ".pampax", ec) ? root / ".pampax" : root;
    if (::statvfs(where.c_str(), &vfs) == 0) {
      r.disk_free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
      // An update writes a WAL, a VACUUM a copy of the index: keep room for both.
      uint64_t need = std::max<uint64_t>(256ull << 20, r.index_bytes);
      if (r.disk_free_bytes < need)
        add("disk", "warning", human(r.disk_free_bytes) + " free on the index's file system, less than " +
                                   human(need) + " (updates and vacuum need room)",
            "free disk space on the file system of " + where.string());
      else
        add("disk", "ok", human(r.disk_free_bytes) + " free");
    } else {
      add("disk", "warning", "cannot read the free space of " + where.string(), "");
    }
    r.mem_available_bytes = mem_available();
    r.rss_bytes = sample_process().rss_bytes;
    if (r.mem_available_bytes > 0 && r.mem_available_bytes < (256ull << 20))
      add("memory", "warning", human(r.mem_available_bytes) + " of memory available (indexing a large tree needs ~300 MiB)",
          "close other programs, or index with fewer threads: pampax update -j 1");
    else
      add("memory", "ok", human(r.mem_available_bytes) + " available");
  };

  std::unique_ptr<Engine> owned;
  if (!engine) {
    if (!fs::is_directory(root, ec)) {
      add("index", "error", "the path is not a directory: " + r.root, "pass the repository root");
      disk_and_memory();
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return r;
    }
    r.index_present = fs::exists(r.index_path, ec);
    if (!r.index_present) {
      add("index", "error", "no index at " + r.index_path, "pampax index " + r.root);
      disk_and_memory();
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return r;
    }
    auto opened = Engine::open(root, Engine::Mode::kRead);
    if (!opened.ok()) {
      Code c = opened.status().code();
      std::string fix = c == Code::kUnsupported ? "pampax index " + r.root
                        : c == Code::kNotFound  ? "pampax index " + r.root
                                                : rebuild;
      add("index", "error", opened.status().message(), fix);
      disk_and_memory();
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return r;
    }
    owned = std::move(opened).value();
    engine = owned.get();
  }
  r.index_present = true;
  IndexStore& store = engine->store();
  r.index_bytes = store.file_bytes();
  r.schema_version = std::atoi(store.meta("schema_version").value_or("0").c_str());
  r.index_format = store.meta("index_format").value_or("");
  std::string last_update = store.meta("last_update").value_or("");
  add("index", "ok", r.index_path + " (" + human(r.index_bytes) + ")" +
                         (last_update.empty() ? "" : ", last update " + last_update));
  add("schema", "ok", "schema " + std::to_string(r.schema_version) + ", index format " +
                          (r.index_format.empty() ? "?" : r.index_format));
  if (last_update.empty())
    r.checks.back() = {"schema", "warning", "no index run has completed yet", "pampax update " + r.root};

  if (o.quick_check) {
    auto qc = store.quick_check();
    r.quick_check = qc.ok() ? *qc : qc.status().message();
    if (qc.ok() && *qc == "ok")
      add("integrity", "ok", "PRAGMA quick_check: ok");
    else
      add("integrity", "error", "PRAGMA quick_check: " + r.quick_check, rebuild);
  }

  // Embedder and vectors.
  auto counts = store.counts();
  r.chunks = counts.ok() ? counts->chunks : 0;
  std::optional<EmbedConfig> cfg;
  if (auto text = store.meta("embed_config")) {
    auto c = EmbedConfig::from_json(*text);
    if (c.ok() && c->enabled()) cfg = *c;
  }
  if (!cfg) {
    r.embedder_ready = true;
    add("embedder", "ok", "none configured (lexical search; add one with pampax index --embed)");
  } else {
    r.embedder = cfg->describe();
    std::string problem;
    if (cfg->backend == "gguf") {
      std::ifstream f(cfg->model_path, std::ios::binary);
      char magic[4] = {};
      if (!f) problem = "the model file " + cfg->model_path + " cannot be read";
      else if (!f.read(magic, 4) || std::string(magic, 4) != "GGUF")
        problem = "the model file " + cfg->model_path + " is not a GGUF file";
    } else if (cfg->backend == "http") {
      std::string why = probe_http(cfg->url, o.embed_timeout_ms);
      if (!why.empty()) problem = "the embedding server " + cfg->url + " is unreachable (" + why + ")";
    }
    r.embedder_ready = problem.empty();
    if (problem.empty())
      add("embedder", "ok", r.embedder + " ready");
    else
      add("embedder", "error", problem + ": hybrid search falls back to lexical",
          cfg->backend == "gguf"
              ? "restore the model file, or pampax index " + r.root + " --embed gguf --model FILE.gguf"
              : "start the embedding server, or pampax index " + r.root + " --embed none");
    std::string key = store.meta("embed_model").value_or("");
    size_t bar = key.rfind('|');
    if (bar != std::string::npos) {
      auto ec2 = store.embed_counts(key.substr(0, bar));
      if (ec2.ok()) r.embedded_chunks = ec2->embedded;
    }
    if (r.embedded_chunks < r.chunks)
      add("embeddings", "warning",
          std::to_string(r.chunks - r.embedded_chunks) + " of " + std::to_string(r.chunks) +
              " chunks have no vector (hybrid search misses them)",
          "pampax update " + r.root);
    else
      add("embeddings", "ok", std::to_string(r.embedded_chunks) + " chunks embedded");
  }

  // Freshness: the tree's files against the index, by size and mtime (no reading).
  if (o.stat_walk) {
    auto scan = scan_tree(root, ScanOptions{});
    auto indexed = store.list_files();
    if (!scan.ok() || !indexed.ok()) {
      add("freshness", "warning",
          "cannot compare the tree with the index: " +
              (!scan.ok() ? scan.status().message() : indexed.status().message()),
          "");
    } else {
      std::map<std::string, FileRow>& rows = *indexed;
      std::string example;
      size_t checked = 0;
      for (const ScannedFile& f : scan->files) {
        if (f.path.rfind(".pampax/", 0) == 0) continue;  // the index itself, as the indexer does
        ++checked;
        auto it = rows.find(f.path);
        if (it == rows.end()) {
          // The indexer skips symlinks and binary files: they are not news.
          if (f.is_symlink || binary_file(root / f.path)) continue;
          ++r.files_new;
          if (example.empty()) example = f.path + " (new)";
          continue;
        }
        if (it->second.size != f.size || it->second.mtime_ns != f.mtime_ns) {
          ++r.files_changed;
          if (example.empty()) example = f.path + " (changed)";
        }
        rows.erase(it);
      }
      r.files_deleted = static_cast<int64_t>(rows.size());
      if (example.empty() && !rows.empty()) example = rows.begin()->first + " (deleted)";
      int64_t n = r.files_new + r.files_changed + r.files_deleted;
      if (n > 0)
        add("freshness", "warning",
            std::to_string(n) + " files differ from the index (" + std::to_string(r.files_new) +
                " new, " + std::to_string(r.files_changed) + " changed, " +
                std::to_string(r.files_deleted) + " deleted; e.g. " + example + ")",
            "pampax update " + r.root);
      else
        add("freshness", "ok", std::to_string(checked) + " files checked, none changed since the last update");
    }
  }
  disk_and_memory();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace pampax
