// The `http` embedding backend: a remote (or local) embedding server.
//   openai: POST <base>/v1/embeddings {"model","input":[...]} -> {"data":[{"index","embedding"}]}
//           (OpenAI, llama-server, vLLM, LM Studio, ...; a base URL ending in /v1 is accepted)
//   ollama: POST <base>/api/embed     {"model","input":[...]} -> {"embeddings":[[...]]}
// plain http, and https where the server certificate verifies against the system CAs.
#pragma once

#include <memory>
#include <string>

#include "embed/embedder.h"
#include "util/status.h"

namespace pampax {

enum class HttpFlavour { kOpenAI, kOllama };

struct HttpOptions {
  HttpFlavour flavour = HttpFlavour::kOpenAI;
  std::string base_url;  // scheme://host[:port][/path-prefix]
  std::string model;     // sent as "model"; llama-server ignores it
  // Environment variable holding the API key, sent as `Authorization: Bearer <key>` when set.
  std::string api_key_env = "PAMPAX_EMBED_API_KEY";
  int batch_size = 32;  // texts per request
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 60000;  // per request, covers the server's compute time
  // Retries after 429, 5xx and connection/read failures: at most max_retries more attempts per
  // request, waiting initial_backoff_ms, then twice that, ... capped at max_backoff_ms (a
  // Retry-After header within the cap is honoured). Other failures are not retried.
  int max_retries = 3;
  int initial_backoff_ms = 200;
  int max_backoff_ms = 5000;
  // The server counts tokens, we cannot: texts are cut at max_tokens * 4 bytes (on a UTF-8
  // boundary) so over-long inputs are not rejected by servers that refuse them.
  int max_tokens = 512;
  std::string query_prefix;
  std::string document_prefix;
  // Embed one short text in open_http_embedder() to learn the dimension (and to fail early
  // when the server is unreachable). Without it info().dim and model_id are final only after
  // the first successful embed().
  bool probe = true;
};

// Errors: kInvalidArgument (malformed URL or options), kIoError (unreachable server, HTTP
// error: the message has the status and the start of the body), kCorrupt (a response that is
// not the expected JSON shape).
Result<std::unique_ptr<Embedder>> open_http_embedder(const HttpOptions& options);

const char* flavour_name(HttpFlavour f);

}  // namespace pampax
