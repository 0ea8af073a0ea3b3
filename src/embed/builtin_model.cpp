#include "embed/builtin_model.h"


#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>
#include <unordered_map>

#include "embed/dense_gemm.h"
#include "search/query.h"
#include "util/hash.h"
#include "util/ident.h"
#include "util/stem.h"
#include "util/trace.h"

namespace pampax {

void builtin_terms(std::string_view text, bool drop_stop_words,
                   const std::function<void(const std::string&)>& sink) {
  // Stems are cached per thread across calls (texts share most of their words); the cache is
  // cleared between calls once it grows past a bound. Node addresses are stable during a call.
  thread_local std::unordered_map<std::string, std::string> stems;
  if (stems.size() > (1u << 17)) stems.clear();
  std::vector<const std::string*> all, kept;
  std::string t;
  for_each_term(text, [&](std::string_view term, bool, int, int) {
    if (term.size() < 2 || term.size() > 40) return;
    if (std::all_of(term.begin(), term.end(), [](char c) { return c >= '0' && c <= '9'; })) return;
    t.assign(term);
    auto it = stems.find(t);
    if (it == stems.end()) it = stems.emplace(t, stemmable(t) ? porter_stem(t) : t).first;
    if (!drop_stop_words) {
      sink(it->second);
      return;
    }
    all.push_back(&it->second);
    if (!is_stop_word(term)) kept.push_back(&it->second);
  });
  if (!drop_stop_words) return;
  for (const std::string* s : kept.empty() ? all : kept) sink(*s);
}

BuiltinTrainOptions builtin_train_options_from_env() {
  BuiltinTrainOptions o;
  const char* env = std::getenv("PAMPAX_BUILTIN_TRAIN");
  if (!env) return o;
  std::string_view rest(env);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view pair = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    int value = eq == std::string_view::npos ? 0 : std::atoi(std::string(pair.substr(eq + 1)).c_str());
    int* field = key == "sample" ? &o.sample_chunks : key == "dim" ? &o.dim : key == "vocab" ? &o.max_vocab
               : key == "min_df" ? &o.min_df : key == "terms" ? &o.max_terms_per_chunk
               : key == "oversample" ? &o.oversample : key == "power" ? &o.power : nullptr;
    if (!field || value < (key == "power" || key == "oversample" ? 0 : 1)) {
      std::fprintf(stderr, "pampax: PAMPAX_BUILTIN_TRAIN: ignoring '%.*s'\n", static_cast<int>(pair.size()),
                   pair.data());
      continue;
    }
    *field = value;
  }
  return o;
}

namespace {

// out rows [from, to) of m * x (x: k columns). Each row is summed in a fixed order.
#define PAMPAX_MULTIPLY_ROWS                                          \
  for (int i = from; i < to; ++i) {                                   \
    float* o = out + static_cast<size_t>(i) * k;                      \
    std::fill(o, o + k, 0.0f);                                        \
    for (int64_t p = m.row_start[i]; p < m.row_start[i + 1]; ++p) {   \
      const float v = m.val[p];                                       \
      const float* xr = x + static_cast<size_t>(m.col[p]) * k;        \
      for (int j = 0; j < k; ++j) o[j] += v * xr[j];                  \
    }                                                                 \
  }

void rows_baseline(const SparseMatrix& m, const float* x, int k, float* out, int from, int to) {
  PAMPAX_MULTIPLY_ROWS
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same loop compiled for AVX2 (8 floats a step). No FMA (not in the target), so the sums are
// the baseline's bit for bit.
__attribute__((target("avx2"))) void rows_avx2(const SparseMatrix& m, const float* x, int k, float* out, int from,
                                               int to) {
  PAMPAX_MULTIPLY_ROWS
}
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }
#endif

using RowsFn = void (*)(const SparseMatrix&, const float*, int, float*, int, int);
RowsFn rows_fn() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const RowsFn fn = cpu_has_avx2() ? rows_avx2 : rows_baseline;
  return fn;
#else
  return rows_baseline;
#endif
}
#undef PAMPAX_MULTIPLY_ROWS

}  // namespace

