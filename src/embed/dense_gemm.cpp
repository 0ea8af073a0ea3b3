#include "embed/dense_gemm.h"

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace pampax {
namespace {

constexpr int kR = 4;     // NN register tile: kR rows of C ...
constexpr int kJ = 16;    // ... by kJ columns: kR x 2 vectors of 8 floats held in registers
constexpr int kRT = 6;    // TN register tile: kRT rows (6 x 2 accumulators; the rows of A and B
                          // a tile reads are not contiguous, so more reuse per row pays)
constexpr int kPB = 256;  // TN: rows of A and B per block (the block stays in L2 for every tile)

// 8 floats, loaded from any float address (GCC/Clang vector extension: the compiler maps it to
// one AVX register, or two SSE registers on the baseline path). Element-wise * and + round
// each lane exactly as the scalar operations do.
typedef float V8 __attribute__((vector_size(32)));
typedef float V8u __attribute__((vector_size(32), aligned(4), may_alias));
// Macros, not functions: a function passing V8 by value would have a different ABI in the
// baseline and AVX2 copies.
#define load8(p) (*reinterpret_cast<const V8u*>(p))
#define store8(p, v) (*reinterpret_cast<V8u*>(p) = (v))

// Rows [i0, i1) of C for C = A * B (A m x k). Every C(i,j) is summed over p = 0, 1, ... k-1.
#define PAMPAX_GEMM_NN                                                                      \
  const int tile_end = i0 + (i1 - i0) / kR * kR, jn = n / kJ * kJ;                          \
  for (int i = i0; i < tile_end; i += kR) {                                                 \
    const float* a0 = a + static_cast<size_t>(i) * lda;                                     \
    const float *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;                             \
    for (int j = 0; j < jn; j += kJ) {                                                      \
      V8 c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {}, c30 = {}, c31 = {};    \
      const float* bp = b + j;                                                              \
      for (int p = 0; p < k; ++p, bp += ldb) {                                              \
        const V8 b0 = load8(bp), b1 = load8(bp + 8);                                        \
        c00 += a0[p] * b0; c01 += a0[p] * b1;                                               \
        c10 += a1[p] * b0; c11 += a1[p] * b1;                                               \
        c20 += a2[p] * b0; c21 += a2[p] * b1;                                               \
        c30 += a3[p] * b0; c31 += a3[p] * b1;                                               \
      }                                                                                     \
      float* cr = c + static_cast<size_t>(i) * ldc + j;                                     \
      store8(cr, c00); store8(cr + 8, c01); cr += ldc;                                      \
      store8(cr, c10); store8(cr + 8, c11); cr += ldc;                                      \
      store8(cr, c20); store8(cr + 8, c21); cr += ldc;                                      \
      store8(cr, c30); store8(cr + 8, c31);                                                 \
    }                                                                                       \
  }                                                                                         \
  /* The columns past the last whole tile, and the rows past the last whole tile. */        \
  for (int i = i0; i < i1; ++i)                                                             \
    for (int j = i < tile_end ? jn : 0; j < n; ++j) {                                       \
      float s = 0;                                                                          \
      for (int p = 0; p < k; ++p) s += a[static_cast<size_t>(i) * lda + p] * b[static_cast<size_t>(p) * ldb + j]; \
      c[static_cast<size_t>(i) * ldc + j] = s;                                              \
    }

// Rows [i0, i1) of C for C = A^T * B (A stored k x m). Blocks of kPB rows of A and B; a tile's
// partial sums are carried from block to block in C, so each C(i,j) is still summed over
// p = 0, 1, ... k-1 in order.
#define PAMPAX_GEMM_TN                                                                      \
  const int tile_end = i0 + (i1 - i0) / kRT * kRT, jn = n / kJ * kJ;                          \
  for (int p0 = 0; p0 < k; p0 += kPB) {                                                     \
    const int p1 = std::min(k, p0 + kPB);                                                   \
    for (int i = i0; i < tile_end; i += kRT) {                                               \
      for (int j = 0; j < jn; j += kJ) {                                                    \
        float* cr = c + static_cast<size_t>(i) * ldc + j;                                   \
        V8 c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {}, c30 = {}, c31 = {};  \
        V8 c40 = {}, c41 = {}, c50 = {}, c51 = {};                                          \
        if (p0 > 0) {                                                                       \
          c00 = load8(cr); c01 = load8(cr + 8);                                             \
          c10 = load8(cr + ldc); c11 = load8(cr + ldc + 8);                                 \
          c20 = load8(cr + 2 * ldc); c21 = load8(cr + 2 * ldc + 8);                         \
          c30 = load8(cr + 3 * ldc); c31 = load8(cr + 3 * ldc + 8);                         \
          c40 = load8(cr + 4 * ldc); c41 = load8(cr + 4 * ldc + 8);                         \
          c50 = load8(cr + 5 * ldc); c51 = load8(cr + 5 * ldc + 8);                         \
        }                                                                                   \
        const float* ap = a + static_cast<size_t>(p0) * lda + i;                            \
        const float* bp = b + static_cast<size_t>(p0) * ldb + j;                            \
        for (int p = p0; p < p1; ++p, ap += lda, bp += ldb) {                               \
          const V8 b0 = load8(bp), b1 = load8(bp + 8);                                      \
          c00 += ap[0] * b0; c01 += ap[0] * b1;                                             \
          c10 += ap[1] * b0; c11 += ap[1] * b1;                                             \
          c20 += ap[2] * b0; c21 += ap[2] * b1;                                             \
          c30 += ap[3] * b0; c31 += ap[3] * b1;                                             \
          c40 += ap[4] * b0; c41 += ap[4] * b1;                                             \
          c50 += ap[5] * b0; c51 += ap[5] * b1;                                             \
        }                                                                                   \
        store8(cr, c00); store8(cr + 8, c01); cr += ldc;                                    \
        store8(cr, c10); store8(cr + 8, c11); cr += ldc;                                    \
        store8(cr, c20); store8(cr + 8, c21); cr += ldc;                                    \
        store8(cr, c30); store8(cr + 8, c31); cr += ldc;                                    \
        store8(cr, c40); store8(cr + 8, c41); cr += ldc;                                    \
        store8(cr, c50); store8(cr + 8, c51);                                               \
      }                                                                                     \
    }                                                                                       \
  }                                                                                         \
  for (int i = i0; i < i1; ++i)                                                             \
    for (int j = i < tile_end ? jn : 0; j < n; ++j) {                                       \
      float s = 0;                                                                          \
      for (int p = 0; p < k; ++p) s += a[static_cast<size_t>(p) * lda + i] * b[static_cast<size_t>(p) * ldb + j]; \
      c[static_cast<size_t>(i) * ldc + j] = s;                                              \
    }

#define PAMPAX_GEMM_ARGS                                                                    \
  int i0, int i1, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc

void nn_baseline(PAMPAX_GEMM_ARGS) { PAMPAX_GEMM_NN }
void tn_baseline(PAMPAX_GEMM_ARGS) { PAMPAX_GEMM_TN }

#if defined(__x86_64__) && defined(__GNUC__)
// The same loops compiled for AVX2 (8 floats a step). No FMA (not in the target): one rounding
// per multiply and per add, as in the baseline, so both give the same bits.
__attribute__((target("avx2"))) void nn_avx2(PAMPAX_GEMM_ARGS) { PAMPAX_GEMM_NN }
__attribute__((target("avx2"))) void tn_avx2(PAMPAX_GEMM_ARGS) { PAMPAX_GEMM_TN }
#endif

#undef PAMPAX_GEMM_NN
#undef PAMPAX_GEMM_TN
#undef PAMPAX_GEMM_ARGS
#undef load8
#undef store8

using PartFn = void (*)(int, int, int, int, const float*, int, const float*, int, float*, int);

PartFn part_fn(GemmOp op) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return op == GemmOp::kTrans ? tn_avx2 : nn_avx2;
#endif
  return op == GemmOp::kTrans ? tn_baseline : nn_baseline;
}

}  // namespace

