#include "embed/config.h"

#include <nlohmann/json.hpp>

#include "embed/gguf_embedder.h"
#include "embed/http_embedder.h"

namespace pampax {

std::string EmbedConfig::to_json() const {
  nlohmann::json j = {{"backend", backend}};
  if (backend == "gguf") {
    j["model_path"] = model_path;
    if (threads) j["threads"] = threads;
  }
  if (backend == "http") {
    j["url"] = url;
    j["model"] = model;
    j["api"] = api;
  }
  return j.dump();
}

Result<EmbedConfig> EmbedConfig::from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("backend") || !j["backend"].is_string())
    return Corrupt("the index's embedding settings are damaged; set them again with "
                   "`pampax index --embed ...`");
  EmbedConfig c;
  c.backend = j.value("backend", "none");
  c.model_path = j.value("model_path", "");
  c.url = j.value("url", "");
  c.model = j.value("model", "");
  c.api = j.value("api", "openai");
  c.threads = j.value("threads", 0);
  return c;
}

std::string EmbedConfig::describe() const {
  if (backend == "gguf") return "gguf " + model_path;
  if (backend == "http") return "http " + api + " " + url + (model.empty() ? "" : " model " + model);
  return backend;
}

Result<std::unique_ptr<Embedder>> make_embedder(const EmbedConfig& c) {
  Result<std::unique_ptr<Embedder>> r = InvalidArgument("unknown embedding backend '" + c.backend +
                                                        "' (builtin, gguf, http or none)");
  if (c.backend == "gguf") {
    if (c.model_path.empty()) return InvalidArgument("the gguf backend needs a model: --model FILE.gguf");
    GgufOptions o;
    o.model_path = c.model_path;
    o.threads = c.threads;
    r = open_gguf_embedder(o);
  } else if (c.backend == "http") {
    if (c.url.empty()) return InvalidArgument("the http backend needs --embed-url URL");
    HttpOptions o;
    o.base_url = c.url;
    o.model = c.model;
    if (c.api == "ollama") o.flavour = HttpFlavour::kOllama;
    else if (c.api != "openai")
      return InvalidArgument("unknown embedding API '" + c.api + "' (openai or ollama)");
    r = open_http_embedder(o);
  } else if (c.backend == "builtin") {
    return InvalidArgument("the builtin embedder is opened from its index (core/builtin_layer.h)");
  } else if (c.backend == "none") {
    return InvalidArgument("no embedder configured");
  }
  if (!r.ok()) return Status(r.status().code(), "cannot open the embedder (" + c.describe() + "): " +
                                                    r.status().message());
  return r;
}

}  // namespace pampax
