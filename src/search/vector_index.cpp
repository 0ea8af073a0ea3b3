#include "search/vector_index.h"

#include <immintrin.h>

#include <algorithm>
#include <numeric>
#include <unordered_set>

namespace pampax {
namespace {

float dot_scalar(const float* a, const float* b, int n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += a[i + j] * b[i + j];
  float t = 0;
  for (; i < n; ++i) t += a[i] * b[i];
  return t + ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, int n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  __m256 s = _mm256_add_ps(s0, s1);
  __m128 lo = _mm256_castps256_ps128(s), hi = _mm256_extractf128_ps(s, 1);
  __m128 v = _mm_add_ps(lo, hi);
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
  float t = _mm_cvtss_f32(v);
  for (; i < n; ++i) t += a[i] * b[i];
  return t;
}
#endif

using DotFn = float (*)(const float*, const float*, int);

DotFn pick_dot() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return dot_avx2;
#endif
  return dot_scalar;
}

const DotFn kDot = pick_dot();

}  // namespace

float dot(const float* a, const float* b, int n) { return kDot(a, b, n); }

VectorIndex::VectorIndex(std::vector<int64_t> ids, std::vector<float> matrix, int dim)
    : ids_(std::move(ids)), matrix_(std::move(matrix)), dim_(dim) {}

Result<std::unique_ptr<VectorIndex>> VectorIndex::load(IndexStore& store, const std::string& model,
                                                       int dim) {
  std::vector<int64_t> ids;
  std::vector<float> matrix;
  PAMPAX_RETURN_IF_ERROR(store.load_vectors(model, dim, &ids, &matrix));
  return std::make_unique<VectorIndex>(std::move(ids), std::move(matrix), dim);
}

Result<std::vector<ArmHit>> VectorIndex::search(const float* q, int k, const KeepFn& keep) const {
  std::vector<ArmHit> out;
  if (k <= 0 || ids_.empty()) return out;
  const size_t n = ids_.size();
  std::vector<float> scores(n);
  const float* row = matrix_.data();
  for (size_t i = 0; i < n; ++i, row += dim_) scores[i] = kDot(q, row, dim_);
  auto better = [&](uint32_t a, uint32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : ids_[a] < ids_[b];
  };
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  const size_t want = static_cast<size_t>(k);
  if (!keep) {
    size_t m = std::min(want, n);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(), better);
    for (size_t i = 0; i < m; ++i) out.push_back({ids_[order[i]], scores[order[i]]});
    return out;
  }
  // Filtered: walk down the ranking in growing batches until k candidates pass.
  size_t sorted = 0, batch = std::max<size_t>(want * 4, 256);
  while (out.size() < want && sorted < n) {
    size_t upto = std::min(n, sorted + batch);
    std::partial_sort(order.begin() + static_cast<std::ptrdiff_t>(sorted),
                      order.begin() + static_cast<std::ptrdiff_t>(upto), order.end(), better);
    std::vector<int64_t> cand;
    for (size_t i = sorted; i < upto; ++i) cand.push_back(ids_[order[i]]);
    auto kept = keep(cand);
    if (!kept.ok()) return kept.status();
    std::unordered_set<int64_t> ok(kept->begin(), kept->end());
    for (size_t i = sorted; i < upto && out.size() < want; ++i)
      if (ok.count(ids_[order[i]])) out.push_back({ids_[order[i]], scores[order[i]]});
    sorted = upto;
    batch *= 4;
  }
  return out;
}

}  // namespace pampax
