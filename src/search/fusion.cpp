#include "search/fusion.h"

#include <algorithm>
#include <unordered_map>

namespace pampax {

std::vector<Candidate> fuse(const std::vector<ArmHit>& lexical, const std::vector<ArmHit>& vec,
                            const FusionOptions& o, const std::function<bool(int64_t, int64_t)>& before) {
  std::vector<Candidate> out;
  std::unordered_map<int64_t, size_t> at;
  auto slot = [&](int64_t id) -> Candidate& {
    auto [it, fresh] = at.emplace(id, out.size());
    if (fresh) out.push_back(Candidate{id});
    return out[it->second];
  };
  for (size_t i = 0; i < lexical.size(); ++i)
    slot(lexical[i].chunk_id).lexical = {static_cast<int>(i + 1), lexical[i].score};
  for (size_t i = 0; i < vec.size(); ++i)
    slot(vec[i].chunk_id).vector = {static_cast<int>(i + 1), vec[i].score};

  if (lexical.empty() || vec.empty()) {
    // One arm: its own scores, so later multiplicative boosts act on a meaningful scale.
    for (Candidate& c : out) c.fused = lexical.empty() ? c.vector.score : c.lexical.score;
  } else if (o.method == FusionOptions::Method::kRrf) {
    for (Candidate& c : out) {
      if (c.lexical.rank) c.fused += o.lexical_weight / (o.rrf_k + c.lexical.rank);
      if (c.vector.rank) c.fused += o.vector_weight / (o.rrf_k + c.vector.rank);
    }
  } else if (o.method == FusionOptions::Method::kMinMax) {
    auto range = [](const std::vector<ArmHit>& arm) {
      double lo = arm.front().score, hi = arm.front().score;
      for (const ArmHit& h : arm) {
        lo = std::min(lo, h.score);
        hi = std::max(hi, h.score);
      }
      return std::make_pair(lo, hi > lo ? hi - lo : 1.0);
    };
    auto [llo, lspan] = range(lexical);
    auto [vlo, vspan] = range(vec);
    for (Candidate& c : out) {
      if (c.lexical.rank) c.fused += o.lexical_weight * (c.lexical.score - llo) / lspan;
      if (c.vector.rank) c.fused += o.vector_weight * (c.vector.score - vlo) / vspan;
    }
  } else {
    double lmax = 0, vmax = 0;
    for (const ArmHit& h : lexical) lmax = std::max(lmax, h.score);
    for (const ArmHit& h : vec) vmax = std::max(vmax, h.score);
    for (Candidate& c : out) {
      if (c.lexical.rank && lmax > 0) c.fused += o.lexical_weight * c.lexical.score / lmax;
      if (c.vector.rank && vmax > 0) c.fused += o.vector_weight * std::max(0.0, c.vector.score) / vmax;
    }
  }
  std::sort(out.begin(), out.end(), [&](const Candidate& a, const Candidate& b) {
    if (a.fused != b.fused) return a.fused > b.fused;
    if (before) {
      if (before(a.chunk_id, b.chunk_id)) return true;
      if (before(b.chunk_id, a.chunk_id)) return false;
    }
    return a.chunk_id < b.chunk_id;
  });
  return out;
}

}  // namespace pampax
