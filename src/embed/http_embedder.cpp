#include "embed/http_embedder.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "embed/http_client.h"
#include "util/hash.h"

namespace pampax {

const char* flavour_name(HttpFlavour f) { return f == HttpFlavour::kOllama ? "ollama" : "openai"; }

namespace {

using nlohmann::json;

using http::excerpt;
using http::ParsedUrl;
using http::utf8_prefix;

class HttpEmbedder final : public Embedder {
 public:
  HttpEmbedder(HttpOptions opts, ParsedUrl url, std::string api_key)
      : opts_(std::move(opts)), url_(std::move(url)), client_(url_, client_options(opts_, api_key)) {
    if (opts_.flavour == HttpFlavour::kOllama) {
      path_ = url_.prefix + "/api/embed";
    } else {
      path_ = url_.prefix + (http::ends_with(url_.prefix, "/v1") ? "/embeddings" : "/v1/embeddings");
    }
    info_.max_tokens = opts_.max_tokens;
    update_model_id();
  }

  const EmbedderInfo& info() const override { return info_; }

  Result<std::vector<float>> embed(const std::vector<std::string>& texts,
                                   EmbedRole role) override {
    const std::string& prefix = role == EmbedRole::kQuery ? opts_.query_prefix
                                                          : opts_.document_prefix;
    const size_t max_bytes = static_cast<size_t>(opts_.max_tokens) * 4;
    std::vector<size_t> todo;  // non-empty texts; empty ones are zero rows by contract
    for (size_t i = 0; i < texts.size(); ++i) {
      if (!texts[i].empty()) todo.push_back(i);
    }
    std::vector<std::vector<float>> rows(texts.size());
    for (size_t b = 0; b < todo.size(); b += static_cast<size_t>(opts_.batch_size)) {
      const size_t e = std::min(todo.size(), b + static_cast<size_t>(opts_.batch_size));
      std::vector<std::string> inputs;
      for (size_t k = b; k < e; ++k) inputs.push_back(utf8_prefix(prefix + texts[todo[k]], max_bytes));
      auto got = request(inputs);
      if (!got.ok()) return got.status();
      for (size_t k = b; k < e; ++k) rows[todo[k]] = std::move(got.value()[k - b]);
    }
    if (info_.dim == 0) return std::vector<float>();  // nothing was sent, dimension unknown
    const size_t dim = static_cast<size_t>(info_.dim);
    std::vector<float> out(texts.size() * dim, 0.0f);
    for (size_t i = 0; i < texts.size(); ++i) {
      if (rows[i].empty()) continue;
      double ss = 0;
      for (float v : rows[i]) ss += static_cast<double>(v) * v;
      const float inv = ss > 0 ? static_cast<float>(1.0 / std::sqrt(ss)) : 0.0f;
      for (size_t d = 0; d < dim; ++d) out[i * dim + d] = rows[i][d] * inv;
    }
    return out;
  }

 private:
  std::string endpoint() const { return client_.endpoint(path_); }

  static http::ClientOptions client_options(const HttpOptions& o, const std::string& key) {
    http::ClientOptions c;
    c.connect_timeout_ms = o.connect_timeout_ms;
    c.read_timeout_ms = o.read_timeout_ms;
    c.max_retries = o.max_retries;
    c.initial_backoff_ms = o.initial_backoff_ms;
    c.max_backoff_ms = o.max_backoff_ms;
    c.api_key = key;
    c.api_key_env = o.api_key_env;
    return c;
  }

  void update_model_id() {
    info_.model_id = std::string("http:") + flavour_name(opts_.flavour) + ":" + opts_.base_url +
                     ":" + opts_.model + ":" + std::to_string(info_.dim);
    if (!opts_.query_prefix.empty() || !opts_.document_prefix.empty()) {
      info_.model_id += ":prefix-" +
                        content_hash(opts_.query_prefix + '\0' + opts_.document_prefix).substr(0, 8);
    }
  }

  // One batch: POST with retries, then the rows in input order.
  Result<std::vector<std::vector<float>>> request(const std::vector<std::string>& inputs) {
    json body = {{"model", opts_.model}, {"input", inputs}};
    // Invalid UTF-8 in source files must not abort the request: replace it (U+FFFD).
    const std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
    auto body_or = client_.post(path_, payload, "embedding",
                                std::string("check the base URL, the model name and the flavour: ") +
                                    flavour_name(opts_.flavour) + " posts to " + path_);
    if (!body_or.ok()) return body_or.status();
    return parse_response(*body_or, inputs.size());
  }

