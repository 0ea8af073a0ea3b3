// Recall@10 and latency of the vector arm's search methods against the exact f32 scan:
// f32 exact, int8 + exact rescoring, f16 + exact rescoring, HNSW at several ef values (build
// time, graph save/load time), and filtered searches (a filter keeping a share of the ids).
// Queries are Q rows drawn from the set (seeded) and removed from it, so no query finds itself.
//   pampax_vector_eval ROOT [--queries Q] [--threads T]    vectors of an index (any model)
//   pampax_vector_eval --synthetic uniform|clustered N DIM [--queries Q] [--threads T]
//   pampax_vector_eval --vectors FILE DIM ...   raw float32 rows (e.g. dumped from another
//                                               build's index.db; rows are L2-normalised here)
// Prints figures; asserts nothing. Query timings are the thread's CPU time (the machine this
// was written on is shared, so wall clock mostly measured the neighbours); builds print both.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/engine.h"
#include "search/hnsw_index.h"
#include "search/vector_index.h"
#include "util/hash.h"

using namespace pampax;
namespace {

// Thread CPU time as a clock (per-query timings).
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};
double ms_since(double t0) { return Clock::now() - t0; }
double process_cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void normalise(float* v, int dim) {
  double s = 0;
  for (int d = 0; d < dim; ++d) s += double(v[d]) * v[d];
  float inv = s > 0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.0f;
  for (int d = 0; d < dim; ++d) v[d] *= inv;
}

// Uniform on the sphere, or 1,000 clusters (centre + gaussian noise of a third of its norm).
std::vector<float> synthetic(const std::string& kind, size_t n, int dim) {
  std::mt19937 rng(42);
  std::normal_distribution<float> g;
  std::vector<float> m(n * static_cast<size_t>(dim));
  if (kind == "uniform") {
    for (auto& x : m) x = g(rng);
  } else {
    const size_t centres = 1000;
    std::vector<float> c(centres * static_cast<size_t>(dim));
    for (auto& x : c) x = g(rng);
    for (size_t i = 0; i < centres; ++i) normalise(&c[i * dim], dim);
    std::uniform_int_distribution<size_t> pick(0, centres - 1);
    const float sigma = 0.33f / std::sqrt(static_cast<float>(dim));
    for (size_t i = 0; i < n; ++i) {
      size_t k = pick(rng);
      for (int d = 0; d < dim; ++d) m[i * dim + d] = c[k * dim + d] + sigma * g(rng);
    }
  }
  for (size_t i = 0; i < n; ++i) normalise(&m[i * dim], dim);
  return m;
}

struct Method {
  std::string name;
  std::vector<double> ms;
  double recall_sum = 0;
  size_t queries = 0;
};

// Recall@10 counting ties: a hit is right when it is one of the true ten or scores (exactly:
// every method rescores in f32) at least as high as the tenth, so among several identical
// vectors (identical chunks, empty texts) any one will do. Strict id recall is kept as well.
size_t g_strict_hits = 0, g_strict_total = 0;
double recall10(const std::vector<ArmHit>& truth, const std::vector<ArmHit>& got) {
  std::unordered_set<int64_t> t;
  for (size_t i = 0; i < truth.size() && i < 10; ++i) t.insert(truth[i].chunk_id);
  if (t.empty()) return 1.0;
  const float tenth = truth[std::min<size_t>(truth.size(), 10) - 1].score;
  size_t hit = 0, strict = 0;
  for (size_t i = 0; i < got.size() && i < 10; ++i) {
    bool in = t.count(got[i].chunk_id) > 0;
    strict += in;
    hit += in || got[i].score >= tenth - 1e-6f;
  }
  g_strict_hits += strict;
  g_strict_total += t.size();
  return static_cast<double>(std::min(hit, t.size())) / static_cast<double>(t.size());
}

