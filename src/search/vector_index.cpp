#include "search/vector_index.h"

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "search/hnsw_index.h"
#include "util/fault_guard.h"
#include "util/hash.h"

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

// int8 rows against an int16 query: sum of products, exact in int32 for dim <= 2^17.
int32_t dot_i8_scalar(const int16_t* q, const int8_t* r, int n) {
  int32_t s = 0;
  for (int i = 0; i < n; ++i) s += int32_t(q[i]) * r[i];
  return s;
}

// IEEE half -> float (no F16C): normal, subnormal, zero, inf/nan.
float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      float f = std::ldexp(static_cast<float>(mant), -24);
      return sign ? -f : f;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// float -> IEEE half, round to nearest even (values here are within [-1, 1]).
uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half = mant >> shift, rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // may carry into the exponent
  return static_cast<uint16_t>(sign | half);
}

float dot_f16_scalar(const float* q, const uint16_t* r, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += q[i] * half_to_float(r[i]);
  return s;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float hsum256(__m256 s) {
  __m128 lo = _mm256_castps256_ps128(s), hi = _mm256_extractf128_ps(s, 1);
  __m128 v = _mm_add_ps(lo, hi);
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
  return _mm_cvtss_f32(v);
}

__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, int n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float t = hsum256(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) t += a[i] * b[i];
  return t;
}

__attribute__((target("avx2"))) int32_t dot_i8_avx2(const int16_t* q, const int8_t* r, int n) {
  __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i r0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i)));
    __m256i r1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i + 16)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(r0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i))));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(r1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i + 16))));
  }
  for (; i + 16 <= n; i += 16) {
    __m256i r0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i)));
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(r0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + i))));
  }
  __m256i s = _mm256_add_epi32(s0, s1);
  __m128i v = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x4e));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0xb1));
  int32_t t = _mm_cvtsi128_si32(v);
  for (; i < n; ++i) t += int32_t(q[i]) * r[i];
  return t;
}

__attribute__((target("avx2,fma,f16c"))) float dot_f16_avx2(const float* q, const uint16_t* r, int n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 r0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i)));
    __m256 r1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i + 8)));
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), r0, s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), r1, s1);
  }
  float t = hsum256(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) t += q[i] * half_to_float(r[i]);
  return t;
}
#endif

using DotFn = float (*)(const float*, const float*, int);
using DotI8Fn = int32_t (*)(const int16_t*, const int8_t*, int);
using DotF16Fn = float (*)(const float*, const uint16_t*, int);

bool has_avx2() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

#if defined(__x86_64__)
// F16C from CPUID (leaf 1, ECX bit 29): clang 14's __builtin_cpu_supports does not know "f16c".
bool has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}

const DotFn kDot = has_avx2() ? dot_avx2 : dot_scalar;
const DotI8Fn kDotI8 = has_avx2() ? dot_i8_avx2 : dot_i8_scalar;
const DotF16Fn kDotF16 =
    has_avx2() && has_f16c() ? dot_f16_avx2 : dot_f16_scalar;
#else
const DotFn kDot = dot_scalar;
const DotI8Fn kDotI8 = dot_i8_scalar;
const DotF16Fn kDotF16 = dot_f16_scalar;
#endif

}  // namespace

float dot(const float* a, const float* b, int n) { return kDot(a, b, n); }

VectorIndex::VectorIndex(std::vector<int64_t> ids, std::vector<float> matrix, int dim, VectorScan scan)
    : ids_(std::move(ids)), dim_(dim), own_matrix_(std::move(matrix)) {
  matrix_ = own_matrix_.data();
  quantise(scan);
}

void VectorIndex::quantise(VectorScan scan) {
  const size_t n = ids_.size(), d = static_cast<size_t>(dim_);
  if (scan == VectorScan::kInt8) {
    // Symmetric, one scale per row: code = round(x / max|x| * 127).
    own_codes_.resize(n * d);
    own_scales_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const float* r = row(i);
      float mx = 0;
      for (size_t j = 0; j < d; ++j) mx = std::max(mx, std::fabs(r[j]));
      float inv = mx > 0 ? 127.0f / mx : 0.0f;
      own_scales_[i] = mx / 127.0f;
      int8_t* c = &own_codes_[i * d];
      for (size_t j = 0; j < d; ++j) {  // round half away from zero; |r[j] * inv| <= 127
        float x = r[j] * inv;
        c[j] = static_cast<int8_t>(static_cast<int>(x + (x >= 0 ? 0.5f : -0.5f)));
      }
    }
    codes_ = own_codes_.data();
    scales_ = own_scales_.data();
  } else if (scan == VectorScan::kF16) {
    own_halves_.resize(n * d);
    for (size_t i = 0; i < n * d; ++i) own_halves_[i] = float_to_half(matrix_[i]);
    halves_ = own_halves_.data();
  }
}