void SparseMatrix::multiply(const float* x, int k, float* out) const {
  // Rows are split between threads; each row is summed by one thread in a fixed order, so the
  // result does not depend on the thread count.
  const RowsFn fn = rows_fn();
  auto rows = [&](int from, int to) { fn(*this, x, k, out, from, to); };
  const int64_t nnz = row_start.empty() ? 0 : row_start[n];
  const int threads = nnz < (1 << 16) ? 1 : static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  if (threads == 1) return rows(0, n);
  // Split by non-zeros, not rows: frequent terms have long rows.
  std::vector<int> cut = {0};
  for (int t = 1; t < threads; ++t) {
    int64_t target = nnz * t / threads;
    cut.push_back(static_cast<int>(std::lower_bound(row_start.begin(), row_start.end(), target) - row_start.begin()));
  }
  cut.push_back(n);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(rows, cut[t], cut[t + 1]);
  rows(cut[0], cut[1]);
  for (auto& th : pool) th.join();
}

namespace {

// The worker count for `items` items of work, at least `min_per_thread` each: `threads` (0 =
// all cores) at most.
size_t worker_count(int threads, size_t items, size_t min_per_thread) {
  size_t t = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(items / std::max<size_t>(1, min_per_thread), 1, t);
}

// Runs fn(t, from, to) on `workers` threads over contiguous slices of [0, n) (the calling
// thread takes slice 0).
void for_slices(size_t workers, size_t n, const std::function<void(size_t, size_t, size_t)>& fn) {
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(fn, t, n * t / workers, n * (t + 1) / workers);
  fn(0, 0, n / workers);
  for (std::thread& th : pool) th.join();
}

// The distinct upper-triangle pair keys of bags [from, to), sorted, with their counts.
void count_pairs(const std::vector<std::vector<uint32_t>>& bags, size_t from, size_t to,
                 std::vector<uint64_t>* distinct_out, std::vector<float>* count_out) {
  // Upper-triangle pair keys, buffered, then sorted and merged into (key, count) runs: memory is
  // bounded by the distinct pairs plus the buffer, not by every pair occurrence.
  constexpr size_t kBuffer = size_t{1} << 22;
  std::vector<uint64_t> distinct, keys;
  std::vector<float> count;
  auto flush = [&] {
    std::sort(keys.begin(), keys.end());
    std::vector<uint64_t> d2;
    std::vector<float> c2;
    d2.reserve(distinct.size() + keys.size() / 2);
    c2.reserve(d2.capacity());
    size_t a = 0, i = 0;
    while (a < distinct.size() || i < keys.size()) {
      uint64_t k = i < keys.size() && (a >= distinct.size() || keys[i] < distinct[a]) ? keys[i] : distinct[a];
      float c = 0;
      if (a < distinct.size() && distinct[a] == k) c += count[a++];
      while (i < keys.size() && keys[i] == k) {
        c += 1;
        ++i;
      }
      d2.push_back(k);
      c2.push_back(c);
    }
    distinct.swap(d2);
    count.swap(c2);
    keys.clear();
  };
  std::vector<uint32_t> u;
  for (size_t q = from; q < to; ++q) {
    const auto& bag = bags[q];
    u.assign(bag.begin(), bag.end());
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    for (size_t a = 0; a < u.size(); ++a)
      for (size_t b = a + 1; b < u.size(); ++b) keys.push_back(static_cast<uint64_t>(u[a]) << 32 | u[b]);
    if (keys.size() >= kBuffer) flush();
  }
  flush();
  distinct_out->swap(distinct);
  count_out->swap(count);
}

}  // namespace

