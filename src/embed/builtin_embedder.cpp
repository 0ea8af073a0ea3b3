#include "embed/builtin_embedder.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "util/ident.h"
#include "util/stem.h"

namespace pampax {

BuiltinEmbedder::BuiltinEmbedder(std::string model_id, int dim, BuiltinWordLookup lookup)
    : lookup_(std::move(lookup)) {
  info_.model_id = std::move(model_id);
  info_.dim = dim;
  info_.max_tokens = 1 << 20;  // no truncation beyond the embed text's own cap
}

Result<std::unique_ptr<BuiltinEmbedder>> BuiltinEmbedder::over_words(std::string model_id, int dim,
                                                                     BuiltinWords words) {
  for (const auto& [term, w] : words)
    if (w.vec.size() != static_cast<size_t>(dim))
      return Corrupt("the builtin word vector of '" + term + "' has " + std::to_string(w.vec.size()) +
                     " values instead of " + std::to_string(dim) + ": re-index with --reembed");
  std::unique_ptr<BuiltinEmbedder> e(new BuiltinEmbedder());
  e->info_.model_id = std::move(model_id);
  e->info_.dim = dim;
  e->info_.max_tokens = 1 << 20;
  e->words_ = std::make_shared<const BuiltinWords>(std::move(words));
  return e;
}

BuiltinEmbedder::BuiltinEmbedder(const BuiltinModel& model) {
  info_.model_id = model.model_id();
  info_.dim = model.dim;
  info_.max_tokens = 1 << 20;
  auto words = std::make_shared<BuiltinWords>();
  for (size_t i = 0; i < model.terms.size(); ++i) {
    BuiltinWord w;
    w.idf = model.idf[i];
    const float* v = &model.vectors[i * static_cast<size_t>(model.dim)];
    w.vec.assign(v, v + model.dim);
    words->emplace(model.terms[i], std::move(w));
  }
  words_ = std::move(words);
}

Result<const BuiltinWord*> BuiltinEmbedder::word(const std::string& term) {
  if (words_) {  // read-only: safe from every worker
    auto it = words_->find(term);
    return it == words_->end() ? &missing_ : &it->second;
  }
  auto it = looked_up_.find(term);
  if (it != looked_up_.end()) return &it->second;
  BuiltinWord w;
  auto found = lookup_(term, &w.idf, &w.vec);
  if (!found.ok()) return found.status();
  if (!*found) w.vec.clear();
  else if (w.vec.size() != static_cast<size_t>(info_.dim))
    return Corrupt("the builtin word vector of '" + term + "' has " + std::to_string(w.vec.size()) +
                   " values instead of " + std::to_string(info_.dim) + ": re-index with --reembed");
  return &looked_up_.emplace(term, std::move(w)).first->second;
}

Result<const BuiltinWord*> BuiltinEmbedder::raw_word(Memo& memo, std::string_view raw) {
  auto it = memo.raw.find(raw);
  if (it != memo.raw.end()) return it->second;
  std::string t(raw);
  auto w = word(stemmable(t) ? porter_stem(t) : t);
  if (!w.ok()) return w.status();
  if (memo.raw.size() > (1u << 18)) memo.raw.clear();  // bound the memory on huge vocabularies
  memo.raw.emplace(std::move(t), *w);
  return *w;
}

Status BuiltinEmbedder::embed_one(Memo& memo, const std::string& text, EmbedRole role, float* out,
                                  std::vector<float>& acc) {
  const size_t d = static_cast<size_t>(info_.dim);
  acc.assign(d, 0.0f);
  Status err;
  auto add = [&](const BuiltinWord* x) {
    if (x->vec.empty()) return;
    const float wt = x->idf;
    const float* v = x->vec.data();
    float* a = acc.data();
    for (size_t k = 0; k < d; ++k) a[k] += wt * v[k];
  };
  if (role == EmbedRole::kQuery) {
    builtin_terms(text, true, [&](const std::string& t) {
      if (!err.ok()) return;
      auto w = word(t);
      if (!w.ok()) err = w.status();
      else add(*w);
    });
  } else {
    // The same terms as builtin_terms(text, false): the filter below is its own.
    for_each_term(text, [&](std::string_view term, bool, int, int) {
      if (!err.ok() || term.size() < 2 || term.size() > 40) return;
      if (std::all_of(term.begin(), term.end(), [](char c) { return c >= '0' && c <= '9'; })) return;
      auto w = raw_word(memo, term);
      if (!w.ok()) err = w.status();
      else add(*w);
    });
  }
  if (!err.ok()) return err;
  double norm = 0;
  for (float a : acc) norm += static_cast<double>(a) * a;
  if (norm <= 0) return Status::Ok();
  const double inv = 1.0 / std::sqrt(norm);
  for (size_t k = 0; k < d; ++k) out[k] = static_cast<float>(acc[k] * inv);
  return Status::Ok();
}

Result<std::vector<float>> BuiltinEmbedder::embed(const std::vector<std::string>& texts, EmbedRole role) {
  const size_t d = static_cast<size_t>(info_.dim);
  std::vector<float> out(texts.size() * d, 0.0f);
  // Workers only over words in memory (the lookup is not thread-safe), for documents, and when
  // there is enough work to pay for starting a thread (~50 us against ~20 us a chunk).
  constexpr size_t kMinTextsPerThread = 32;
  size_t threads = threads_ > 0 ? static_cast<size_t>(threads_)
                                : std::max<size_t>(1, std::thread::hardware_concurrency());
  if (!words_ || role != EmbedRole::kDocument) threads = 1;
  threads = std::clamp<size_t>(texts.size() / kMinTextsPerThread, 1, threads);
  while (memos_.size() < threads) memos_.push_back(std::make_unique<Memo>());
  if (threads == 1) {
    std::vector<float> acc;
    for (size_t i = 0; i < texts.size(); ++i)
      PAMPAX_RETURN_IF_ERROR(embed_one(*memos_[0], texts[i], role, &out[i * d], acc));
    return out;
  }
  // Texts are taken in small blocks from a shared counter (chunk sizes vary a lot); which
  // worker sums a text does not change its vector.
  constexpr size_t kBlock = 8;
  std::atomic<size_t> next{0};
  std::vector<Status> errors(threads);
  auto work = [&](size_t t) {
    std::vector<float> acc;
    for (;;) {
      const size_t from = next.fetch_add(kBlock, std::memory_order_relaxed);
      if (from >= texts.size()) return;
      const size_t to = std::min(texts.size(), from + kBlock);
      for (size_t i = from; i < to; ++i) {
        Status st = embed_one(*memos_[t], texts[i], role, &out[i * d], acc);
        if (!st.ok()) {
          errors[t] = st;
          next.store(texts.size(), std::memory_order_relaxed);
          return;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& th : pool) th.join();
  for (const Status& st : errors) PAMPAX_RETURN_IF_ERROR(st);
  return out;
}

}  // namespace pampax
