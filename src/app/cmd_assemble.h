// `pampax assemble` and `pampax context` (context packs), and the scope resolution that
// `search` shares with them. Thin over assemble/assembler.h and assemble/pack.h.
#pragma once
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "assemble/pack.h"
#include "assemble/scope.h"
#include "util/status.h"

namespace pampax {

// Scope flags of `search` and `assemble`. Each field given replaces that field of the pack.
struct ScopeFlags {
  std::vector<std::string> langs, globs, kinds;
  std::string pack;      // --pack NAME: use this pack for this call
  bool no_pack = false;  // --no-pack: ignore the active pack
};
struct ResolvedScope {
  Scope scope;
  std::optional<Pack> pack;  // the pack that applied, if any
};
// The pack (--pack, else the active one unless --no-pack) overridden field by field by the
// flags; languages normalised. Errors: a missing or broken pack, an unknown language.
Result<ResolvedScope> resolve_scope(const std::filesystem::path& root, const ScopeFlags& flags);

struct AssembleCommands;
// Adds `assemble` and `context` (with list/show/use/clear) to the app.
std::shared_ptr<AssembleCommands> add_assemble_commands(CLI::App& app);
// The exit code when one of those commands was parsed, nullopt otherwise.
std::optional<int> run_assemble_commands(AssembleCommands& cmds);

}  // namespace pampax