VectorIndex::VectorIndex(int dim) : dim_(dim) {}
VectorIndex::~VectorIndex() = default;

template <class F>
bool VectorIndex::read_rows(F&& fn) const {
  if (!mapping_) {
    fn();
    return true;
  }
  if (lost()) return false;
  if (read_guarded(map_lo_, map_len_, fn)) return true;
  lost_.store(true, std::memory_order_relaxed);
  return false;
}

Status VectorIndex::lost_status() const {
  return Corrupt("the vector file " + map_path_ +
                 " was truncated or changed while in use (by another program): its vectors "
                 "cannot be read any more");
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::load(IndexStore& store, const std::string& model,
                                                       int dim) {
  std::vector<int64_t> ids;
  std::vector<float> matrix;
  // Reserve once: the matrix would otherwise grow (and be copied) a row at a time.
  if (auto counts = store.embed_counts(model); counts.ok() && counts->embedded > 0) {
    ids.reserve(static_cast<size_t>(counts->embedded));
    matrix.reserve(static_cast<size_t>(counts->embedded) * static_cast<size_t>(dim));
  }
  PAMPAX_RETURN_IF_ERROR(store.load_vectors(model, dim, &ids, &matrix));
  return std::make_unique<VectorIndex>(std::move(ids), std::move(matrix), dim);
}

uint64_t VectorIndex::fingerprint() const {
  if (fingerprint_) return fingerprint_;
  uint64_t a = hash64(std::string_view(reinterpret_cast<const char*>(ids_.data()), ids_.size() * sizeof(int64_t)));
  uint64_t b = hash64(std::string_view(reinterpret_cast<const char*>(matrix_),
                                       ids_.size() * static_cast<size_t>(dim_) * sizeof(float)));
  uint64_t c[3] = {a, b, static_cast<uint64_t>(dim_)};
  return hash64(std::string_view(reinterpret_cast<const char*>(c), sizeof(c)));
}

void VectorIndex::attach_hnsw(std::unique_ptr<HnswIndex> graph) {
  hnsw_ = std::move(graph);
  same_next_.clear();
  if (!hnsw_) return;
  // Rings of rows with byte-identical vectors, found through a hash of each row. The reads of
  // the rows (hashes, then comparisons within groups of equal hash) allocate nothing, so that a
  // mapped index can run them under the fault guard.
  const size_t n = ids_.size(), bytes = static_cast<size_t>(dim_) * sizeof(float);
  std::vector<uint64_t> hashes(n);
  if (!read_rows([&] {
        for (size_t i = 0; i < n; ++i)
          hashes[i] = hash64(std::string_view(reinterpret_cast<const char*>(row(i)), bytes));
      })) {
    hnsw_.reset();
    return;
  }
  // Rows grouped by hash, in row order within a group.
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return hashes[a] < hashes[b]; });
  same_next_.resize(n);
  std::vector<uint8_t> first(n, 0);  // 1: the first row of its ring (compared against later rows)
  bool ok = read_rows([&] {
    for (size_t g = 0; g < n;) {
      size_t end = g + 1;
      while (end < n && hashes[order[end]] == hashes[order[g]]) ++end;
      for (size_t x = g; x < end; ++x) {
        const uint32_t i = order[x];
        same_next_[i] = i;
        first[i] = 1;
        for (size_t y = g; y < x; ++y) {
          const uint32_t r = order[y];
          if (first[r] && std::memcmp(row(r), row(i), bytes) == 0) {  // insert i after r in r's ring
            same_next_[i] = same_next_[r];
            same_next_[r] = i;
            first[i] = 0;
            break;
          }
        }
      }
      g = end;
    }
  });
  if (!ok) {
    hnsw_.reset();
    same_next_.clear();
  }
}

