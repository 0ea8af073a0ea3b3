#include "embed/builtin_prior.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "util/hash.h"

namespace pampax {
namespace {

constexpr std::string_view kMagic = "PAMPAXPRIOR1\n";

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool get(std::string_view& in, T* v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

void rehash_builtin_model(BuiltinModel& m) {
  std::string blob;
  for (const std::string& t : m.terms) {
    blob += t;
    blob += '\0';
  }
  blob.append(reinterpret_cast<const char*>(m.idf.data()), m.idf.size() * sizeof(float));
  blob.append(reinterpret_cast<const char*>(m.vectors.data()), m.vectors.size() * sizeof(float));
  m.hash = hash64(blob);
}

std::string serialize_builtin_prior(const BuiltinModel& m) {
  std::string out(kMagic);
  put<uint32_t>(out, static_cast<uint32_t>(m.dim));
  put<uint32_t>(out, static_cast<uint32_t>(m.terms.size()));
  const size_t d = static_cast<size_t>(m.dim);
  for (size_t i = 0; i < m.terms.size(); ++i) {
    const std::string& t = m.terms[i];
    put<uint16_t>(out, static_cast<uint16_t>(std::min<size_t>(t.size(), 0xffff)));
    out.append(t.data(), std::min<size_t>(t.size(), 0xffff));
    put<float>(out, m.idf[i]);
    const float* row = &m.vectors[i * d];
    float mx = 0;
    for (size_t c = 0; c < d; ++c) mx = std::max(mx, std::fabs(row[c]));
    const float scale = mx > 0 ? mx / 127.0f : 0.0f;
    put<float>(out, scale);
    for (size_t c = 0; c < d; ++c) {
      const long q = scale > 0 ? std::lround(row[c] / scale) : 0;
      put<int8_t>(out, static_cast<int8_t>(std::clamp<long>(q, -127, 127)));
    }
  }
  return out;
}

Result<BuiltinModel> parse_builtin_prior(std::string_view in) {
  const auto bad = [](const char* what) {
    return Corrupt(std::string("the builtin prior is damaged (") + what + "): rebuild pampax");
  };
  if (in.substr(0, kMagic.size()) != kMagic) return bad("no header");
  in.remove_prefix(kMagic.size());
  uint32_t dim = 0, n = 0;
  if (!get(in, &dim) || !get(in, &n)) return bad("truncated header");
  if (dim == 0 || dim > 4096) return bad("dimension");
  if (static_cast<uint64_t>(n) * (dim + 10) > in.size() + 1) return bad("term count");
  BuiltinModel m;
  m.dim = static_cast<int>(dim);
  m.terms.reserve(n);
  m.idf.reserve(n);
  m.vectors.resize(static_cast<size_t>(n) * dim);
  for (uint32_t i = 0; i < n; ++i) {
    uint16_t len = 0;
    float idf = 0, scale = 0;
    if (!get(in, &len) || in.size() < len) return bad("truncated term");
    std::string term(in.substr(0, len));
    in.remove_prefix(len);
    if (!get(in, &idf) || !get(in, &scale) || in.size() < dim) return bad("truncated row");
    if (!m.terms.empty() && !(m.terms.back() < term)) return bad("terms out of order");
    float* row = &m.vectors[static_cast<size_t>(i) * dim];
    double norm = 0;
    for (uint32_t c = 0; c < dim; ++c) {
      row[c] = static_cast<float>(static_cast<int8_t>(in[c])) * scale;
      norm += static_cast<double>(row[c]) * row[c];
    }
    in.remove_prefix(dim);
    if (norm > 0) {
      const float inv = static_cast<float>(1.0 / std::sqrt(norm));
      for (uint32_t c = 0; c < dim; ++c) row[c] *= inv;
    }
    m.terms.push_back(std::move(term));
    m.idf.push_back(idf);
  }
  if (!in.empty()) return bad("trailing bytes");
  rehash_builtin_model(m);
  return m;
}

BuiltinModel combine_builtin_models(const BuiltinModel& repo, const BuiltinModel& prior, float prior_weight) {
  BuiltinModel out;
  out.dim = repo.dim + prior.dim;
  const size_t rd = static_cast<size_t>(repo.dim), pd = static_cast<size_t>(prior.dim);
  const size_t d = rd + pd;
  out.terms.reserve(repo.terms.size() + prior.terms.size());
  size_t i = 0, j = 0;
  while (i < repo.terms.size() || j < prior.terms.size()) {
    const bool take_r = i < repo.terms.size() && (j == prior.terms.size() || repo.terms[i] <= prior.terms[j]);
    const bool take_p = j < prior.terms.size() && (i == repo.terms.size() || prior.terms[j] <= repo.terms[i]);
    out.terms.push_back(take_r ? repo.terms[i] : prior.terms[j]);
    out.idf.push_back(take_r ? repo.idf[i] : prior.idf[j]);
    out.vectors.resize(out.vectors.size() + d, 0.0f);
    float* row = &out.vectors[out.vectors.size() - d];
    if (take_r) std::copy_n(&repo.vectors[i * rd], rd, row);
    if (take_p)
      for (size_t c = 0; c < pd; ++c) row[rd + c] = prior.vectors[j * pd + c] * prior_weight;
    if (take_r) ++i;
    if (take_p) ++j;
  }
  rehash_builtin_model(out);
  out.hash ^= hash64(std::string_view(reinterpret_cast<const char*>(&prior_weight), sizeof prior_weight));
  return out;
}

}  // namespace pampax

// PROTOTYPE: the prior from $PAMPAX_BUILTIN_PRIOR (to be compiled in).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
namespace pampax {
const BuiltinModel& embedded_builtin_prior() {
  static const BuiltinModel m = [] {
    const char* p = std::getenv("PAMPAX_BUILTIN_PRIOR");
    if (!p || !*p) return BuiltinModel{};
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    auto r = parse_builtin_prior(ss.str());
    if (!r.ok()) {
      std::fprintf(stderr, "prior: %s\n", r.status().message().c_str());
      return BuiltinModel{};
    }
    return std::move(r).value();
  }();
  return m;
}
}  // namespace pampax