SparseMatrix cooccurrence(const std::vector<std::vector<uint32_t>>& bags, int n, int threads) {
  // Slices of bags are counted on their own threads, then merged. Counts are whole numbers
  // (exact in float), so the result does not depend on the slicing.
  const size_t workers = worker_count(threads, bags.size(), 512);
  std::vector<std::vector<uint64_t>> part_keys(workers);
  std::vector<std::vector<float>> part_counts(workers);
  for_slices(workers, bags.size(), [&](size_t t, size_t from, size_t to) {
    count_pairs(bags, from, to, &part_keys[t], &part_counts[t]);
  });
  std::vector<uint64_t> distinct = std::move(part_keys[0]);
  std::vector<float> count = std::move(part_counts[0]);
  for (size_t t = 1; t < workers; ++t) {
    const std::vector<uint64_t>& k2 = part_keys[t];
    const std::vector<float>& c2 = part_counts[t];
    std::vector<uint64_t> dm;
    std::vector<float> cm;
    dm.reserve(distinct.size() + k2.size());
    cm.reserve(dm.capacity());
    size_t a = 0, b = 0;
    while (a < distinct.size() || b < k2.size()) {
      if (b >= k2.size() || (a < distinct.size() && distinct[a] < k2[b])) {
        dm.push_back(distinct[a]);
        cm.push_back(count[a++]);
      } else if (a >= distinct.size() || k2[b] < distinct[a]) {
        dm.push_back(k2[b]);
        cm.push_back(c2[b++]);
      } else {
        dm.push_back(distinct[a]);
        cm.push_back(count[a++] + c2[b++]);
      }
    }
    distinct.swap(dm);
    count.swap(cm);
    std::vector<uint64_t>().swap(part_keys[t]);
    std::vector<float>().swap(part_counts[t]);
  }
  SparseMatrix m;
  m.n = n;
  m.row_start.assign(static_cast<size_t>(n) + 1, 0);
  for (uint64_t k : distinct) {
    ++m.row_start[(k >> 32) + 1];
    ++m.row_start[(k & 0xffffffffu) + 1];
  }
  for (int i = 0; i < n; ++i) m.row_start[i + 1] += m.row_start[i];
  m.col.resize(static_cast<size_t>(m.row_start[n]));
  m.val.resize(m.col.size());
  std::vector<int64_t> fill(m.row_start.begin(), m.row_start.end() - 1);
  // Row i gets its lower-triangle entries (j < i) first, in increasing j, then its upper ones.
  std::vector<size_t> by_col(distinct.size());
  for (size_t q = 0; q < by_col.size(); ++q) by_col[q] = q;
  std::stable_sort(by_col.begin(), by_col.end(), [&](size_t x, size_t y) {
    uint32_t bx = static_cast<uint32_t>(distinct[x]), by = static_cast<uint32_t>(distinct[y]);
    if (bx != by) return bx < by;
    return (distinct[x] >> 32) < (distinct[y] >> 32);
  });
  for (size_t q : by_col) {  // lower triangle: row b, column a < b, increasing a
    uint32_t a = static_cast<uint32_t>(distinct[q] >> 32), b = static_cast<uint32_t>(distinct[q]);
    int64_t p = fill[b]++;
    m.col[p] = static_cast<int32_t>(a);
    m.val[p] = count[q];
  }
  for (size_t q = 0; q < distinct.size(); ++q) {  // upper: row a, column b > a, increasing b
    uint32_t a = static_cast<uint32_t>(distinct[q] >> 32), b = static_cast<uint32_t>(distinct[q]);
    int64_t p = fill[a]++;
    m.col[p] = static_cast<int32_t>(b);
    m.val[p] = count[q];
  }
  return m;
}

SparseMatrix ppmi(const SparseMatrix& c, double alpha) {
  std::vector<double> r(static_cast<size_t>(c.n), 0.0);
  for (int i = 0; i < c.n; ++i)
    for (int64_t p = c.row_start[i]; p < c.row_start[i + 1]; ++p) r[i] += c.val[p];
  double ctx_total = 0;
  for (double x : r) ctx_total += std::pow(x, alpha);
  SparseMatrix m;
  m.n = c.n;
  m.row_start.assign(static_cast<size_t>(c.n) + 1, 0);
  for (int i = 0; i < c.n; ++i) {
    for (int64_t p = c.row_start[i]; p < c.row_start[i + 1]; ++p) {
      const int j = c.col[p];
      const double cj = std::pow(r[j], alpha) / ctx_total;
      const double v = std::log(static_cast<double>(c.val[p]) / (r[i] * cj));
      if (v > 0) {
        m.col.push_back(j);
        m.val.push_back(static_cast<float>(v));
      }
    }
    m.row_start[i + 1] = static_cast<int64_t>(m.col.size());
  }
  return m;
}

