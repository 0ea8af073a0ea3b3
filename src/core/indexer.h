// The index pipeline: walk -> diff against the index -> read + hash -> parse (all cores)
// -> one writer committing batches. Internal to core/; the Engine is the public face.
#pragma once
#include <filesystem>

#include "core/engine.h"

namespace pampax {

Result<IndexReport> run_index(const std::filesystem::path& root, IndexStore& store,
                              const IndexOptions& options);

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
