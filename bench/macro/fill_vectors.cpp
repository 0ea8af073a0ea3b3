// Gives every chunk of an existing (lexical) index a vector without running a model, so hybrid
// search latency can be measured on large indexes: the vectors are deterministic pseudo-random
// unit vectors (seeded by the chunk hash), stored through the store API under the id of a real
// gguf model, which is recorded as the index's embedder. Searches then embed the query with
// that model (the real query-side cost) and scan or walk these vectors (the real vector-arm
// cost); only the ranking quality of the vector arm is meaningless.
//   pampax_fill_vectors ROOT MODEL.gguf
// Rewrites the index's embedder settings: use it on a copy or a benchmark tree only. Ends with
// an (empty) embedding pass, which writes the vector file (search/vector_file.h).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "core/engine.h"
#include "embed/config.h"

using namespace pampax;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s ROOT MODEL.gguf\n", argv[0]);
    return 2;
  }
  auto engine = Engine::open(argv[1], Engine::Mode::kWrite);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().message().c_str());
    return 1;
  }
  EmbedConfig cfg;
  cfg.backend = "gguf";
  cfg.model_path = argv[2];
  auto embedder = make_embedder(cfg);
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s\n", embedder.status().message().c_str());
    return 1;
  }
  const std::string model = (*embedder)->info().model_id;
  const int dim = (*embedder)->info().dim;
  IndexStore& store = (*engine)->store();
  Status st = store.begin();
  if (st.ok()) st = store.set_meta("embed_config", cfg.to_json());
  if (st.ok()) st = store.set_meta("embed_model", model + "|" + std::to_string(dim));
  if (st.ok()) st = store.commit();
  int64_t after = 0, written = 0;
  while (st.ok()) {
    auto pending = store.pending_embeddings(model, after, 4096);
    if (!pending.ok()) {
      st = pending.status();
      break;
    }
    if (pending->empty()) break;
    after = pending->back().chunk_id;
    std::vector<uint64_t> hashes;
    std::vector<float> data;
    for (const auto& p : *pending) {
      hashes.push_back(p.hash);
      std::mt19937_64 rng(p.hash);
      std::normal_distribution<float> g;
      size_t at = data.size();
      double norm = 0;
      for (int d = 0; d < dim; ++d) {
        data.push_back(g(rng));
        norm += double(data.back()) * data.back();
      }
      for (int d = 0; d < dim; ++d) data[at + d] = static_cast<float>(data[at + d] / std::sqrt(norm));
    }
    st = store.begin();
    if (st.ok()) st = store.put_embeddings(model, hashes, data.data(), dim);
    if (st.ok()) st = store.commit();
    written += static_cast<int64_t>(hashes.size());
  }
  if (st.ok()) {
    // An embedding pass with nothing left to embed: it writes the vector file (and the HNSW
    // graph when the index is large enough), as after a real pass.
    EmbedOptions eo;
    eo.config = cfg;
    auto rep = (*engine)->embed(eo);
    if (!rep.ok()) st = rep.status();
  }
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  std::printf("%lld vectors of %s (dimension %d) written to %s\n", static_cast<long long>(written),
              model.c_str(), dim, argv[1]);
  return 0;
}
