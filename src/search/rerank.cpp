#include "search/rerank.h"

#include <algorithm>
#include <unordered_map>

#include "embed/embed_text.h"
#include "util/text.h"

namespace pampax {

std::string rerank_text(const ChunkRow& c) {
  std::string out = c.path;
  out += '\n';
  out += embed_text(c.qualified_name, c.header, c.text);
  if (out.size() > kEmbedTextCap) out.resize(utf8_floor(out, static_cast<uint32_t>(kEmbedTextCap)));
  return out;
}

Status rerank_hits(std::vector<SearchHit>& hits, const std::string& query, int top,
                   IndexStore& store, const RerankFn& rerank) {
  const size_t n = std::min(hits.size(), static_cast<size_t>(std::max(0, top)));
  if (n == 0 || !rerank) return Status::Ok();
  std::vector<int64_t> ids;
  ids.reserve(n);
  for (size_t i = 0; i < n; ++i) ids.push_back(hits[i].chunk_id);
  auto rows = store.get_chunks(ids);
  if (!rows.ok()) return rows.status();
  std::unordered_map<int64_t, const ChunkRow*> by_id;
  for (const ChunkRow& r : *rows) by_id[r.id] = &r;

  std::vector<size_t> scored;  // positions in hits[0, n) whose chunk still exists
  std::vector<std::string> docs;
  for (size_t i = 0; i < n; ++i) {
    auto it = by_id.find(hits[i].chunk_id);
    if (it == by_id.end()) continue;
    scored.push_back(i);
    docs.push_back(rerank_text(*it->second));
  }
  auto scores = rerank(query, docs);
  if (!scores.ok()) return scores.status();
  if (scores->size() != docs.size())
    return Internal("the reranker returned " + std::to_string(scores->size()) + " scores for " +
                    std::to_string(docs.size()) + " documents");

  std::vector<SearchHit> head, missing;
  head.reserve(scored.size());
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (k < scored.size() && scored[k] == i) {
      SearchHit h = std::move(hits[i]);
      h.evidence.rerank.rank = static_cast<int>(i) + 1;
      h.evidence.rerank.score = (*scores)[k];
      h.score = (*scores)[k];
      head.push_back(std::move(h));
      ++k;
    } else {
      missing.push_back(std::move(hits[i]));
    }
  }
  std::stable_sort(head.begin(), head.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.evidence.rerank.score > b.evidence.rerank.score;
  });
  std::vector<SearchHit> out;
  out.reserve(hits.size());
  for (auto& h : head) out.push_back(std::move(h));
  for (auto& h : missing) out.push_back(std::move(h));
  for (size_t i = n; i < hits.size(); ++i) out.push_back(std::move(hits[i]));
  hits = std::move(out);
  return Status::Ok();
}

}  // namespace pampax
