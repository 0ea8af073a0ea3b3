// Shared by the micro benchmarks: paths into the source tree and deterministic code-like texts.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace pampax::bench {

// $env when set, else PATH relative to the source root (PAMPAX_SOURCE_DIR, set by CMake).
inline std::string source_path(const char* env, const std::string& rel) {
  if (env != nullptr) {
    if (const char* v = std::getenv(env)) return v;
  }
  return std::string(PAMPAX_SOURCE_DIR) + "/" + rel;
}

// The generated test models (scripts/gen-test-gguf): all-MiniLM-L6-v2's shapes, random weights.
inline std::string test_embed_model() {
  return source_path("PAMPAX_EMBED_BENCH_MODEL", "third_party/models/minilm-l6-random-f16.gguf");
}
inline std::string test_rerank_model() {
  return source_path("PAMPAX_RERANK_BENCH_MODEL",
                     "third_party/models/minilm-l6-rerank-random-f16.gguf");
}

// n small C functions of ~100-300 model tokens, deterministic for a seed. With
// `path_header`, each starts with a file path and the symbol name (as rerank documents do).
inline std::vector<std::string> code_chunks(int n, uint32_t seed, bool path_header) {
  std::vector<std::string> out;
  uint32_t x = seed;
  auto next = [&] { return x = x * 1103515245u + 12345u; };
  const char* names[] = {"parse_header", "read_block", "flush_cache", "hash_key", "walk_tree",
                         "emit_token", "merge_runs", "open_index"};
  for (int i = 0; i < n; ++i) {
    const int stmts = 1 + static_cast<int>((next() >> 16) % 8);
    const std::string name = names[i % 8], fn = name + "_" + std::to_string(i);
    std::string s = path_header ? "src/" + name + ".c\n" + fn + "\n"
                                : "/* " + name + ": handles case " + std::to_string(i) + ". */\n";
    s += "static int " + fn + "(struct ctx *c, const char *buf, size_t len) {\n";
    for (int k = 0; k < stmts; ++k) {
      s += "  if (buf[" + std::to_string(k) + "] == '" + static_cast<char>('a' + (next() >> 20) % 26) +
           "') c->count += helper_" + std::to_string((next() >> 18) % 100) + "(c, len - " +
           std::to_string(k) + ");\n";
    }
    s += "  return c->count;\n}\n";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace pampax::bench
