#include "embed/builtin_embedder.h"

#include <algorithm>
#include <cmath>

#include "util/ident.h"
#include "util/stem.h"

namespace pampax {

BuiltinEmbedder::BuiltinEmbedder(std::string model_id, int dim, BuiltinWordLookup lookup)
    : lookup_(std::move(lookup)) {
  info_.model_id = std::move(model_id);
  info_.dim = dim;
  info_.max_tokens = 1 << 20;  // no truncation beyond the embed text's own cap
}

BuiltinEmbedder::BuiltinEmbedder(const BuiltinModel& model) {
  info_.model_id = model.model_id();
  info_.dim = model.dim;
  info_.max_tokens = 1 << 20;
  for (size_t i = 0; i < model.terms.size(); ++i) {
    Word w;
    w.idf = model.idf[i];
    const float* v = &model.vectors[i * static_cast<size_t>(model.dim)];
    w.vec.assign(v, v + model.dim);
    cache_.emplace(model.terms[i], std::move(w));
  }
  lookup_ = [](const std::string&, float*, std::vector<float>*) -> Result<bool> { return false; };
}

Result<const BuiltinEmbedder::Word*> BuiltinEmbedder::word(const std::string& term) {
  auto it = cache_.find(term);
  if (it != cache_.end()) return &it->second;
  Word w;
  auto found = lookup_(term, &w.idf, &w.vec);
  if (!found.ok()) return found.status();
  if (!*found) w.vec.clear();
  else if (w.vec.size() != static_cast<size_t>(info_.dim))
    return Corrupt("the builtin word vector of '" + term + "' has " + std::to_string(w.vec.size()) +
                   " values instead of " + std::to_string(info_.dim) + ": re-index with --reembed");
  return &cache_.emplace(term, std::move(w)).first->second;
}

Result<const BuiltinEmbedder::Word*> BuiltinEmbedder::raw_word(std::string_view raw) {
  auto it = raw_.find(raw);
  if (it != raw_.end()) return it->second;
  std::string t(raw);
  auto w = word(stemmable(t) ? porter_stem(t) : t);
  if (!w.ok()) return w.status();
  if (raw_.size() > (1u << 18)) raw_.clear();  // bound the memory on huge vocabularies
  raw_.emplace(std::move(t), *w);
  return *w;
}

Result<std::vector<float>> BuiltinEmbedder::embed(const std::vector<std::string>& texts, EmbedRole role) {
  const size_t d = static_cast<size_t>(info_.dim);
  std::vector<float> out(texts.size() * d, 0.0f);
  std::vector<float> acc(d);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::fill(acc.begin(), acc.end(), 0.0f);
    Status err;
    auto add = [&](const Word* x) {
      if (x->vec.empty()) return;
      const float wt = x->idf;
      const float* v = x->vec.data();
      float* a = acc.data();
      for (size_t k = 0; k < d; ++k) a[k] += wt * v[k];
    };
    if (role == EmbedRole::kQuery) {
      builtin_terms(texts[i], true, [&](const std::string& t) {
        if (!err.ok()) return;
        auto w = word(t);
        if (!w.ok()) err = w.status();
        else add(*w);
      });
    } else {
      // The same terms as builtin_terms(text, false): the filter below is its own.
      for_each_term(texts[i], [&](std::string_view term, bool, int, int) {
        if (!err.ok() || term.size() < 2 || term.size() > 40) return;
        if (std::all_of(term.begin(), term.end(), [](char c) { return c >= '0' && c <= '9'; })) return;
        auto w = raw_word(term);
        if (!w.ok()) err = w.status();
        else add(*w);
      });
    }
    if (!err.ok()) return err;
    double norm = 0;
    for (float a : acc) norm += static_cast<double>(a) * a;
    if (norm <= 0) continue;
    const double inv = 1.0 / std::sqrt(norm);
    for (size_t k = 0; k < d; ++k) out[i * d + k] = static_cast<float>(acc[k] * inv);
  }
  return out;
}

}  // namespace pampax
