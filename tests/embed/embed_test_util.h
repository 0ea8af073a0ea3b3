// Shared by the embedder tests: the generated test model and vector helpers.
#pragma once

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace pampax::testing {

// Written by scripts/gen-test-gguf (run by scripts/bootstrap): all-MiniLM-L6-v2's shapes and
// vocabulary, random weights.
inline std::string test_gguf_path() {
  return std::string(PAMPAX_SOURCE_DIR) + "/third_party/models/minilm-l6-random-f16.gguf";
}

// Written by scripts/gen-test-gguf: a BERT cross-encoder with the same shapes and vocabulary,
// rank pooling and a one-logit classification head, random weights.
inline std::string test_reranker_path() {
  return std::string(PAMPAX_SOURCE_DIR) + "/third_party/models/minilm-l6-rerank-random-f16.gguf";
}

inline std::string llama_server_path() {
  return std::string(PAMPAX_SOURCE_DIR) + "/third_party/llama/install/bin/llama-server";
}

inline std::vector<float> row(const std::vector<float>& m, size_t dim, size_t i) {
  return std::vector<float>(m.begin() + static_cast<std::ptrdiff_t>(i * dim),
                            m.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
}

inline double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

inline double norm(const std::vector<float>& a) {
  double s = 0;
  for (float v : a) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

// Source-code-like texts of varied length (roughly 10 to 300 tokens).
inline std::vector<std::string> sample_texts() {
  std::vector<std::string> t = {
      "def add(a, b):\n    return a + b\n",
      "parse the gitignore patterns of a repository",
      "static int compute_total(struct point *p, int k) {\n  int total = 0;\n"
      "  for (int i = 0; i < k; ++i) total += p[i].x * p[i].y;\n  return total;\n}\n",
      "x",
  };
  std::string long_text = "class Tokenizer:\n    \"\"\"Splits identifiers into words.\"\"\"\n";
  for (int i = 0; i < 25; ++i) {
    long_text += "    def method_" + std::to_string(i) + "(self, value):\n        return helper(value, " +
                 std::to_string(i * 7) + ")\n";
  }
  t.push_back(long_text);
  t.push_back("SELECT name, size FROM files WHERE lang = 'cpp' ORDER BY size DESC LIMIT 10;");
  return t;
}

}  // namespace pampax::testing
