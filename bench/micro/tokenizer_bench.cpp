// Tokenizer throughput (bytes_per_second) on the test corpus, single thread, and load time.
// Inputs: "code" = the C++, Python and JS files of tests/assemble/data/tokenizer, "prose_en" =
// the English prose, "prose_multi" = the prose in eight languages, "project_src" = this
// repository's src/*.cpp|h; each repeated to ~1 MB so a run measures steady state rather than
// cache-cold tables.
// Run: build/pampax_micro --benchmark_filter=Tokenizer
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "assemble/tokenizer.h"
#include "bench_util.h"

namespace {

namespace fs = std::filesystem;
using pampax::Tokenizer;
using pampax::TokenizerKind;

fs::path corpus_dir() {
  return pampax::bench::source_path("PAMPAX_TOKENIZER_CORPUS", "tests/assemble/data/tokenizer");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string& input(const std::string& name) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  std::string text;
  if (name == "project_src") {
    // This repository's own src/ (*.cpp, *.h): real code, larger than the corpus's samples.
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(corpus_dir() / "../../../../src")) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".cpp" || ext == ".h")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) text += slurp(f);
  }
  for (const auto& e : fs::directory_iterator(corpus_dir())) {
    const std::string f = e.path().filename().string();
    const bool code = f.rfind("code_", 0) == 0;
    const bool en = f == "en_prose.txt";
    const bool multi = en || f == "zh.txt" || f == "ja.txt" || f == "ru.txt" || f == "ar.txt" ||
                       f == "mixed.txt";
    if ((name == "code" && code) || (name == "prose_en" && en) ||
        (name == "prose_multi" && multi)) {
      text += slurp(e.path());
    }
  }
  std::string big;
  while (!text.empty() && big.size() < (1u << 20)) big += text;
  return cache[name] = std::move(big);
}

const Tokenizer& tokenizer(TokenizerKind kind) {
  static std::map<TokenizerKind, std::unique_ptr<Tokenizer>> cache;
  auto& t = cache[kind];
  if (!t) {
    auto r = Tokenizer::load(kind);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().message().c_str());
      std::exit(1);
    }
    t = std::move(r.value());
  }
  return *t;
}

void BM_Tokenize(benchmark::State& state, TokenizerKind kind, const std::string& name, bool encode) {
  const std::string& text = input(name);
  const Tokenizer& t = tokenizer(kind);
  size_t tokens = 0;
  for (auto _ : state) {
    if (encode) {
      auto ids = t.encode(text);
      tokens = ids.size();
      benchmark::DoNotOptimize(ids.data());
    } else {
      tokens = t.count(text);
      benchmark::DoNotOptimize(tokens);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["bytes_per_token"] = static_cast<double>(text.size()) / static_cast<double>(tokens);
}

void BM_TokenizerLoad(benchmark::State& state, TokenizerKind kind) {
  for (auto _ : state) {
    auto r = Tokenizer::load(kind);
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    benchmark::DoNotOptimize(r.ok());
  }
}

}  // namespace

#define TOKENIZER_BENCH(kind, tag, input_name)                                                  \
  BENCHMARK_CAPTURE(BM_Tokenize, Tokenizer_count_##tag##_##input_name, kind, #input_name, false)        \
      ->Unit(benchmark::kMillisecond);                                                          \
  BENCHMARK_CAPTURE(BM_Tokenize, Tokenizer_encode_##tag##_##input_name, kind, #input_name, true)        \
      ->Unit(benchmark::kMillisecond);

TOKENIZER_BENCH(TokenizerKind::kCl100k, cl100k, code)
TOKENIZER_BENCH(TokenizerKind::kCl100k, cl100k, project_src)
TOKENIZER_BENCH(TokenizerKind::kCl100k, cl100k, prose_en)
TOKENIZER_BENCH(TokenizerKind::kCl100k, cl100k, prose_multi)
TOKENIZER_BENCH(TokenizerKind::kO200k, o200k, code)
TOKENIZER_BENCH(TokenizerKind::kO200k, o200k, project_src)
TOKENIZER_BENCH(TokenizerKind::kO200k, o200k, prose_en)
TOKENIZER_BENCH(TokenizerKind::kO200k, o200k, prose_multi)
BENCHMARK_CAPTURE(BM_Tokenize, Tokenizer_count_estimate_code, TokenizerKind::kEstimate, "code", false);
BENCHMARK_CAPTURE(BM_Tokenize, Tokenizer_count_estimate_prose_multi, TokenizerKind::kEstimate,
                  "prose_multi", false);
BENCHMARK_CAPTURE(BM_TokenizerLoad, Tokenizer_load_cl100k, TokenizerKind::kCl100k)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TokenizerLoad, Tokenizer_load_o200k, TokenizerKind::kO200k)
    ->Unit(benchmark::kMillisecond);
