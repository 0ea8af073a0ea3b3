#include "embed/http_client.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace pampax::http {

Result<ParsedUrl> parse_url(const std::string& url, const std::string& what) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return InvalidArgument(what + " URL '" + url + "' has no scheme; write it as http://host:port");
  }
  const std::string scheme = url.substr(0, sep);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument(what + " URL '" + url + "': only http and https are supported");
  }
  const size_t host_start = sep + 3;
  const size_t path_start = url.find('/', host_start);
  std::string host_port = url.substr(host_start, path_start == std::string::npos
                                                     ? std::string::npos
                                                     : path_start - host_start);
  if (host_port.empty()) return InvalidArgument(what + " URL '" + url + "' has no host");
  ParsedUrl p;
  p.scheme_host_port = scheme + "://" + host_port;
  if (path_start != std::string::npos) p.prefix = url.substr(path_start);
  while (!p.prefix.empty() && p.prefix.back() == '/') p.prefix.pop_back();
  return p;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string utf8_prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string excerpt(const std::string& body) {
  std::string e = body.substr(0, 300);
  for (char& c : e) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > e.size()) e += "...";
  return e;
}

Status check(const ClientOptions& o) {
  if (o.max_retries < 0 || o.initial_backoff_ms < 0 || o.max_backoff_ms < 0 ||
      o.connect_timeout_ms < 1 || o.read_timeout_ms < 1) {
    return InvalidArgument("http client: timeouts must be positive; retries and backoffs "
                           "non-negative");
  }
  return Status::Ok();
}

JsonClient::JsonClient(const ParsedUrl& url, const ClientOptions& o)
    : url_(url), o_(o), client_(url_.scheme_host_port) {
  client_.set_keep_alive(true);
  client_.set_connection_timeout(o_.connect_timeout_ms / 1000, (o_.connect_timeout_ms % 1000) * 1000);
  client_.set_read_timeout(o_.read_timeout_ms / 1000, (o_.read_timeout_ms % 1000) * 1000);
  client_.set_write_timeout(o_.read_timeout_ms / 1000, (o_.read_timeout_ms % 1000) * 1000);
  headers_.emplace("Accept", "application/json");
  if (!o_.api_key.empty()) headers_.emplace("Authorization", "Bearer " + o_.api_key);
}

Result<std::string> JsonClient::post(const std::string& path, const std::string& payload,
                                     const std::string& what, const std::string& not_found_hint) {
  int backoff = o_.initial_backoff_ms;
  std::string last_problem;
  for (int attempt = 0;; ++attempt) {
    httplib::Result res = client_.Post(path, headers_, payload, "application/json");
    bool retryable = false;
    int wait_ms = backoff;
    if (!res) {
      last_problem = "cannot reach " + endpoint(path) + ": " + httplib::to_string(res.error());
      const auto err = res.error();
      retryable = err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout ||
                  err == httplib::Error::Read || err == httplib::Error::Write;
    } else if (res->status >= 200 && res->status < 300) {
      return std::move(res->body);
    } else {
      last_problem = "HTTP " + std::to_string(res->status) + " from " + endpoint(path) + ": " +
                     excerpt(res->body);
      if (res->status == 401 || res->status == 403) {
        last_problem += o_.api_key_env.empty() ? " (check the API key)"
                                               : " (check the API key in $" + o_.api_key_env + ")";
      } else if (res->status == 404 && !not_found_hint.empty()) {
        last_problem += " (" + not_found_hint + ")";
      }
      retryable = res->status == 429 || res->status >= 500;
      if (retryable && res->has_header("Retry-After")) {
        const int secs = std::atoi(res->get_header_value("Retry-After").c_str());
        if (secs > 0) wait_ms = std::max(wait_ms, secs * 1000);
      }
    }
    if (!retryable || attempt >= o_.max_retries) {
      if (attempt > 0) last_problem += " (after " + std::to_string(attempt + 1) + " attempts)";
      return IoError(what + " request failed: " + last_problem);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, o_.max_backoff_ms)));
    backoff = std::min(backoff * 2, o_.max_backoff_ms);
  }
}

}  // namespace pampax::http