  Result<std::vector<std::vector<float>>> parse_response(const std::string& body, size_t n) {
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    auto bad = [&](const std::string& why) -> Status {
      return Corrupt("unexpected response from " + endpoint() + " (" + why + "): " + excerpt(body));
    };
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
    std::vector<std::vector<float>> rows(n);
    auto take = [&](size_t i, const json& vec) -> Status {
      if (i >= n) return bad("index " + std::to_string(i) + " out of range");
      if (!vec.is_array() || vec.empty()) return bad("an embedding is not a non-empty array");
      if (!rows[i].empty()) return bad("index " + std::to_string(i) + " appears twice");
      rows[i].reserve(vec.size());
      for (const auto& v : vec) {
        if (!v.is_number()) return bad("an embedding holds a non-number");
        rows[i].push_back(v.get<float>());
      }
      return Status::Ok();
    };
    if (opts_.flavour == HttpFlavour::kOllama) {
      auto it = j.find("embeddings");
      if (it == j.end() || !it->is_array()) return bad("no \"embeddings\" array");
      if (it->size() != n) return bad(std::to_string(it->size()) + " embeddings for " + std::to_string(n) + " inputs");
      for (size_t i = 0; i < n; ++i) PAMPAX_RETURN_IF_ERROR(take(i, (*it)[i]));
    } else {
      auto it = j.find("data");
      if (it == j.end() || !it->is_array()) return bad("no \"data\" array");
      if (it->size() != n) return bad(std::to_string(it->size()) + " embeddings for " + std::to_string(n) + " inputs");
      for (size_t k = 0; k < n; ++k) {
        const json& item = (*it)[k];
        if (!item.is_object()) return bad("a \"data\" item is not an object");
        auto idx = item.find("index");
        const size_t i = idx != item.end() && idx->is_number_unsigned() ? idx->get<size_t>() : k;
        auto emb = item.find("embedding");
        if (emb == item.end()) return bad("a \"data\" item has no \"embedding\"");
        PAMPAX_RETURN_IF_ERROR(take(i, *emb));
      }
    }
    const size_t dim = rows[0].size();
    for (const auto& r : rows) {
      if (r.size() != dim) return bad("embeddings of different lengths");
    }
    if (info_.dim == 0) {
      info_.dim = static_cast<int>(dim);
      update_model_id();
    } else if (static_cast<size_t>(info_.dim) != dim) {
      return Corrupt("the server at " + endpoint() + " now returns " + std::to_string(dim) +
                     "-dimensional embeddings, earlier " + std::to_string(info_.dim) +
                     " (was the model changed?)");
    }
    return rows;
  }

  HttpOptions opts_;
  ParsedUrl url_;
  std::string path_;
  http::JsonClient client_;
  EmbedderInfo info_;
};

}  // namespace

Result<std::unique_ptr<Embedder>> open_http_embedder(const HttpOptions& options) {
  if (options.base_url.empty()) {
    return InvalidArgument("no embedding server URL given (e.g. http://127.0.0.1:11434)");
  }
  auto url = http::parse_url(options.base_url, "embedding server");
  if (!url.ok()) return url.status();
  if (options.batch_size < 1) return InvalidArgument("batch_size must be at least 1");
  if (options.max_retries < 0 || options.initial_backoff_ms < 0 || options.max_backoff_ms < 0 ||
      options.connect_timeout_ms < 1 || options.read_timeout_ms < 1 || options.max_tokens < 1) {
    return InvalidArgument("http embedder: timeouts, max_tokens must be positive; retries and "
                           "backoffs non-negative");
  }
  std::string key;
  if (!options.api_key_env.empty()) {
    if (const char* k = std::getenv(options.api_key_env.c_str())) key = k;
  }
  auto e = std::make_unique<HttpEmbedder>(options, std::move(url.value()), std::move(key));
  if (options.probe) {
    auto probe = e->embed({"pampax"}, EmbedRole::kDocument);
    if (!probe.ok()) return probe.status();
  }
  return std::unique_ptr<Embedder>(std::move(e));
}

}  // namespace pampax
