#include "embed/rerank_config.h"

#include "embed/gguf_reranker.h"
#include "embed/http_reranker.h"

namespace pampax {

std::string RerankConfig::describe() const {
  if (backend == "gguf") return "gguf " + model_path;
  if (backend == "http") return "http " + api + " " + url + (model.empty() ? "" : " model " + model);
  return backend;
}

Result<std::unique_ptr<Reranker>> make_reranker(const RerankConfig& c) {
  Result<std::unique_ptr<Reranker>> r =
      InvalidArgument("unknown rerank backend '" + c.backend + "' (gguf, http or none)");
  if (c.backend == "gguf") {
    if (c.model_path.empty())
      return InvalidArgument("the gguf reranker needs a model: --rerank-model FILE.gguf");
    GgufRerankOptions o;
    o.model_path = c.model_path;
    o.threads = c.threads;
    r = open_gguf_reranker(o);
  } else if (c.backend == "http") {
    if (c.url.empty()) return InvalidArgument("the http reranker needs --rerank-url URL");
    HttpRerankOptions o;
    o.base_url = c.url;
    o.model = c.model;
    if (!parse_rerank_api(c.api, &o.api))
      return InvalidArgument("unknown rerank API '" + c.api + "' (cohere or tei)");
    r = open_http_reranker(o);
  } else if (c.backend == "none") {
    return InvalidArgument("no reranker configured");
  } else {
    return r;
  }
  if (!r.ok())
    return Status(r.status().code(),
                  "cannot open the reranker (" + c.describe() + "): " + r.status().message());
  return r;
}

}  // namespace pampax
