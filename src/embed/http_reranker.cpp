#include "embed/http_reranker.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "embed/http_client.h"

namespace pampax {

const char* rerank_api_name(RerankApi a) { return a == RerankApi::kTei ? "tei" : "cohere"; }

bool parse_rerank_api(const std::string& s, RerankApi* out) {
  if (s == "cohere" || s == "jina") *out = RerankApi::kCohere;
  else if (s == "tei") *out = RerankApi::kTei;
  else return false;
  return true;
}

namespace {

using nlohmann::json;

class HttpReranker final : public Reranker {
 public:
  HttpReranker(HttpRerankOptions opts, http::ParsedUrl url, const http::ClientOptions& co)
      : opts_(std::move(opts)), url_(std::move(url)), client_(url_, co) {
    if (opts_.api == RerankApi::kTei) {
      path_ = url_.prefix + "/rerank";
    } else {
      path_ = url_.prefix + (http::ends_with(url_.prefix, "/v1") ? "/rerank" : "/v1/rerank");
    }
    info_.max_tokens = opts_.max_tokens;
    info_.model_id = std::string("http:") + rerank_api_name(opts_.api) + ":" + opts_.base_url + ":" +
                     opts_.model + ":rerank";
  }

  const RerankerInfo& info() const override { return info_; }

  Result<std::vector<float>> score(const std::string& query,
                                   const std::vector<std::string>& documents) override {
    if (query.find_first_not_of(" \t\r\n") == std::string::npos)
      return InvalidArgument("the rerank query is empty");
    const size_t max_bytes = static_cast<size_t>(opts_.max_tokens) * 4;
    const std::string q = http::utf8_prefix(query, max_bytes);
    std::vector<float> out(documents.size(), 0.0f);
    const size_t batch = static_cast<size_t>(opts_.batch_size);
    for (size_t b = 0; b < documents.size(); b += batch) {
      const size_t e = std::min(documents.size(), b + batch);
      std::vector<std::string> docs;
      for (size_t k = b; k < e; ++k) docs.push_back(http::utf8_prefix(documents[k], max_bytes));
      auto got = request(q, docs);
      if (!got.ok()) return got.status();
      std::copy(got->begin(), got->end(), out.begin() + static_cast<std::ptrdiff_t>(b));
    }
    return out;
  }

 private:
  Result<std::vector<float>> request(const std::string& query, const std::vector<std::string>& docs) {
    json body;
    if (opts_.api == RerankApi::kTei) {
      body = {{"query", query}, {"texts", docs}, {"truncate", true}};
    } else {
      body = {{"model", opts_.model}, {"query", query}, {"documents", docs}, {"top_n", docs.size()}};
    }
    // Invalid UTF-8 in source files must not abort the request: replace it (U+FFFD).
    const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
    auto text = client_.post(path_, payload, "rerank",
                             std::string("check the base URL and the API: ") +
                                 rerank_api_name(opts_.api) + " posts to " + path_);
    if (!text.ok()) return text.status();
    return parse_response(*text, docs.size());
  }

  Result<std::vector<float>> parse_response(const std::string& text, size_t n) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    auto bad = [&](const std::string& why) -> Status {
      return Corrupt("unexpected response from " + client_.endpoint(path_) + " (" + why +
                     "): " + http::excerpt(text));
    };
    const json* items = nullptr;
    const char* score_key = opts_.api == RerankApi::kTei ? "score" : "relevance_score";
    if (opts_.api == RerankApi::kTei) {
      if (j.is_discarded() || !j.is_array()) return bad("not a JSON array");
      items = &j;
    } else {
      if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
      auto it = j.find("results");
      if (it == j.end() || !it->is_array()) return bad("no \"results\" array");
      items = &*it;
    }
    if (items->size() != n)
      return bad(std::to_string(items->size()) + " results for " + std::to_string(n) + " documents");
    std::vector<float> scores(n, 0.0f);
    std::vector<char> seen(n, 0);
    for (const json& item : *items) {
      if (!item.is_object()) return bad("a result is not an object");
      auto idx = item.find("index");
      if (idx == item.end() || !idx->is_number_unsigned()) return bad("a result has no \"index\"");
      const size_t i = idx->get<size_t>();
      if (i >= n) return bad("index " + std::to_string(i) + " out of range");
      if (seen[i]) return bad("index " + std::to_string(i) + " appears twice");
      auto s = item.find(score_key);
      if (s == item.end() || !s->is_number()) return bad(std::string("a result has no numeric \"") + score_key + "\"");
      const double v = s->get<double>();
      if (!std::isfinite(v)) return bad("a score is not finite");
      scores[i] = static_cast<float>(v);
      seen[i] = 1;
    }
    return scores;
  }

  HttpRerankOptions opts_;
  http::ParsedUrl url_;
  std::string path_;
  http::JsonClient client_;
  RerankerInfo info_;
};

}  // namespace

Result<std::unique_ptr<Reranker>> open_http_reranker(const HttpRerankOptions& options) {
  if (options.base_url.empty()) {
    return InvalidArgument("no rerank server URL given (e.g. http://127.0.0.1:8080)");
  }
  auto url = http::parse_url(options.base_url, "rerank server");
  if (!url.ok()) return url.status();
  if (options.batch_size < 1) return InvalidArgument("rerank batch_size must be at least 1");
  if (options.max_tokens < 1) return InvalidArgument("rerank max_tokens must be at least 1");
  http::ClientOptions co;
  co.connect_timeout_ms = options.connect_timeout_ms;
  co.read_timeout_ms = options.read_timeout_ms;
  co.max_retries = options.max_retries;
  co.initial_backoff_ms = options.initial_backoff_ms;
  co.max_backoff_ms = options.max_backoff_ms;
  PAMPAX_RETURN_IF_ERROR(http::check(co));
  for (const std::string* env : {&options.api_key_env, &options.fallback_api_key_env}) {
    if (env->empty()) continue;
    const char* k = std::getenv(env->c_str());
    if (k && *k) {
      co.api_key = k;
      co.api_key_env = *env;
      break;
    }
  }
  if (co.api_key_env.empty()) co.api_key_env = options.api_key_env;
  return std::unique_ptr<Reranker>(
      std::make_unique<HttpReranker>(options, std::move(url).value(), co));
}

}  // namespace pampax
