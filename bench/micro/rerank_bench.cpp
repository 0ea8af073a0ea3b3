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

#include "bench_util.h"
#include "embed/gguf_reranker.h"

namespace {

const std::string& reranker_path() {
  static const std::string p = pampax::bench::test_rerank_model();
  return p;
}

// Deterministic candidates of varied length (~100-300 tokens), headed like rerank documents.
std::vector<std::string> candidates(int n) { return pampax::bench::code_chunks(n, 4242, true); }

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
