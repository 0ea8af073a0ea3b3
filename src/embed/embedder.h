// Embedder: turns texts into dense vectors. One interface for every backend (builtin, gguf via
// llama.cpp, http). Implementations are batched internally; callers pass as many texts as
// they like and get one vector per text back, in order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace pampax {

// Some models embed queries and documents differently (instruction prefixes, asymmetric
// models); backends that do not care ignore it.
enum class EmbedRole { kDocument, kQuery };

struct EmbedderInfo {
  // Stable identity of the model *and* everything that changes its output (backend, file
  // content hash, pooling, dimension, prefixes). Stored in the index beside every vector: a
  // different id means vectors are not comparable and must be recomputed.
  std::string model_id;
  int dim = 0;
  // Longest input in model tokens; longer texts are truncated by the backend (never an error).
  int max_tokens = 0;
};

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual const EmbedderInfo& info() const = 0;
  // Returns texts.size() * info().dim floats, row-major, each row L2-normalised (a zero row
  // for an empty text). Thread-compatible: one call at a time per instance.
  virtual Result<std::vector<float>> embed(const std::vector<std::string>& texts,
                                           EmbedRole role) = 0;
};

}  // namespace pampax