void print(const Method& m) {
  double strict = g_strict_total ? static_cast<double>(g_strict_hits) / static_cast<double>(g_strict_total) : 1.0;
  std::printf("  %-44s recall@10 %.4f (ids %.4f)  CPU p50 %7.3f ms  p95 %7.3f ms\n", m.name.c_str(),
              m.queries ? m.recall_sum / static_cast<double>(m.queries) : 0.0, strict, pct(m.ms, 0.5),
              pct(m.ms, 0.95));
  g_strict_hits = g_strict_total = 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  std::string root, kind;
  size_t n = 0, queries = 200;
  int dim = 0, threads = 2;
  HnswParams defaults;
  int hnsw_m = defaults.m, hnsw_efc = defaults.ef_construction;
  std::vector<int> efs = {16, 32, 64, 128, 256};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--synthetic" && i + 3 < argc) {
      kind = argv[++i];
      n = std::strtoull(argv[++i], nullptr, 10);
      dim = std::atoi(argv[++i]);
    } else if (a == "--vectors" && i + 2 < argc) {
      kind = "file";
      root = argv[++i];
      dim = std::atoi(argv[++i]);
    } else if (a == "--queries" && i + 1 < argc) {
      queries = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--m" && i + 1 < argc) {
      hnsw_m = std::atoi(argv[++i]);
    } else if (a == "--efc" && i + 1 < argc) {
      hnsw_efc = std::atoi(argv[++i]);
    } else if (a == "--ef" && i + 1 < argc) {
      efs.clear();
      for (const char* p = argv[++i]; *p;) {
        char* end = nullptr;
        long v = std::strtol(p, &end, 10);
        if (end == p) break;
        if (v > 0) efs.push_back(static_cast<int>(v));
        p = *end == ',' ? end + 1 : end;
      }
    } else if (!a.empty() && a[0] != '-' && root.empty()) {
      root = a;
    } else {
      std::fprintf(stderr,
                   "usage: %s ROOT [--queries Q] [--threads T] [--m M] [--efc EFC] [--ef E1,E2,...]\n"
                   "       %s --synthetic uniform|clustered N DIM [--queries Q] [--threads T]\n"
                   "       %s --vectors FILE DIM [--queries Q] [--threads T]\n",
                   argv[0], argv[0], argv[0]);
      return 2;
    }
  }
  std::vector<int64_t> ids;
  std::vector<float> matrix;
  std::string source;
  if (kind == "file") {
    std::FILE* f = std::fopen(root.c_str(), "rb");
    if (!f || dim <= 0) {
      std::fprintf(stderr, "cannot read %s (or DIM <= 0)\n", root.c_str());
      return 1;
    }
    std::vector<float> row(static_cast<size_t>(dim));
    while (std::fread(row.data(), sizeof(float), row.size(), f) == row.size()) {
      normalise(row.data(), dim);
      matrix.insert(matrix.end(), row.begin(), row.end());
      ids.push_back(static_cast<int64_t>(ids.size() + 1));
    }
    std::fclose(f);
    n = ids.size();
    source = root;
  } else if (!kind.empty()) {
    if ((kind != "uniform" && kind != "clustered") || n < 100 || dim <= 0) {
      std::fprintf(stderr, "--synthetic needs uniform|clustered, N >= 100 and DIM > 0\n");
      return 2;
    }
    matrix = synthetic(kind, n, dim);
    ids.resize(n);
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i + 1);
    source = "synthetic " + kind;
  } else if (!root.empty()) {
    auto engine = Engine::open(root, Engine::Mode::kRead);
    if (!engine.ok()) {
      std::fprintf(stderr, "%s\n", engine.status().message().c_str());
      return 1;
    }
    auto info = (*engine)->info();
    if (!info.ok() || info->embed_model.empty()) {
      std::fprintf(stderr, "%s has no vectors: index it with --embed first\n", root.c_str());
      return 1;
    }
    dim = info->embed_dim;
    double w0 = wall_ms();
    auto loaded = VectorIndex::load((*engine)->store(), info->embed_model, dim);
    std::printf("  VectorIndex::load (SQLite read + int8 copy): %.0f ms wall\n", wall_ms() - w0);
    Status st = loaded.ok() ? Status::Ok() : loaded.status();
    if (st.ok()) {
      ids = (*loaded)->ids();
      matrix.assign((*loaded)->row(0), (*loaded)->row(0) + ids.size() * static_cast<size_t>(dim));
    }
    if (!st.ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    n = ids.size();
    source = info->embed_model;
  } else {
    std::fprintf(stderr, "give an index root or --synthetic (see --help)\n");
    return 2;
  }
  if (n < queries + 10) {
    std::fprintf(stderr, "too few vectors (%zu) for %zu queries\n", n, queries);
    return 1;
  }
  // Draw the queries and take them out of the searched set.
  std::mt19937 rng(7);
  std::vector<size_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<char> is_query(n, 0);
  std::vector<float> qs;
  for (size_t i = 0; i < queries; ++i) {
    is_query[perm[i]] = 1;
    qs.insert(qs.end(), matrix.begin() + perm[i] * dim, matrix.begin() + (perm[i] + 1) * dim);
  }
  std::vector<int64_t> base_ids;
  std::vector<float> base;
  for (size_t i = 0; i < n; ++i)
    if (!is_query[i]) {
      base_ids.push_back(ids[i]);
      base.insert(base.end(), matrix.begin() + i * dim, matrix.begin() + (i + 1) * dim);
    }
  matrix.clear();
  matrix.shrink_to_fit();
  const size_t rows = base_ids.size();
  std::unordered_set<uint64_t> distinct;
  for (size_t i = 0; i < rows; ++i)
    distinct.insert(hash64(std::string_view(reinterpret_cast<const char*>(&base[i * dim]), dim * sizeof(float))));
  std::printf("== vector search eval: %s, %zu vectors x %d (%zu distinct), %zu queries (held out), %d build threads\n",
              source.c_str(), rows, dim, distinct.size(), queries, threads);

  VectorIndex f32(base_ids, base, dim, VectorScan::kF32);
  double t0 = Clock::now();
  VectorIndex i8(base_ids, base, dim, VectorScan::kInt8);
  double quant_ms = ms_since(t0);
  VectorIndex f16(base_ids, base, dim, VectorScan::kF16);
  std::printf("  int8 copy built in %.1f ms CPU\n", quant_ms);

  const int k = 10;
  std::vector<std::vector<ArmHit>> truth(queries);
  Method exact{"f32 exact scan"};
  for (size_t qi = 0; qi < queries; ++qi) {
    VectorSearchOptions o;
    o.scan = VectorScan::kF32;
    auto t = Clock::now();
    truth[qi] = f32.search(&qs[qi * dim], k, {}, o).value();
    exact.ms.push_back(ms_since(t));
    exact.recall_sum += 1;
    ++exact.queries;
  }
  print(exact);
  auto run = [&](const std::string& name, const VectorIndex& vi, VectorSearchOptions o) {
    Method m{name};
    for (size_t qi = 0; qi < queries; ++qi) {
      auto t = Clock::now();
      auto hits = vi.search(&qs[qi * dim], k, {}, o).value();
      m.ms.push_back(ms_since(t));
      m.recall_sum += recall10(truth[qi], hits);
      ++m.queries;
    }
    print(m);
  };
  for (int factor : {1, 2, 4, 8}) {
    VectorSearchOptions o;
    o.scan = VectorScan::kInt8;
    o.rescore = factor;
    run("int8 scan + rescore x" + std::to_string(factor), i8, o);
  }
  for (int factor : {1, 4}) {
    VectorSearchOptions o;
    o.scan = VectorScan::kF16;
    o.rescore = factor;
    run("f16 scan + rescore x" + std::to_string(factor), f16, o);
  }

  // HNSW: build, save, load, search.
  HnswParams hp;
  hp.m = hnsw_m;
  hp.ef_construction = hnsw_efc;
  double w0 = wall_ms(), c0 = process_cpu_ms();
  auto graph = HnswIndex::build(base.data(), rows, dim, hp, threads);
  double build_wall = wall_ms() - w0, build_cpu = process_cpu_ms() - c0;
  if (!graph.ok()) {
    std::fprintf(stderr, "%s\n", graph.status().message().c_str());
    return 1;
  }
  std::string path = (std::filesystem::temp_directory_path() / "pampax_vector_eval.hnsw").string();
  w0 = wall_ms();
  Status st = (*graph)->save(path);
  double save_ms = wall_ms() - w0;
  w0 = wall_ms();
  auto loaded = HnswIndex::load(path, rows, dim);
  double load_ms = wall_ms() - w0;
  std::error_code ec;
  auto bytes = std::filesystem::file_size(path, ec);
  std::filesystem::remove(path, ec);
  if (!st.ok() || !loaded.ok()) {
    std::fprintf(stderr, "graph save/load failed: %s %s\n", st.message().c_str(),
                 loaded.ok() ? "" : loaded.status().message().c_str());
    return 1;
  }
  std::printf("  HNSW M=%d efC=%d: build %.2f s wall, %.2f s CPU on %d threads; save %.0f ms, load+check %.0f ms (wall); file %.1f MiB\n",
              hp.m, hp.ef_construction, build_wall / 1000, build_cpu / 1000, threads, save_ms, load_ms,
              static_cast<double>(bytes) / 1048576.0);
  VectorIndex hn(base_ids, base, dim, VectorScan::kInt8);
  hn.attach_hnsw(std::move(loaded).value());
  for (int ef : efs) {
    VectorSearchOptions o;
    o.hnsw_ef = ef;
    run("HNSW ef=" + std::to_string(ef) + " + rescore", hn, o);
  }

  // Filters: keep ids whose hash falls in a share of the space; the filter itself is a set
  // lookup here (the engine asks SQLite).
  for (double share : {0.5, 0.1, 0.01}) {
    std::unordered_set<int64_t> allowed;
    for (int64_t id : base_ids)
      if (static_cast<double>((static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 40) / 16777216.0 < share)
        allowed.insert(id);
    VectorIndex::KeepFn keep = [&](const std::vector<int64_t>& c) -> Result<std::vector<int64_t>> {
      std::vector<int64_t> out;
      for (int64_t id : c)
        if (allowed.count(id)) out.push_back(id);
      return out;
    };
    char label[64];
    std::snprintf(label, sizeof label, "filter keeping %.0f%%", share * 100);
    std::vector<std::vector<ArmHit>> ftruth(queries);
    Method fe{std::string(label) + ": f32 exact"};
    for (size_t qi = 0; qi < queries; ++qi) {
      VectorSearchOptions o;
      o.scan = VectorScan::kF32;
      auto t = Clock::now();
      ftruth[qi] = f32.search(&qs[qi * dim], k, keep, o).value();
      fe.ms.push_back(ms_since(t));
      fe.recall_sum += 1;
      ++fe.queries;
    }
    print(fe);
    auto frun = [&](const std::string& name, const VectorIndex& vi, VectorSearchOptions o) {
      Method m{std::string(label) + ": " + name};
      for (size_t qi = 0; qi < queries; ++qi) {
        auto t = Clock::now();
        auto hits = vi.search(&qs[qi * dim], k, keep, o).value();
        m.ms.push_back(ms_since(t));
        m.recall_sum += recall10(ftruth[qi], hits);
        ++m.queries;
      }
      print(m);
    };
    frun("int8 + rescore x4", i8, VectorSearchOptions{});
    VectorSearchOptions ho;
    ho.hnsw_ef = 128;
    frun("HNSW ef=128 (scan if short)", hn, ho);
  }
  return 0;
}
