#include "search/hnsw_index.h"

// hnswlib.h defines non-inline functions: it must be included by this file only.
// NO_MANUAL_VECTORIZATION: hnswlib 0.6.2's SSE path prefetches from one element past the end
// of a link list (a heap over-read ASan reports); we bring our own SIMD metric anyway.
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "search/vector_index.h"

namespace pampax {

// Distance for hnswlib: 1 - dot, with our run-time dispatched SIMD dot (hnswlib's own kernels
// are chosen at compile time, and our build targets baseline x86-64).
class DotSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit DotSpace(size_t dim) : dim_(dim) {}
  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &distance; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  static float distance(const void* a, const void* b, const void* param) {
    int n = static_cast<int>(*static_cast<const size_t*>(param));
    return 1.0f - dot(static_cast<const float*>(a), static_cast<const float*>(b), n);
  }
  size_t dim_;
};

HnswIndex::HnswIndex(int dim) : dim_(dim), space_dim_(static_cast<size_t>(dim)) {
  space_ = std::make_unique<DotSpace>(space_dim_);
}

HnswIndex::~HnswIndex() = default;

size_t HnswIndex::size() const { return graph_ ? graph_->cur_element_count : 0; }

Result<std::unique_ptr<HnswIndex>> HnswIndex::build(const float* matrix, size_t n, int dim,
                                                    const HnswParams& p, int threads) {
  if (n == 0 || dim <= 0) return InvalidArgument("an HNSW graph needs at least one vector");
  if (n > 0xFFFFFFFFull) return InvalidArgument("too many vectors for one HNSW graph");
  std::unique_ptr<HnswIndex> h(new HnswIndex(dim));
  try {
    h->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        h->space_.get(), n, static_cast<size_t>(p.m), static_cast<size_t>(p.ef_construction),
        static_cast<size_t>(p.seed));
    const size_t d = static_cast<size_t>(dim);
    // The first point alone, so the workers start from an entry point (as hnswlib does).
    h->graph_->addPoint(matrix, 0);
    std::atomic<size_t> next{1};
    std::atomic<bool> failed{false};
    std::string error;
    std::mutex error_mu;
    auto work = [&] {
      try {
        for (size_t i = next++; i < n && !failed; i = next++) h->graph_->addPoint(matrix + i * d, i);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_mu);
        failed = true;
        error = e.what();
      }
    };
    int t = std::max(1, threads);
    if (t == 1) {
      work();
    } else {
      std::vector<std::thread> pool;
      for (int i = 0; i < t; ++i) pool.emplace_back(work);
      for (auto& th : pool) th.join();
    }
    if (failed) return Internal("building the HNSW graph failed: " + error);
  } catch (const std::exception& e) {
    return Internal(std::string("building the HNSW graph failed: ") + e.what());
  }
  return h;
}

Status HnswIndex::save(const std::string& path) const {
  std::string tmp = path + ".tmp";
  try {
    graph_->saveIndex(tmp);
  } catch (const std::exception& e) {
    return IoError("cannot write " + tmp + ": " + e.what());
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(tmp, ec);
  if (ec || size == 0) {
    std::filesystem::remove(tmp, ec);
    return IoError("cannot write " + tmp + " (disk full or not writable?)");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return IoError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
  return Status::Ok();
}

namespace {

// The header hnswlib 0.6.2 writes (saveIndex), checked before hnswlib reads the file: its own
// loader trusts these sizes.
struct FileHeader {
  size_t offset_level0, max_elements, count, size_per_element, label_offset, offset_data;
  int max_level, entry_point;
  size_t max_m, max_m0, m;
  double mult;
  size_t ef_construction;
};

template <typename T>
bool read_pod(std::ifstream& in, T* v) {
  in.read(reinterpret_cast<char*>(v), sizeof(T));
  return static_cast<bool>(in);
}

}  // namespace

Result<std::unique_ptr<HnswIndex>> HnswIndex::load(const std::string& path, size_t n, int dim) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("no HNSW graph at " + path);
  FileHeader h{};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return IoError("cannot open " + path);
    bool ok = read_pod(in, &h.offset_level0) && read_pod(in, &h.max_elements) &&
              read_pod(in, &h.count) && read_pod(in, &h.size_per_element) &&
              read_pod(in, &h.label_offset) && read_pod(in, &h.offset_data) &&
              read_pod(in, &h.max_level) && read_pod(in, &h.entry_point) && read_pod(in, &h.max_m) &&
              read_pod(in, &h.max_m0) && read_pod(in, &h.m) && read_pod(in, &h.mult) &&
              read_pod(in, &h.ef_construction);
    if (!ok) return Corrupt("HNSW graph " + path + " is truncated");
  }
  const size_t d = static_cast<size_t>(dim);
  const size_t links0 = h.max_m0 * sizeof(uint32_t) + sizeof(uint32_t);
  if (h.count != n || h.offset_level0 != 0 || h.max_m == 0 || h.max_m > 10000 ||
      h.max_m0 != 2 * h.max_m || h.offset_data != links0 || h.label_offset != links0 + d * sizeof(float) ||
      h.size_per_element != links0 + d * sizeof(float) + sizeof(hnswlib::labeltype) ||
      h.entry_point < 0 || static_cast<size_t>(h.entry_point) >= n || h.max_level < 0 || h.max_level > 64)
    return Corrupt("HNSW graph " + path + " does not match the index's " + std::to_string(n) +
                   " vectors of dimension " + std::to_string(dim));
  std::unique_ptr<HnswIndex> out(new HnswIndex(dim));
  try {
    out->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(out->space_.get(), path, false, n);
  } catch (const std::exception& e) {
    return Corrupt("HNSW graph " + path + " is unreadable: " + e.what());
  }
  // Every link and label must name a row: a damaged file must not send the walk out of bounds.
  auto& g = *out->graph_;
  for (size_t i = 0; i < n; ++i) {
    if (g.getExternalLabel(static_cast<uint32_t>(i)) >= n)
      return Corrupt("HNSW graph " + path + " has a bad label");
    for (int level = 0; level <= g.element_levels_[i]; ++level) {
      if (level > h.max_level) return Corrupt("HNSW graph " + path + " has a bad level");
      uint32_t* list = level == 0 ? g.get_linklist0(static_cast<uint32_t>(i))
                                  : g.get_linklist(static_cast<uint32_t>(i), level);
      size_t cnt = g.getListCount(list);
      if (cnt > (level == 0 ? h.max_m0 : h.max_m)) return Corrupt("HNSW graph " + path + " has a bad list");
      for (size_t j = 0; j < cnt; ++j)
        if (list[1 + j] >= n) return Corrupt("HNSW graph " + path + " has a bad link");
    }
  }
  return out;
}

std::vector<std::pair<float, uint32_t>> HnswIndex::search(const float* q, size_t k, size_t ef) const {
  std::vector<std::pair<float, uint32_t>> out;
  if (!graph_ || k == 0) return out;
  auto pq = graph_->searchKnn(q, std::max(k, ef));
  out.resize(pq.size());
  for (size_t i = pq.size(); i-- > 0;) {
    out[i] = {1.0f - pq.top().first, static_cast<uint32_t>(pq.top().second)};
    pq.pop();
  }
  return out;
}

}  // namespace pampax
