// What the http backends (embedder and reranker) share: base-URL parsing, a JSON POST with
// timeouts and bounded retries with exponential backoff, and small text helpers for requests
// and error messages. Internal to embed/.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "util/status.h"

namespace pampax::http {

struct ParsedUrl {
  std::string scheme_host_port;  // what httplib::Client wants
  std::string prefix;            // path prefix without trailing '/'
};
// `what` names the server in messages ("embedding server"). kInvalidArgument when the URL has
// no http(s) scheme or no host.
Result<ParsedUrl> parse_url(const std::string& url, const std::string& what);

bool ends_with(const std::string& s, const std::string& suffix);
// At most `max` bytes of `s`, never splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, size_t max);
// The start of a response body, control characters blanked, for error messages.
std::string excerpt(const std::string& body);

struct ClientOptions {
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 60000;  // per request, covers the server's compute time
  // Retries after 429, 5xx and connection/read failures: at most max_retries more attempts,
  // waiting initial_backoff_ms, then twice that, ... capped at max_backoff_ms (a Retry-After
  // header within the cap is honoured). Other failures are not retried.
  int max_retries = 3;
  int initial_backoff_ms = 200;
  int max_backoff_ms = 5000;
  std::string api_key;      // sent as `Authorization: Bearer <key>` when not empty
  std::string api_key_env;  // named in the hint of a 401/403
};
// kInvalidArgument unless timeouts are positive and retries/backoffs non-negative.
Status check(const ClientOptions& o);

// A keep-alive client for one server. Thread-compatible.
class JsonClient {
 public:
  JsonClient(const ParsedUrl& url, const ClientOptions& o);
  // POSTs `payload` (JSON) to `path` with retries; the body of the 2xx answer. Failures are
  // kIoError "<what> request failed: ..." with the status and the start of the body (or the
  // connection error) and, for 404, `not_found_hint` appended.
  Result<std::string> post(const std::string& path, const std::string& payload,
                           const std::string& what, const std::string& not_found_hint);
  std::string endpoint(const std::string& path) const { return url_.scheme_host_port + path; }

 private:
  ParsedUrl url_;
  ClientOptions o_;
  httplib::Client client_;
  httplib::Headers headers_;
};

}  // namespace pampax::http
