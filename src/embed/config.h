// Which embedder an index uses, as chosen on `pampax index` and remembered in the index (meta
// key "embed_config", JSON) so that `update` and searches use the same one.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "embed/embedder.h"
#include "util/status.h"

namespace pampax {

struct EmbedConfig {
  std::string backend = "none";  // none | builtin | gguf | http
  std::string model_path;        // gguf: path of the .gguf file (absolute)
  std::string url;               // http: base URL
  std::string model;             // http: model name sent to the server
  std::string api = "openai";    // http: openai | ollama
  int threads = 0;               // gguf: compute threads (0 = all cores)

  bool enabled() const { return backend != "none"; }
  std::string to_json() const;
  // kCorrupt for malformed JSON (the index meta was damaged).
  static Result<EmbedConfig> from_json(std::string_view json);
  // A short human description ("gguf /models/minilm.gguf").
  std::string describe() const;
};

// Opens the backend (not "builtin": its model lives in the index, see core/builtin_layer.h). Errors are the backend's (missing model file, unreachable server, ...)
// prefixed with what was being opened.
Result<std::unique_ptr<Embedder>> make_embedder(const EmbedConfig& config);

}  // namespace pampax
