// The vector arm's kernel: exact top-k over N unit vectors (AVX2+FMA dot when available), and
// a gguf query embedding (the other query-side cost of hybrid search).
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "embed/gguf_embedder.h"
#include "search/vector_index.h"

namespace pampax {
namespace {

VectorIndex make_index(size_t n, int dim, VectorScan scan = VectorScan::kF32) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g;
  std::vector<float> m(n * static_cast<size_t>(dim));
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i] = static_cast<int64_t>(i + 1);
    float norm = 0;
    for (int d = 0; d < dim; ++d) norm += (m[i * dim + d] = g(rng)) * m[i * dim + d];
    for (int d = 0; d < dim; ++d) m[i * dim + d] /= std::sqrt(norm);
  }
  return VectorIndex(std::move(ids), std::move(m), dim, scan);
}

void BM_VectorTopK(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const int dim = static_cast<int>(state.range(1));
  VectorIndex vi = make_index(n, dim);
  std::vector<float> q(static_cast<size_t>(dim), 1.0f / std::sqrt(static_cast<float>(dim)));
  for (auto _ : state) {
    auto hits = vi.search(q.data(), 100);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_VectorTopK)->Args({10000, 384})->Args({50000, 384})->Args({50000, 256})
    ->Unit(benchmark::kMillisecond);

// The default scan: int8 copy, best 4 x 100 rescored in f32 (arg 2: 1 = int8, 2 = f16).
void BM_VectorTopKQuantised(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const int dim = static_cast<int>(state.range(1));
  const VectorScan scan = state.range(2) == 2 ? VectorScan::kF16 : VectorScan::kInt8;
  VectorIndex vi = make_index(n, dim, scan);
  std::vector<float> q(static_cast<size_t>(dim), 1.0f / std::sqrt(static_cast<float>(dim)));
  VectorSearchOptions o;
  o.scan = scan;
  for (auto _ : state) {
    auto hits = vi.search(q.data(), 100, {}, o);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_VectorTopKQuantised)->Args({50000, 384, 1})->Args({50000, 384, 2})
    ->Unit(benchmark::kMillisecond);

void BM_GgufQueryEmbedding(benchmark::State& state) {
  std::string model = __FILE__;
  model.resize(model.size() - std::string("bench/micro/vector_bench.cpp").size());
  model += "third_party/models/minilm-l6-random-f16.gguf";
  if (!std::filesystem::exists(model)) {
    state.SkipWithError("test model missing: run scripts/bootstrap");
    return;
  }
  GgufOptions o;
  o.model_path = model;
  o.threads = 2;
  auto e = open_gguf_embedder(o);
  if (!e.ok()) {
    state.SkipWithError(e.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    auto v = (*e)->embed({"how is the session token refreshed"}, EmbedRole::kQuery);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_GgufQueryEmbedding)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pampax
