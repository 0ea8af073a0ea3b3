// The index pipeline: walk -> diff against the index -> read + hash -> parse (all cores)
// -> one writer committing batches. Internal to core/; the Engine is the public face.
#pragma once
#include <filesystem>

#include "core/engine.h"

namespace pampax {

Result<IndexReport> run_index(const std::filesystem::path& root, IndexStore& store,
                              const IndexOptions& options);

// The parser's version, kept in the index (meta parser_version). Bump it when a change under
// src/parse/ alters the symbols or chunks of some file: the next run over an index built by
// another version parses every file again, so the change reaches indexes made before it.
// 1 (or none): up to session 6; 2: C/C++ loop macros and "T __init f(void)".
inline constexpr int kParserVersion = 2;

// Best chunks kept per hot term.
inline constexpr int kHotTopK = 200;

// Rebuilds the hot-term lists when enough has changed since they were built (or the hot
// threshold moved); otherwise does nothing.
// With `expansions`, also retrains the query-expansion table (search/expansion.h).
Status maybe_rebuild_hot_terms(IndexStore& store, const IndexCounts& counts, int threads,
                               bool expansions = false);

// Converts parser output into what the store writes (compresses chunk text, groups refs).
FileWrite to_file_write(const std::string& path, std::string_view content, const ParsedFile& pf);

}  // namespace pampax
