// embed/dense_gemm.h at the shapes of the builtin embedder's randomized SVD
// (embed/builtin_model.cpp, defaults d = 128, oversampling 16): n = vocabulary rows (up to
// 20,000), l = 144 columns of the sketch.
//   TN: Q^T Q and Q^T (M Q)      (l x l over n rows; orthonormalise, Rayleigh-Ritz)
//   NN: Q R^-1 (n x l by l x l) and Q V_k (n x l by l x 128)
// Each once on one thread and once with dense_gemm's own thread choice; plus the naive triple
// loop on one thread for scale. Items are multiply-adds (x2 for flops).
#include <benchmark/benchmark.h>

#include <random>
#include <thread>
#include <vector>

#include "embed/dense_gemm.h"

namespace pampax {
namespace {

std::vector<float> random_matrix(size_t rows, size_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> x(rows * cols);
  for (float& v : x) v = g(rng);
  return x;
}

// Args: n, l (columns of A), k (columns of B / C), threads (0: dense_gemm's choice).
void BM_GemmTN(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), l = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(3));
  auto a = random_matrix(static_cast<size_t>(n), static_cast<size_t>(l), 1);
  auto b = random_matrix(static_cast<size_t>(n), static_cast<size_t>(l), 2);
  std::vector<float> c(static_cast<size_t>(l) * l);
  for (auto _ : state) {
    if (threads == 0) dense_gemm(GemmOp::kTrans, l, l, n, a.data(), l, b.data(), l, c.data(), l);
    else dense_gemm_threads(GemmOp::kTrans, l, l, n, a.data(), l, b.data(), l, c.data(), l, threads);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t(n) * l * l);
}
BENCHMARK(BM_GemmTN)->Args({20000, 144, 144, 1})->Args({20000, 144, 144, 0})->Args({5000, 144, 144, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GemmNN(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), l = static_cast<int>(state.range(1));
  const int k = static_cast<int>(state.range(2)), threads = static_cast<int>(state.range(3));
  auto a = random_matrix(static_cast<size_t>(n), static_cast<size_t>(l), 3);
  auto b = random_matrix(static_cast<size_t>(l), static_cast<size_t>(k), 4);
  std::vector<float> c(static_cast<size_t>(n) * k);
  for (auto _ : state) {
    if (threads == 0) dense_gemm(GemmOp::kNoTrans, n, k, l, a.data(), l, b.data(), k, c.data(), k);
    else dense_gemm_threads(GemmOp::kNoTrans, n, k, l, a.data(), l, b.data(), k, c.data(), k, threads);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t(n) * l * k);
}
BENCHMARK(BM_GemmNN)->Args({20000, 144, 144, 1})->Args({20000, 144, 144, 0})->Args({20000, 144, 128, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// The naive loop (i, j, p order, one thread) at the TN shape, for scale.
void BM_GemmNaiveTN(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), l = static_cast<int>(state.range(1));
  auto a = random_matrix(static_cast<size_t>(n), static_cast<size_t>(l), 1);
  auto b = random_matrix(static_cast<size_t>(n), static_cast<size_t>(l), 2);
  std::vector<float> c(static_cast<size_t>(l) * l);
  for (auto _ : state) {
    for (int i = 0; i < l; ++i)
      for (int j = 0; j < l; ++j) {
        float s = 0;
        for (int p = 0; p < n; ++p) s += a[static_cast<size_t>(p) * l + i] * b[static_cast<size_t>(p) * l + j];
        c[static_cast<size_t>(i) * l + j] = s;
      }
    benchmark::DoNotOptimize(c.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t(n) * l * l);
}
BENCHMARK(BM_GemmNaiveTN)->Args({5000, 144})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace pampax
