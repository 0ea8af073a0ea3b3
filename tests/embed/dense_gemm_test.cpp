// embed/dense_gemm.h against the naive triple loop: bit-identical (the contract sums every
// output in increasing inner index, one rounding per multiply and add) for many shapes, odd
// ones and tile/block edges included, both ops, padded leading dimensions (padding never read
// nor written) and any thread count; and close to a double-precision reference.
#include "embed/dense_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace pampax {
namespace {

struct Shape {
  int m, n, k;
};

// A matrix of rows x cols in a buffer of rows x ld, the padding filled with NaN (a read of it
// would poison the result).
std::vector<float> matrix(int rows, int cols, int ld, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(rows) * ld, std::numeric_limits<float>::quiet_NaN());
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) x[static_cast<size_t>(i) * ld + j] = u(rng);
  return x;
}

float op_a(bool trans, const std::vector<float>& a, int lda, int i, int p) {
  return trans ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p];
}

void check(Shape s, bool trans, int pad, int threads, uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "m=" << s.m << " n=" << s.n << " k=" << s.k << (trans ? " A^T" : " A")
                                  << " pad=" << pad << " threads=" << threads);
  std::mt19937 rng(seed);
  const int a_rows = trans ? s.k : s.m, a_cols = trans ? s.m : s.k;
  const int lda = a_cols + pad, ldb = s.n + pad, ldc = s.n + pad;
  auto a = matrix(a_rows, a_cols, lda, rng);
  auto b = matrix(s.k, s.n, ldb, rng);
  const float sentinel = 12345.0f;
  std::vector<float> c(static_cast<size_t>(std::max(s.m, 1)) * ldc, sentinel);
  dense_gemm_threads(trans ? GemmOp::kTrans : GemmOp::kNoTrans, s.m, s.n, s.k, a.data(), lda, b.data(), ldb,
                     c.data(), ldc, threads);
  for (int i = 0; i < s.m; ++i) {
    for (int j = 0; j < s.n; ++j) {
      float naive = 0;
      double exact = 0, mag = 0;
      for (int p = 0; p < s.k; ++p) {
        const float x = op_a(trans, a, lda, i, p), y = b[static_cast<size_t>(p) * ldb + j];
        naive += x * y;
        exact += static_cast<double>(x) * y;
        mag += std::fabs(static_cast<double>(x) * y);
      }
      const float got = c[static_cast<size_t>(i) * ldc + j];
      ASSERT_EQ(std::memcmp(&got, &naive, sizeof got), 0) << "C(" << i << "," << j << ") = " << got << ", naive " << naive;
      ASSERT_LE(std::fabs(got - exact), 1.2e-7 * s.k * mag + 1e-7) << i << "," << j;
    }
    for (int j = s.n; j < ldc; ++j) ASSERT_EQ(c[static_cast<size_t>(i) * ldc + j], sentinel) << "padding written";
  }
}

const Shape kShapes[] = {
    {1, 1, 1},   {1, 1, 5},    {3, 5, 7},    {4, 16, 1},   {4, 16, 3},     {5, 17, 2},
    {8, 32, 16}, {17, 33, 9},  {31, 15, 40}, {130, 128, 144}, {144, 144, 300}, {37, 19, 257},
    {64, 48, 513}, {2, 100, 1}, {100, 2, 3},
};

TEST(DenseGemm, EqualsTheNaiveLoopBitForBit) {
  uint32_t seed = 1;
  for (const Shape& s : kShapes)
    for (bool trans : {false, true})
      for (int pad : {0, 3}) check(s, trans, pad, 1, seed++);
}

TEST(DenseGemm, ThreadCountDoesNotChangeABit) {
  uint32_t seed = 100;
  for (const Shape& s : {Shape{130, 128, 144}, Shape{37, 19, 257}, Shape{9, 20, 600}, Shape{3, 3, 3}})
    for (bool trans : {false, true})
      for (int threads : {2, 3, 4, 64}) check(s, trans, 1, threads, seed++);
}

// The real shapes (embed/builtin_model.cpp's randomized SVD) through dense_gemm (threads
// chosen by size), once each.
TEST(DenseGemm, RealShapesThroughTheDefaultEntryPoint) {
  std::mt19937 rng(7);
  const int n = 3001, l = 144, k = 128;
  auto q = matrix(n, l, l, rng);
  auto small = matrix(l, k, k, rng);
  std::vector<float> gram(static_cast<size_t>(l) * l), proj(static_cast<size_t>(n) * k);
  dense_gemm(GemmOp::kTrans, l, l, n, q.data(), l, q.data(), l, gram.data(), l);
  dense_gemm(GemmOp::kNoTrans, n, k, l, q.data(), l, small.data(), k, proj.data(), k);
  std::vector<float> gram1(gram.size()), proj1(proj.size());
  dense_gemm_threads(GemmOp::kTrans, l, l, n, q.data(), l, q.data(), l, gram1.data(), l, 1);
  dense_gemm_threads(GemmOp::kNoTrans, n, k, l, q.data(), l, small.data(), k, proj1.data(), k, 1);
  EXPECT_EQ(gram, gram1);
  EXPECT_EQ(proj, proj1);
  for (int i = 0; i < l; ++i)  // Q^T Q is symmetric: the same products summed in the same order
    for (int j = 0; j < l; ++j) ASSERT_EQ(gram[static_cast<size_t>(i) * l + j], gram[static_cast<size_t>(j) * l + i]);
}

TEST(DenseGemm, EmptyInnerDimensionGivesZeros) {
  std::vector<float> c(6, 7.0f);
  dense_gemm(GemmOp::kNoTrans, 2, 3, 0, nullptr, 1, nullptr, 3, c.data(), 3);
  for (float x : c) EXPECT_EQ(x, 0.0f);
  dense_gemm(GemmOp::kTrans, 0, 3, 5, nullptr, 1, nullptr, 3, c.data(), 3);  // nothing to do
}

}  // namespace
}  // namespace pampax
