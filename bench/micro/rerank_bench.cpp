// gguf reranker throughput: one query against 50 code-like candidates (the default
// --rerank-top) with the generated cross-encoder (all-MiniLM-L6-v2's shapes: a real
// ms-marco-MiniLM-L-6-v2 reranker computes the same). Reports candidates/s as
// items_per_second and pair tokens/s. Args: token budget per forward pass, threads.
//   pampax_micro --benchmark_filter=Rerank
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "embed/gguf_reranker.h"

namespace {

const std::string& reranker_path() {
  static const std::string p = [] {
    if (const char* m = std::getenv("PAMPAX_RERANK_BENCH_MODEL")) return std::string(m);
    std::string root = __FILE__;
    root.resize(root.size() - std::string("bench/micro/rerank_bench.cpp").size());
    return root + "third_party/models/minilm-l6-rerank-random-f16.gguf";
  }();
  return p;
}

// Deterministic candidates of varied length, as the embed bench makes them (~100-300 tokens).
std::vector<std::string> candidates(int n) {
  std::vector<std::string> out;
  uint32_t x = 4242;
  auto next = [&] { return x = x * 1103515245u + 12345u; };
  const char* names[] = {"parse_header", "read_block", "flush_cache", "hash_key", "walk_tree",
                         "emit_token", "merge_runs", "open_index"};
  for (int i = 0; i < n; ++i) {
    const int stmts = 1 + static_cast<int>((next() >> 16) % 8);
    std::string s = "src/" + std::string(names[i % 8]) + ".c\n" + names[i % 8] + "_" +
                    std::to_string(i) + "\nstatic int " + names[i % 8] + "_" + std::to_string(i) +
                    "(struct ctx *c, const char *buf, size_t len) {\n";
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

void BM_RerankGguf(benchmark::State& state) {
  pampax::GgufRerankOptions o;
  o.model_path = reranker_path();
  o.batch_tokens = static_cast<int>(state.range(0));
  o.threads = static_cast<int>(state.range(1));
  auto r = pampax::open_gguf_reranker(o);
  if (!r.ok()) {
    state.SkipWithError(r.status().message().c_str());
    return;
  }
  const auto docs = candidates(50);
  const std::string query = "where is the block cache flushed when the index is opened";
  (void)r.value()->score(query, {"warm up"});
  for (auto _ : state) {
    auto s = r.value()->score(query, docs);
    if (!s.ok()) {
      state.SkipWithError(s.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(s.value().data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(docs.size()));
}
BENCHMARK(BM_RerankGguf)
    ->ArgsProduct({{256, 512, 1024}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
