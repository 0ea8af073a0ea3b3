#include "search/expansion.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "util/ident.h"

namespace pampax {
namespace {

// Distinct query-form terms of a text (what a query term for it would look like).
std::vector<std::string> forms(std::string_view text, bool plain_words_only) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for_each_term(text, [&](std::string_view term, bool colocated, int s, int e) {
    std::string_view original = text.substr(static_cast<size_t>(s), static_cast<size_t>(e - s));
    bool multi = !colocated && !split_identifier(original).empty();
    if (plain_words_only) {
      if (multi) return;  // its parts come as colocated terms
      if (is_stop_word(term)) return;
    }
    if (term.size() < 2 || term.size() > 40) return;
    std::string f = query_form(term, colocated, multi);
    if (seen.insert(f).second) out.push_back(std::move(f));
  });
  return out;
}

}  // namespace

TranslationTable train_expansions(const std::vector<TrainingPair>& pairs,
                                  const ExpansionTrainOptions& o) {
  // Vocabularies: description words (source) and code terms (target).
  std::unordered_map<std::string, uint32_t> src_id, tgt_id;
  std::vector<std::string> src_words, tgt_words;
  std::vector<std::vector<uint32_t>> S, T;
  std::vector<uint32_t> src_df, tgt_df;
  auto intern = [](std::unordered_map<std::string, uint32_t>& ids, std::vector<std::string>& words,
                   std::vector<uint32_t>& df, const std::string& w) {
    auto [it, fresh] = ids.emplace(w, static_cast<uint32_t>(words.size()));
    if (fresh) {
      words.push_back(w);
      df.push_back(0);
    }
    ++df[it->second];
    return it->second;
  };
  for (const TrainingPair& p : pairs) {
    std::vector<uint32_t> s, t;
    for (const std::string& w : forms(p.description, true)) s.push_back(intern(src_id, src_words, src_df, w));
    if (s.empty()) continue;
    for (const std::string& w : forms(p.code, false)) t.push_back(intern(tgt_id, tgt_words, tgt_df, w));
    if (t.empty()) continue;
    S.push_back(std::move(s));
    T.push_back(std::move(t));
  }
  const uint32_t kNull = static_cast<uint32_t>(src_words.size());  // the NULL word
  // Drop rare source words; keep the rarest code terms of big chunks.
  for (size_t i = 0; i < S.size(); ++i) {
    auto& s = S[i];
    s.erase(std::remove_if(s.begin(), s.end(),
                           [&](uint32_t w) { return src_df[w] < static_cast<uint32_t>(o.min_source_df); }),
            s.end());
    s.push_back(kNull);
    auto& t = T[i];
    const double cap = o.max_target_df * static_cast<double>(S.size());
    t.erase(std::remove_if(t.begin(), t.end(),
                           [&](uint32_t x) {
                             return (S.size() >= 100 && tgt_df[x] > cap) || is_stop_word(tgt_words[x]);
                           }),
            t.end());
    if (t.size() > o.max_targets) {
      std::stable_sort(t.begin(), t.end(), [&](uint32_t a, uint32_t b) { return tgt_df[a] < tgt_df[b]; });
      t.resize(o.max_targets);
    }
  }
  // Links (source, target) that co-occur, as sorted keys; each pair's links as indices.
  std::vector<uint64_t> keys;
  for (size_t i = 0; i < S.size(); ++i)
    for (uint32_t w : S[i])
      for (uint32_t t : T[i]) keys.push_back(static_cast<uint64_t>(w) << 32 | t);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto link = [&](uint32_t w, uint32_t t) {
    return static_cast<uint32_t>(std::lower_bound(keys.begin(), keys.end(), static_cast<uint64_t>(w) << 32 | t) -
                                 keys.begin());
  };
  std::vector<std::vector<uint32_t>> L(S.size());  // per pair: |T| x |S| link ids, row-major
  for (size_t i = 0; i < S.size(); ++i) {
    L[i].reserve(S[i].size() * T[i].size());
    for (uint32_t t : T[i])
      for (uint32_t w : S[i]) L[i].push_back(link(w, t));
  }
  // EM. P(t|w) starts uniform over the terms each word co-occurs with.
  std::vector<float> prob(keys.size()), count(keys.size());
  {
    std::vector<uint32_t> fan(kNull + 1, 0);
    for (uint64_t k : keys) ++fan[k >> 32];
    for (size_t j = 0; j < keys.size(); ++j) prob[j] = 1.0f / static_cast<float>(fan[keys[j] >> 32]);
  }
  std::vector<double> total(kNull + 1);
  for (int it = 0; it < o.iterations; ++it) {
    std::fill(count.begin(), count.end(), 0.0f);
    for (size_t i = 0; i < S.size(); ++i) {
      const size_t ns = S[i].size();
      const uint32_t* l = L[i].data();
      for (size_t ti = 0; ti < T[i].size(); ++ti, l += ns) {
        double z = 0;
        for (size_t k = 0; k < ns; ++k) z += prob[l[k]];
        if (z <= 0) continue;
        for (size_t k = 0; k < ns; ++k) count[l[k]] += static_cast<float>(prob[l[k]] / z);
      }
    }
    std::fill(total.begin(), total.end(), 0.0);
    for (size_t j = 0; j < keys.size(); ++j) total[keys[j] >> 32] += count[j];
    for (size_t j = 0; j < keys.size(); ++j) {
      double tot = total[keys[j] >> 32];
      prob[j] = tot > 0 ? static_cast<float>(count[j] / tot) : 0.0f;
    }
  }
  TranslationTable out;
  for (size_t j = 0; j < keys.size(); ++j) {
    uint32_t w = static_cast<uint32_t>(keys[j] >> 32), t = static_cast<uint32_t>(keys[j]);
    if (w == kNull || prob[j] < o.min_prob) continue;
    if (src_df[w] < static_cast<uint32_t>(o.min_source_df)) continue;
    out[src_words[w]].emplace_back(tgt_words[t], prob[j]);
  }
  for (auto& [w, list] : out) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (list.size() > static_cast<size_t>(o.max_per_word)) list.resize(static_cast<size_t>(o.max_per_word));
  }
  return out;
}

std::string pack_translations(const std::vector<std::pair<std::string, float>>& t) {
  std::string out;
  char buf[32];
  for (const auto& [term, p] : t) {
    if (!out.empty()) out += ' ';
    std::snprintf(buf, sizeof buf, " %.4g", static_cast<double>(p));
    out += term;
    out += buf;
  }
  return out;
}

std::vector<std::pair<std::string, float>> unpack_translations(const std::string& s) {
  std::vector<std::pair<std::string, float>> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t sp = s.find(' ', i);
    if (sp == std::string::npos) break;
    std::string term = s.substr(i, sp - i);
    size_t end = s.find(' ', sp + 1);
    if (end == std::string::npos) end = s.size();
    float p = std::strtof(s.c_str() + sp + 1, nullptr);
    out.emplace_back(std::move(term), p);
    i = end + 1;
  }
  return out;
}

}  // namespace pampax
