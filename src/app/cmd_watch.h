// `pampax watch [PATH]`: the CLI side of watch mode (core/watch.h): flags, signals, logs.
#pragma once
#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace pampax {

struct WatchArgs {
  std::string path = ".";
  std::string output = "text";
  int debounce_ms = 200, max_wait_ms = 2000, threads = 0;
  uint64_t max_kib = 0;
  size_t max_watches = 0;
  bool no_embed = false, quiet = false;
};

// Adds the `watch` subcommand to `app`, storing its flags in `args` (which must outlive app).
CLI::App* add_watch_command(CLI::App& app, WatchArgs& args);

// Runs watch mode until SIGINT/SIGTERM (exit 0) or a fatal error (exit 1).
int cmd_watch(const WatchArgs& args);

}  // namespace pampax