void jacobi_eigen(std::vector<double> a, int n, std::vector<double>* w, std::vector<double>* v) {
  v->assign(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i) (*v)[static_cast<size_t>(i) * n + i] = 1.0;
  auto A = [&](int i, int j) -> double& { return a[static_cast<size_t>(i) * n + j]; };
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < n; ++i) {
      diag += A(i, i) * A(i, i);
      for (int j = i + 1; j < n; ++j) off += A(i, j) * A(i, j);
    }
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (int p = 0; p < n; ++p) {
      for (int q = p + 1; q < n; ++q) {
        const double apq = A(p, q);
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (A(q, q) - A(p, p)) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double cs = 1.0 / std::sqrt(t * t + 1.0), sn = t * cs;
        for (int k = 0; k < n; ++k) {  // columns p, q
          const double akp = A(k, p), akq = A(k, q);
          A(k, p) = cs * akp - sn * akq;
          A(k, q) = sn * akp + cs * akq;
        }
        for (int k = 0; k < n; ++k) {  // rows p, q
          const double apk = A(p, k), aqk = A(q, k);
          A(p, k) = cs * apk - sn * aqk;
          A(q, k) = sn * apk + cs * aqk;
        }
        for (int k = 0; k < n; ++k) {
          double* vr = &(*v)[static_cast<size_t>(k) * n];
          const double vkp = vr[p], vkq = vr[q];
          vr[p] = cs * vkp - sn * vkq;
          vr[q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  w->resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) (*w)[i] = A(i, i);
}

namespace {

// Orthonormalises the columns of q (n x k, row-major) in place: Cholesky QR, twice (the second
// pass removes the first's rounding error). A column numerically dependent on the ones before
// it becomes zero.
void orthonormalise(std::vector<float>& q, int n, int k) {
  std::vector<float> g(static_cast<size_t>(k) * k), t(static_cast<size_t>(k) * k), out(q.size());
  for (int pass = 0; pass < 2; ++pass) {
    dense_gemm(GemmOp::kTrans, k, k, n, q.data(), k, q.data(), k, g.data(), k);
    auto G = [&](int i, int j) { return static_cast<double>(g[static_cast<size_t>(i) * k + j]); };
    double gmax = 0;
    for (int i = 0; i < k; ++i) gmax = std::max(gmax, G(i, i));
    std::vector<double> r(static_cast<size_t>(k) * k, 0.0), ri(static_cast<size_t>(k) * k, 0.0);
    auto R = [&](int i, int j) -> double& { return r[static_cast<size_t>(i) * k + j]; };
    auto RI = [&](int i, int j) -> double& { return ri[static_cast<size_t>(i) * k + j]; };
    for (int j = 0; j < k; ++j) {
      double d = G(j, j);
      for (int m = 0; m < j; ++m) d -= R(m, j) * R(m, j);
      if (d <= gmax * 1e-9 || d <= 0) continue;  // dependent column: row j of R stays zero
      R(j, j) = std::sqrt(d);
      for (int i = j + 1; i < k; ++i) {
        double x = G(j, i);
        for (int m = 0; m < j; ++m) x -= R(m, j) * R(m, i);
        R(j, i) = x / R(j, j);
      }
    }
    for (int j = 0; j < k; ++j) {  // R^-1 over the kept columns (upper triangular)
      if (R(j, j) == 0) continue;
      RI(j, j) = 1.0 / R(j, j);
      for (int i = j - 1; i >= 0; --i) {
        if (R(i, i) == 0) continue;
        double x = 0;
        for (int m = i + 1; m <= j; ++m) x += R(i, m) * RI(m, j);
        RI(i, j) = -x / R(i, i);
      }
    }
    for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(ri[i]);
    dense_gemm(GemmOp::kNoTrans, n, k, k, q.data(), k, t.data(), k, out.data(), k);
    q.swap(out);
  }
}

// Deterministic standard normal numbers (splitmix64 + Box-Muller).
struct Gauss {
  uint64_t s;
  double spare = 0;
  bool has = false;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) / 9007199254740992.0; }
  double operator()() {
    if (has) {
      has = false;
      return spare;
    }
    double u = uniform(), v = uniform();
    double r = std::sqrt(-2.0 * std::log(u)), a = 6.283185307179586 * v;
    spare = r * std::sin(a);
    has = true;
    return r * std::cos(a);
  }
};

}  // namespace

