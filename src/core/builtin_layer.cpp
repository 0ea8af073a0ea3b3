#include "core/builtin_layer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "embed/builtin_embedder.h"
#include "embed/embed_text.h"
#include "util/trace.h"

namespace pampax {

Status train_builtin_if_needed(IndexStore& store, bool force, bool* trained, const BuiltinTrainOptions& o) {
  *trained = false;
  std::vector<int64_t> ids;
  {
    Stmt q = store.db().must_prepare("SELECT id FROM chunks ORDER BY id");
    while (q.step()) ids.push_back(q.col_int(0));
    if (!q.last_status().ok()) return q.last_status();
  }
  const int64_t chunks = static_cast<int64_t>(ids.size());
  auto model = store.meta("builtin_model");
  if (model && !force) {
    int64_t at = std::atoll(store.meta("builtin_trained_chunks").value_or("0").c_str());
    if (4 * std::llabs(chunks - at) <= at) return Status::Ok();
  }
  // An even sample by id: deterministic for a given index.
  const size_t want = static_cast<size_t>(std::max(1, o.sample_chunks));
  if (ids.size() > want) {
    std::vector<int64_t> sample;
    sample.reserve(want);
    for (size_t i = 0; i < want; ++i) sample.push_back(ids[i * ids.size() / want]);
    ids.swap(sample);
  }
  std::vector<std::string> texts;
  texts.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); i += 512) {
    std::vector<int64_t> part(ids.begin() + static_cast<std::ptrdiff_t>(i),
                              ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + 512)));
    auto rows = store.get_chunks(part);
    if (!rows.ok()) return rows.status();
    for (const ChunkRow& r : *rows) texts.push_back(embed_text(r.qualified_name, r.header, r.text));
  }
  trace_point("builtin training: sample read");
  BuiltinModel m = train_builtin_model(texts, o);
  trace_point("builtin training: model trained");
  PAMPAX_RETURN_IF_ERROR(store.begin());
  Status st = store.db().exec("DELETE FROM builtin_words");
  if (st.ok()) {
    Stmt ins = store.db().must_prepare("INSERT INTO builtin_words(term, idf, vec) VALUES (?1, ?2, ?3)");
    for (size_t i = 0; i < m.terms.size() && st.ok(); ++i) {
      ins.reset();
      ins.bind(1, m.terms[i]);
      ins.bind(2, static_cast<double>(m.idf[i]));
      ins.bind_blob(3, std::string_view(reinterpret_cast<const char*>(&m.vectors[i * static_cast<size_t>(m.dim)]),
                                        static_cast<size_t>(m.dim) * sizeof(float)));
      st = ins.run();
    }
  }
  if (st.ok()) st = store.set_meta("builtin_model", m.model_id());
  if (st.ok()) st = store.set_meta("builtin_trained_chunks", std::to_string(chunks));
  if (!st.ok()) {
    store.rollback();
    return st;
  }
  PAMPAX_RETURN_IF_ERROR(store.commit());
  trace_point("builtin training: words written");
  *trained = true;
  return Status::Ok();
}

Result<std::unique_ptr<Embedder>> open_builtin_embedder(IndexStore& store, bool preload, int threads) {
  auto id = store.meta("builtin_model");
  if (!id) return NotFound("the builtin embedder has not been trained on this index yet: run `pampax index`");
  // "builtin:ppmi-svd-d<dim>:<hash>"
  int dim = 0;
  size_t d = id->find("-d");
  if (d != std::string::npos) dim = std::atoi(id->c_str() + d + 2);
  if (dim <= 0) return Corrupt("the index's builtin model record is damaged: re-index with --reembed");
  IndexStore* s = &store;
  if (preload) {
    BuiltinWords words;
    Stmt q = store.db().must_prepare("SELECT term, idf, vec FROM builtin_words");
    while (q.step()) {
      std::string_view b = q.col_blob(2);
      BuiltinWord w;
      w.idf = static_cast<float>(q.col_double(1));
      w.vec.resize(b.size() / sizeof(float));
      if (!b.empty()) std::memcpy(w.vec.data(), b.data(), w.vec.size() * sizeof(float));
      words.emplace(std::string(q.col_text(0)), std::move(w));
    }
    if (!q.last_status().ok()) return q.last_status();
    auto e = BuiltinEmbedder::over_words(*id, dim, std::move(words));
    if (!e.ok()) return e.status();
    (*e)->set_threads(threads);
    return std::unique_ptr<Embedder>(std::move(e).value());
  }
  BuiltinWordLookup lookup = [s](const std::string& term, float* idf, std::vector<float>* vec) -> Result<bool> {
    Stmt q = s->db().must_prepare("SELECT idf, vec FROM builtin_words WHERE term = ?1");
    q.bind(1, term);
    if (!q.step()) {
      if (!q.last_status().ok()) return q.last_status();
      return false;
    }
    *idf = static_cast<float>(q.col_double(0));
    std::string_view b = q.col_blob(1);
    vec->resize(b.size() / sizeof(float));
    if (!b.empty()) std::memcpy(vec->data(), b.data(), vec->size() * sizeof(float));
    return true;
  };
  return std::unique_ptr<Embedder>(new BuiltinEmbedder(*id, dim, std::move(lookup)));
}

}  // namespace pampax
