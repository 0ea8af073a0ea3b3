// The `http` rerank backend: a rerank server.
//   cohere: POST <base>/v1/rerank {"model","query","documents":[...],"top_n"}
//           -> {"results":[{"index","relevance_score"}]}
//           (Cohere, Jina, llama-server --reranking, vLLM, ...; a base URL ending in /v1 is
//           accepted)
//   tei:    POST <base>/rerank {"query","texts":[...],"truncate":true} -> [{"index","score"}]
//           (Hugging Face text-embeddings-inference, llama-server)
// plain http, and https where the server certificate verifies against the system CAs.
#pragma once

#include <memory>
#include <string>

#include "embed/reranker.h"
#include "util/status.h"

namespace pampax {

enum class RerankApi { kCohere, kTei };
const char* rerank_api_name(RerankApi a);
// "cohere" (also "jina") or "tei"; false if unknown.
bool parse_rerank_api(const std::string& s, RerankApi* out);

struct HttpRerankOptions {
  RerankApi api = RerankApi::kCohere;
  std::string base_url;  // scheme://host[:port][/path-prefix]
  std::string model;     // cohere: sent as "model" (llama-server ignores it); tei: unused
  // API key, sent as `Authorization: Bearer <key>`: from the first of these variables that is
  // set and not empty.
  std::string api_key_env = "PAMPAX_RERANK_API_KEY";
  std::string fallback_api_key_env = "PAMPAX_EMBED_API_KEY";
  int batch_size = 64;  // documents per request
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 60000;
  // Retries after 429, 5xx and connection/read failures (see http::ClientOptions).
  int max_retries = 3;
  int initial_backoff_ms = 200;
  int max_backoff_ms = 5000;
  // The server counts tokens, we cannot: documents are cut at max_tokens * 4 bytes (on a
  // UTF-8 boundary) so over-long inputs are not rejected by servers that refuse them.
  int max_tokens = 512;
};

// Nothing is sent until the first score(). Errors: kInvalidArgument (malformed URL or
// options). score() fails with kIoError (unreachable server, HTTP error with the status and
// the start of the body) or kCorrupt (a response that is not the expected JSON shape, or that
// misses or repeats a document).
Result<std::unique_ptr<Reranker>> open_http_reranker(const HttpRerankOptions& options);

}  // namespace pampax