float VectorIndex::quantise_query(const float* q, std::vector<int16_t>* qi) const {
  // int16 keeps more of the query's precision than int8 would.
  const size_t d = static_cast<size_t>(dim_);
  float mx = 0;
  for (size_t j = 0; j < d; ++j) mx = std::max(mx, std::fabs(q[j]));
  qi->resize(d);
  // Range 4096, less for very long vectors so the int32 sums cannot overflow.
  const float range = static_cast<float>(std::min(4096.0, 2.0e9 / (127.0 * static_cast<double>(d))));
  float inv = mx > 0 ? range / mx : 0.0f;
  for (size_t j = 0; j < d; ++j) (*qi)[j] = static_cast<int16_t>(std::lrint(q[j] * inv));
  return mx / range;
}

void VectorIndex::approx_scores(const float* q, VectorScan scan, const int16_t* qi, float qs,
                                float* out) const {
  const size_t n = ids_.size(), d = static_cast<size_t>(dim_);
  if (scan == VectorScan::kInt8 && codes_) {
    const int8_t* r = codes_;
    for (size_t i = 0; i < n; ++i, r += d)
      out[i] = static_cast<float>(kDotI8(qi, r, dim_)) * scales_[i] * qs;
  } else if (scan == VectorScan::kF16 && halves_) {
    const uint16_t* r = halves_;
    for (size_t i = 0; i < n; ++i, r += d) out[i] = kDotF16(q, r, dim_);
  } else {
    const float* r = matrix_;
    for (size_t i = 0; i < n; ++i, r += d) out[i] = kDot(q, r, dim_);
  }
}

Result<std::vector<ArmHit>> VectorIndex::search(const float* q, int k, const KeepFn& keep,
                                                const VectorSearchOptions& o) const {
  if (k <= 0 || ids_.empty()) return std::vector<ArmHit>();
  if (lost()) return lost_status();
  if (o.use_hnsw && hnsw_) {
    bool complete = false;
    auto r = search_graph(q, k, keep, o, &complete);
    if (!r.ok() || complete) return r;
    // Too few graph candidates passed the filter: the filter is selective, scan instead.
  }
  return search_scan(q, k, keep, o);
}

// Exact rescoring: sorts `rows` by exact score (ties: lower row) and returns the best k.
// lost_status() when the rows could not be read (a lost mapping).
Result<std::vector<ArmHit>> VectorIndex::rescore(const float* q, std::vector<uint32_t>& rows,
                                                 size_t k) const {
  std::vector<float> exact(rows.size());
  if (!read_rows([&] {
        for (size_t i = 0; i < rows.size(); ++i) exact[i] = dot(q, row(rows[i]), dim_);
      }))
    return lost_status();
  std::vector<std::pair<float, uint32_t>> scored;
  scored.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) scored.emplace_back(exact[i], rows[i]);
  auto better = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  size_t m = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(m), scored.end(), better);
  std::vector<ArmHit> out;
  out.reserve(m);
  for (size_t i = 0; i < m; ++i) out.push_back({ids_[scored[i].second], scored[i].first});
  return out;
}

Result<std::vector<ArmHit>> VectorIndex::search_scan(const float* q, int k, const KeepFn& keep,
                                                     const VectorSearchOptions& o) const {
  const size_t n = ids_.size(), want = static_cast<size_t>(k);
  const bool exact = o.scan == VectorScan::kF32 || (o.scan == VectorScan::kInt8 && !codes_) ||
                     (o.scan == VectorScan::kF16 && !halves_);
  // Approximate candidates to rescore (all of them are final when the scan is exact).
  const size_t pool = exact ? want : std::max(want * static_cast<size_t>(std::max(1, o.rescore)), want + 16);
  std::vector<float> scores(n);
  const VectorScan scan = exact ? VectorScan::kF32 : o.scan;
  std::vector<int16_t> qi;  // the quantised query of the int8 scan
  const float qs = scan == VectorScan::kInt8 ? quantise_query(q, &qi) : 0.0f;
  if (!read_rows([&] { approx_scores(q, scan, qi.data(), qs, scores.data()); })) return lost_status();
  auto better = [&](uint32_t a, uint32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  };
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::vector<uint32_t> chosen;
  if (!keep) {
    size_t m = std::min(pool, n);
    if (exact) {
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(), better);
      std::vector<ArmHit> out;
      for (size_t i = 0; i < m; ++i) out.push_back({ids_[order[i]], scores[order[i]]});
      return out;
    }
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m - 1), order.end(), better);
    chosen.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m));
    return rescore(q, chosen, want);
  }
  // Filtered: walk down the (approximate) ranking in growing batches until `pool` candidates
  // pass, then rescore those exactly.
  size_t sorted = 0, batch = std::max<size_t>(pool * 2, 256);
  while (chosen.size() < pool && sorted < n) {
    size_t upto = std::min(n, sorted + batch);
    std::partial_sort(order.begin() + static_cast<std::ptrdiff_t>(sorted),
                      order.begin() + static_cast<std::ptrdiff_t>(upto), order.end(), better);
    std::vector<int64_t> cand;
    cand.reserve(upto - sorted);
    for (size_t i = sorted; i < upto; ++i) cand.push_back(ids_[order[i]]);
    auto kept = keep(cand);
    if (!kept.ok()) return kept.status();
    std::unordered_set<int64_t> ok(kept->begin(), kept->end());
    for (size_t i = sorted; i < upto && chosen.size() < pool; ++i)
      if (ok.count(ids_[order[i]])) chosen.push_back(order[i]);
    sorted = upto;
    batch *= 4;
  }
  return rescore(q, chosen, want);
}