void dense_gemm_threads(GemmOp op_a, int m, int n, int k, const float* a, int lda, const float* b,
                        int ldb, float* c, int ldc, int threads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int i = 0; i < m; ++i) std::fill(c + static_cast<size_t>(i) * ldc, c + static_cast<size_t>(i) * ldc + n, 0.0f);
    return;
  }
  const PartFn fn = part_fn(op_a);
  // Rows of C split in whole tiles; each thread writes its own rows.
  const int rows = op_a == GemmOp::kTrans ? kRT : kR;
  const int tiles = (m + rows - 1) / rows;
  threads = std::clamp(threads, 1, tiles);
  if (threads == 1) return fn(0, m, n, k, a, lda, b, ldb, c, ldc);
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads - 1));
  auto range = [&](int t, int* from, int* to) {
    *from = std::min(m, static_cast<int>(static_cast<long long>(tiles) * t / threads) * rows);
    *to = std::min(m, static_cast<int>(static_cast<long long>(tiles) * (t + 1) / threads) * rows);
  };
  for (int t = 1; t < threads; ++t) {
    int from, to;
    range(t, &from, &to);
    pool.emplace_back([=] { fn(from, to, n, k, a, lda, b, ldb, c, ldc); });
  }
  int from, to;
  range(0, &from, &to);
  fn(from, to, n, k, a, lda, b, ldb, c, ldc);
  for (auto& th : pool) th.join();
}

void dense_gemm(GemmOp op_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                float* c, int ldc) {
  // Threads pay off from a few million multiply-adds (a thread start costs ~20-50 us).
  const double work = static_cast<double>(m) * n * k;
  const int threads = work < (1 << 22) ? 1 : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  dense_gemm_threads(op_a, m, n, k, a, lda, b, ldb, c, ldc, threads);
}

}  // namespace pampax
