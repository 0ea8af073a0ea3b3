// The operations commands of the CLI: db (check, optimize, vacuum, backup), cache (stats,
// clear), metrics, report, health. Registered on the main CLI11 app by run_cli().
#pragma once
#include <memory>

namespace CLI {
class App;
}

namespace pampax {

class OpsCommands {
 public:
  // Adds the subcommands to `app` (which must outlive this object).
  explicit OpsCommands(CLI::App& app);
  ~OpsCommands();
  // After parsing: the exit code of the chosen operations command, or -1 when the chosen
  // command is not one of them.
  int run();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace pampax
