#include "app/cmd_watch.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/watch.h"

namespace pampax {
namespace {

int g_stop_pipe[2] = {-1, -1};
volatile sig_atomic_t g_signals = 0;

// First SIGINT/SIGTERM: stop after the running update. Second: stop at once (an interrupted
// update is safe: the index keeps its committed batches and the next run completes it).
void on_signal(int) {
  g_signals = g_signals + 1;
  if (g_signals >= 2) _exit(130);
  char c = 1;
  ssize_t n = ::write(g_stop_pipe[1], &c, 1);
  (void)n;
}

std::string changes_text(const WatchUpdate& u) {
  const IndexReport& r = u.report;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%llu indexed, %llu deleted, %llu touched",
                static_cast<unsigned long long>(r.files_indexed),
                static_cast<unsigned long long>(r.files_deleted),
                static_cast<unsigned long long>(r.files_touched));
  std::string s = buf;
  if (!u.initial) {
    s += " (" + std::to_string(u.changes.events) + " events";
    size_t shown = 0;
    for (const std::string& p : u.changes.paths) {
      if (shown == 5) {
        s += ", ...";
        break;
      }
      s += (shown++ ? ", " : ": ") + p;
    }
    if (u.changes.rules_changed) s += "; ignore rules changed";
    if (u.changes.dirs_changed) s += "; directories changed";
    if (u.changes.overflow) s += "; event queue overflowed, full rescan";
    s += ")";
  }
  return s;
}

}  // namespace

CLI::App* add_watch_command(CLI::App& app, WatchArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "watch",
      "Keep the index up to date while files change (Linux inotify): indexes first, then "
      "updates after each burst of changes; searches work meanwhile. Ctrl-C stops");
  cmd->add_option("path", a.path, "Repository root (default: current directory)");
  cmd->add_option("--path,-p", a.path, "Repository root (default: current directory)");
  cmd->add_option("--output,-o", a.output,
                  "text: a log line per update on stderr; json: also one JSON object per "
                  "update on stdout (JSON Lines)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--debounce-ms", a.debounce_ms,
                  "Update once the tree has been quiet this long (milliseconds)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_option("--max-wait-ms", a.max_wait_ms,
                  "Under continuous changes, update at least this often (milliseconds)")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  cmd->add_option("--max-watches", a.max_watches,
                  "Watch at most this many directories (one inotify watch each; default: up "
                  "to the system limit fs.inotify.max_user_watches)");
  cmd->add_option("--threads,-j", a.threads, "Parse and builtin-embedding threads per update (default: all cores)");
  cmd->add_option("--max-file-kib", a.max_kib, "Skip files larger than this (default 1024 KiB)");
  cmd->add_flag("--no-embed", a.no_embed,
                "Do not compute embeddings for changed chunks (otherwise they are kept current with the "
                "index's embedder: builtin unless the index was made with --embed none)");
  cmd->add_flag("--quiet,-q", a.quiet, "Log only errors and the start/stop lines");
  return cmd;
}

int cmd_watch(const WatchArgs& a) {
  auto engine = Engine::open(a.path, Engine::Mode::kWrite);
  if (!engine.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", engine.status().message().c_str());
    return 1;
  }
  if (::pipe(g_stop_pipe) != 0) {
    std::perror("pampax: error: pipe");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  WatchOptions opt;
  opt.debounce = std::chrono::milliseconds(a.debounce_ms);
  opt.max_wait = std::chrono::milliseconds(std::max(a.max_wait_ms, a.debounce_ms));
  opt.max_watches = a.max_watches;
  opt.embed = !a.no_embed;
  opt.index.threads = a.threads;
  if (a.max_kib) opt.index.scan.max_file_size = a.max_kib * 1024;
  const std::string root = (*engine)->root().string();
  auto on_update = [&](const WatchUpdate& u) {
    if (!a.quiet || !u.embed_error.empty()) {
      std::fprintf(stderr, "pampax watch: %s: %s in %.3f s\n", u.initial ? "initial update" : "update",
                   changes_text(u).c_str(), u.seconds);
      if (u.embed && u.embed->embedded > 0 && !a.quiet)
        std::fprintf(stderr, "pampax watch: embedded %lld chunks\n",
                     static_cast<long long>(u.embed->embedded));
      if (!u.embed_error.empty())
        std::fprintf(stderr, "pampax watch: warning: embeddings not updated: %s\n", u.embed_error.c_str());
    }
    if (a.output == "json") {
      nlohmann::json j = {{"initial", u.initial},
                          {"events", u.changes.events},
                          {"paths", u.changes.paths},
                          {"rules_changed", u.changes.rules_changed},
                          {"dirs_changed", u.changes.dirs_changed},
                          {"overflow", u.changes.overflow},
                          {"files_indexed", u.report.files_indexed},
                          {"files_deleted", u.report.files_deleted},
                          {"files_touched", u.report.files_touched},
                          {"files_unchanged", u.report.files_unchanged},
                          {"embedded", u.embed ? u.embed->embedded : 0},
                          {"embed_error", u.embed_error},
                          {"watched_dirs", u.watched_dirs},
                          {"seconds", u.seconds}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    }
  };
  auto on_ready = [&](size_t dirs) {
    std::fprintf(stderr, "pampax watch: watching %s (%zu directories); Ctrl-C stops\n", root.c_str(), dirs);
  };
  Status st = run_watch(**engine, opt, g_stop_pipe[0], on_update, on_ready);
  if (!st.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "pampax watch: stopped\n");
  return 0;
}

}  // namespace pampax
