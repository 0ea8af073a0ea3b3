// Synthetic repositories for the benchmark suite (`pampax bench`): deterministic, seeded trees
// of source files in the languages pampax parses (Python, JavaScript, TypeScript, Go, Java,
// Rust, C, C++), each file with a module variable, free functions, a class (struct) with
// properties and methods, and doc comments drawn from a fixed vocabulary, so that the suite's
// queries ("function", "class", "variable", "method", "property" and natural-language ones
// built from the same words) have answers. Thread-safe (no shared state).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace pampax::bench {

struct SynthOptions {
  int files = 100;     // >= 1
  uint64_t seed = 42;  // same seed and count: byte-identical tree
};

struct SynthReport {
  int files = 0;
  uint64_t bytes = 0, lines = 0;
  std::vector<std::pair<std::string, int>> languages;  // language -> files, in a fixed order
};

// Writes the tree under `dir` (created; it must not exist or be empty). Errors:
// kInvalidArgument for files < 1 or a non-empty dir; kIoError when a file cannot be written.
Result<SynthReport> generate_repository(const std::filesystem::path& dir, const SynthOptions& opt);

// Natural-language queries built from the generator's vocabulary, so that generated trees
// hold answers to them (tests/bench_suite/synth_test.cpp checks an 80-file tree).
const std::vector<std::string>& synthetic_nl_queries();

}  // namespace pampax::bench
