// Single-precision dense matrix product for the builtin embedder's randomized SVD
// (embed/builtin_model.cpp): C = op(A) * B, row-major, with op(A) = A or A^T. It replaces
// OpenBLAS, whose spinning worker thread cost every pampax process up to ~80 ms of CPU at start-up
// (docs/benchmarks.md) for four products at index time.
//
// The shapes it is made for: a tall panel (n ~ 10^4-10^5 rows, 128-160 columns) times a small
// square matrix (NN), and the Gram-like product of two such panels (TN). Cache-blocked (TN:
// blocks of 256 rows), with a register tile of 4 x 16 (NN) or 6 x 16 (TN) outputs held in
// 8-float vectors (GCC/Clang vector extension, no intrinsics); compiled twice (baseline x86-64
// and AVX2, chosen at run time like SparseMatrix::multiply). Large products are split between
// up to 4 threads by output rows. Speed against OpenBLAS: docs/benchmarks.md.
//
// Determinism: every C(i,j) is summed in increasing order of the inner index, starting from
// 0, one rounding per multiply and per add (no FMA, no reassociation). So the result is
// bit-identical to the naive triple loop in that order, whatever the CPU path, blocking or
// thread count.
// Threading: reentrant; spawns and joins its own threads for large products.
#pragma once

namespace pampax {

enum class GemmOp { kNoTrans, kTrans };

// C (m x n, leading dimension ldc) = op(A) (m x k) * B (k x n, ldb). op kNoTrans: A is m x k
// (lda >= k); kTrans: A is stored k x m (lda >= m) and its transpose is used. C is overwritten
// (beta = 0), and must not overlap A or B. REQUIRES: m, n, k >= 0; leading dimensions at least
// the row lengths. k == 0 gives a zero C.
void dense_gemm(GemmOp op_a, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                float* c, int ldc);

// The same with a fixed number of threads (1: the calling thread only); for tests and
// benchmarks. dense_gemm picks 1 for small products, else min(4, cores).
void dense_gemm_threads(GemmOp op_a, int m, int n, int k, const float* a, int lda, const float* b,
                        int ldb, float* c, int ldc, int threads);

}  // namespace pampax