Result<std::vector<ArmHit>> VectorIndex::search_graph(const float* q, int k, const KeepFn& keep,
                                                      const VectorSearchOptions& o, bool* complete) const {
  const size_t want = static_cast<size_t>(k);
  auto found = hnsw_->search(q, want, static_cast<size_t>(std::max(o.hnsw_ef, k)));
  std::vector<uint32_t> rows;
  rows.reserve(found.size());
  for (const auto& f : found) rows.push_back(f.second);
  // Every row identical to a candidate is a candidate too (see attach_hnsw), up to a bound.
  if (!same_next_.empty()) {
    std::unordered_set<uint32_t> in(rows.begin(), rows.end());
    const size_t bound = std::max<size_t>(4 * rows.size(), 4096);
    for (size_t i = 0, n = rows.size(); i < n && rows.size() < bound; ++i)
      for (uint32_t r = same_next_[rows[i]]; r != rows[i] && rows.size() < bound; r = same_next_[r])
        if (in.insert(r).second) rows.push_back(r);
  }
  if (keep) {
    std::vector<int64_t> cand;
    cand.reserve(rows.size());
    for (uint32_t r : rows) cand.push_back(ids_[r]);
    auto kept = keep(cand);
    if (!kept.ok()) return kept.status();
    std::unordered_set<int64_t> ok(kept->begin(), kept->end());
    std::vector<uint32_t> pass;
    for (uint32_t r : rows)
      if (ok.count(ids_[r])) pass.push_back(r);
    rows.swap(pass);
  }
  *complete = rows.size() >= std::min(want, ids_.size());
  if (!*complete) return std::vector<ArmHit>();
  return rescore(q, rows, want);
}

Status ensure_hnsw(VectorIndex& vi, const std::string& dir, const HnswPolicy& policy, bool* built,
                   std::string* note) {
  *built = false;
  note->clear();
  if (vi.size() < std::max<size_t>(policy.min_rows, 1) || vi.hnsw()) return Status::Ok();
  char name[40];
  std::snprintf(name, sizeof name, "hnsw-%016llx.bin", static_cast<unsigned long long>(vi.fingerprint()));
  const std::filesystem::path path = std::filesystem::path(dir) / name;
  auto loaded = HnswIndex::load(path.string(), vi.size(), vi.dim());
  if (loaded.ok()) {
    vi.attach_hnsw(std::move(loaded).value());
    return Status::Ok();
  }
  if (!policy.build) return Status::Ok();
  int threads = policy.threads > 0 ? policy.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto graph = HnswIndex::build(vi.row(0), vi.size(), vi.dim(), HnswParams{}, threads);
  if (!graph.ok()) return graph.status();
  *built = true;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string f = e.path().filename().string();
    if (f.rfind("hnsw-", 0) == 0 && e.path() != path) std::filesystem::remove(e.path(), ec);
  }
  Status st = (*graph)->save(path.string());
  if (!st.ok()) *note = "the HNSW graph is not kept for the next process: " + st.message();
  vi.attach_hnsw(std::move(graph).value());
  return Status::Ok();
}

}  // namespace pampax