void randomized_eigs(const SparseMatrix& m, int k, int oversample, int power, uint64_t seed,
                     std::vector<float>* vectors, std::vector<float>* values) {
  const int n = m.n;
  k = std::max(0, std::min(k, n));
  const int l = std::min(n, k + std::max(0, oversample));
  vectors->assign(static_cast<size_t>(n) * k, 0.0f);
  values->assign(static_cast<size_t>(k), 0.0f);
  if (k == 0) return;
  Gauss g{seed};
  std::vector<float> omega(static_cast<size_t>(n) * l), q(omega.size()), tmp(omega.size());
  for (float& x : omega) x = static_cast<float>(g());
  m.multiply(omega.data(), l, q.data());
  for (int it = 0; it < power; ++it) {
    orthonormalise(q, n, l);
    m.multiply(q.data(), l, tmp.data());
    m.multiply(tmp.data(), l, q.data());
  }
  orthonormalise(q, n, l);
  // Rayleigh-Ritz: H = Q^T M Q (l x l), its eigenpairs give M's on the subspace.
  m.multiply(q.data(), l, tmp.data());
  std::vector<float> h(static_cast<size_t>(l) * l);
  dense_gemm(GemmOp::kTrans, l, l, n, q.data(), l, tmp.data(), l, h.data(), l);
  std::vector<double> hd(h.size());
  for (int i = 0; i < l; ++i)
    for (int j = 0; j < l; ++j)  // symmetrise away rounding
      hd[static_cast<size_t>(i) * l + j] =
          0.5 * (static_cast<double>(h[static_cast<size_t>(i) * l + j]) + h[static_cast<size_t>(j) * l + i]);
  std::vector<double> w, v;
  jacobi_eigen(hd, l, &w, &v);
  std::vector<int> order(static_cast<size_t>(l));
  for (int i = 0; i < l; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return std::fabs(w[a]) > std::fabs(w[b]); });
  std::vector<float> vk(static_cast<size_t>(l) * k);
  for (int c = 0; c < k; ++c) {
    const int e = order[c];
    (*values)[c] = static_cast<float>(w[e]);
    // Fix the sign: the largest-magnitude component of each Ritz vector is positive.
    double best = 0;
    for (int i = 0; i < l; ++i)
      if (std::fabs(v[static_cast<size_t>(i) * l + e]) > std::fabs(best)) best = v[static_cast<size_t>(i) * l + e];
    const double sign = best < 0 ? -1.0 : 1.0;
    for (int i = 0; i < l; ++i) vk[static_cast<size_t>(i) * k + c] = static_cast<float>(sign * v[static_cast<size_t>(i) * l + e]);
  }
  dense_gemm(GemmOp::kNoTrans, n, k, l, q.data(), l, vk.data(), k, vectors->data(), k);
}

std::string BuiltinModel::model_id() const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "builtin:ppmi-svd-d%d:%016llx", dim, static_cast<unsigned long long>(hash));
  return buf;
}

