// Context packs: named, saved scopes in ROOT/.pampax/packs/NAME.toml, one of which can be
// active (its name in ROOT/.pampax/active_pack). The active pack applies to `search` and
// `assemble` unless their flags override it (docs/cli.md, "Context packs").
//
// A pack file (every key optional; anything else is an error naming the file and line):
//   description = "The HTTP server"
//   paths = ["src/serve/*", "src/core/*"]   # or one string; SQLite GLOB, '*' crosses '/'
//   langs = ["cpp"]                          # language names as --lang takes them
//   kinds = ["function", "method"]           # chunk kinds
//   budget = 4000                            # default assemble budget (tokens, >= 1)
//   mode = "hybrid"                          # default search mode
//   tokenizer = "cl100k"                     # default assemble tokenizer
//
// Files are read on every call (no cache); functions are safe to call from several threads
// as long as no other process rewrites the files meanwhile.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assemble/scope.h"
#include "util/status.h"

namespace pampax {

struct Pack {
  std::string name, description;
  std::filesystem::path file;
  Scope scope;
  int64_t budget = 0;     // 0 = not set
  std::string mode;       // "" = not set; else a parse_search_mode() name
  std::string tokenizer;  // "" = not set; else cl100k | o200k | estimate
};

// ROOT/.pampax/packs
std::filesystem::path packs_dir(const std::filesystem::path& root);

// True for names made of letters, digits, '-', '_' and '.', not starting with '.', at most
// 64 bytes (a pack name is a file name).
bool valid_pack_name(std::string_view name);

// Parses pack text. `file` labels errors ("FILE:LINE: ..."); kInvalidArgument for TOML syntax
// errors, unknown keys, wrong types and bad values (unknown language, mode, tokenizer).
Result<Pack> parse_pack(std::string_view text, const std::string& name,
                        const std::filesystem::path& file);
// Loads ROOT/.pampax/packs/NAME.toml. kNotFound (listing the packs that exist) when missing.
Result<Pack> load_pack(const std::filesystem::path& root, std::string_view name);

struct PackListing {
  std::vector<Pack> packs;            // valid packs, by name
  std::vector<std::string> errors;    // one message per pack file that does not parse
};
// Every *.toml in packs_dir(root); no directory = empty listing.
Result<PackListing> list_packs(const std::filesystem::path& root);

// The active pack's name ("" when none). The name is not validated here.
Result<std::string> active_pack_name(const std::filesystem::path& root);
// The active pack, or nullopt. A pack that was made active and then deleted or broken is an
// error (saying how to clear it), never silently ignored.
Result<std::optional<Pack>> active_pack(const std::filesystem::path& root);
// Makes NAME active after checking that it loads.
Status use_pack(const std::filesystem::path& root, std::string_view name);
// No active pack; not an error when none was active.
Status clear_active_pack(const std::filesystem::path& root);

}  // namespace pampax