BuiltinModel train_builtin_model(const std::vector<std::string>& texts, const BuiltinTrainOptions& o) {
  BuiltinModel model;
  model.dim = o.dim;
  // Document frequencies over the training chunks: slices of chunks on their own threads,
  // whose counts are then added (sums of whole numbers: the same for any slicing).
  std::unordered_map<std::string, uint32_t> df;
  std::vector<std::vector<std::string>> docs(texts.size());
  const size_t workers = worker_count(o.threads, texts.size(), 256);
  std::vector<std::unordered_map<std::string, uint32_t>> part_df(workers);
  for_slices(workers, texts.size(), [&](size_t t, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      std::vector<std::string>& d = docs[i];
      builtin_terms(texts[i], false, [&](const std::string& term) { d.push_back(term); });
      std::vector<std::string> u = d;
      std::sort(u.begin(), u.end());
      u.erase(std::unique(u.begin(), u.end()), u.end());
      for (const std::string& term : u) ++part_df[t][term];
    }
  });
  df = std::move(part_df[0]);
  for (size_t t = 1; t < workers; ++t)
    for (const auto& [term, n] : part_df[t]) df[term] += n;
  // Vocabulary: the max_vocab most frequent terms with df >= min_df (ties by term), sorted.
  std::vector<std::pair<uint32_t, std::string>> cand;
  for (const auto& [t, n] : df)
    if (n >= static_cast<uint32_t>(o.min_df)) cand.emplace_back(n, t);
  std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (cand.size() > static_cast<size_t>(o.max_vocab)) cand.resize(static_cast<size_t>(o.max_vocab));
  std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  std::unordered_map<std::string, uint32_t> id;
  for (const auto& [n, t] : cand) {
    id.emplace(t, static_cast<uint32_t>(model.terms.size()));
    model.terms.push_back(t);
    model.idf.push_back(static_cast<float>(std::log(static_cast<double>(texts.size()) / n)));
  }
  const int v = static_cast<int>(model.terms.size());
  model.vectors.assign(static_cast<size_t>(v) * o.dim, 0.0f);
  if (v >= 2) {
    std::vector<std::vector<uint32_t>> bags;
    bags.reserve(docs.size());
    for (auto& d : docs) {
      std::vector<uint32_t> b;
      for (const std::string& t : d) {
        auto it = id.find(t);
        if (it != id.end()) b.push_back(it->second);
      }
      std::sort(b.begin(), b.end());
      b.erase(std::unique(b.begin(), b.end()), b.end());
      if (b.size() > static_cast<size_t>(o.max_terms_per_chunk)) {
        // Keep the rarest terms of a big chunk (most informative, and pairs grow squared).
        std::stable_sort(b.begin(), b.end(), [&](uint32_t x, uint32_t y) { return model.idf[x] > model.idf[y]; });
        b.resize(static_cast<size_t>(o.max_terms_per_chunk));
      }
      if (b.size() >= 2) bags.push_back(std::move(b));
      d.clear();
      d.shrink_to_fit();
    }
    SparseMatrix m = ppmi(cooccurrence(bags, v, o.threads));
    bags.clear();
    std::vector<float> u, s;
    trace_point("builtin: PPMI matrix built");
    randomized_eigs(m, o.dim, o.oversample, o.power, o.seed, &u, &s);
    trace_point("builtin: eigenvectors computed");
    const int k = static_cast<int>(s.size());
    for (int i = 0; i < v; ++i) {
      float* row = &model.vectors[static_cast<size_t>(i) * o.dim];
      double norm = 0;
      for (int c = 0; c < k; ++c) {
        row[c] = u[static_cast<size_t>(i) * k + c] * std::sqrt(std::fabs(s[c]));
        norm += static_cast<double>(row[c]) * row[c];
      }
      if (norm > 0) {
        const float inv = static_cast<float>(1.0 / std::sqrt(norm));
        for (int c = 0; c < k; ++c) row[c] *= inv;
      }
    }
  }
  std::string blob;
  for (size_t i = 0; i < model.terms.size(); ++i) {
    blob += model.terms[i];
    blob += '\0';
  }
  blob.append(reinterpret_cast<const char*>(model.idf.data()), model.idf.size() * sizeof(float));
  blob.append(reinterpret_cast<const char*>(model.vectors.data()), model.vectors.size() * sizeof(float));
  model.hash = hash64(blob);
  return model;
}

}  // namespace pampax
