#include "server/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "mcp/jsonrpc.h"

namespace pampax::server {

using mcp::json;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "host", "host:port", "[v6]", "[v6]:port" -> host (lowercase, brackets kept for v6).
std::string host_part(const std::string& hostport) {
  std::string h = lower(hostport);
  if (!h.empty() && h[0] == '[') {
    size_t e = h.find(']');
    return e == std::string::npos ? h : h.substr(0, e + 1);
  }
  size_t c = h.find(':');
  return c == std::string::npos ? h : h.substr(0, c);
}

bool is_loopback_name(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

// The paths that need the bearer token when one is set.
bool needs_token(const std::string& path) {
  return path == "/mcp" || path == "/metrics" || path == "/api" || path.rfind("/api/", 0) == 0;
}

thread_local std::chrono::steady_clock::time_point t_request_start{};

// The host of an Origin ("scheme://host[:port]"); "" when malformed (or "null").
std::string origin_host(const std::string& origin) {
  size_t s = origin.find("://");
  if (s == std::string::npos) return "";
  std::string rest = origin.substr(s + 3);
  size_t slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  return host_part(rest);
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(mcp::serialize(body), "application/json");
}

void send_rpc_error(httplib::Response& res, int status, int code, const std::string& msg) {
  send_json(res, status, mcp::make_error(nullptr, code, msg));
}

// A refusal in the shape the path's clients expect: JSON-RPC for /mcp, the JSON API's error
// object elsewhere.
void send_refusal(const httplib::Request& req, httplib::Response& res, int status,
                  const std::string& msg) {
  if (req.path == "/mcp") {
    send_rpc_error(res, status, mcp::kInvalidRequest, msg);
    return;
  }
  send_json(res, status, {{"error", {{"status", status}, {"message", msg}}}});
}

std::string random_id() {
  std::random_device rd;
  char buf[33];
  for (int i = 0; i < 4; ++i) std::snprintf(buf + 8 * i, 9, "%08x", rd());
  return std::string(buf, 32);
}

bool accepts(const httplib::Request& req, const char* type) {
  if (!req.has_header("Accept")) return false;
  std::string a = lower(req.get_header_value("Accept"));
  return a.find(type) != std::string::npos || a.find("*/*") != std::string::npos;
}

}  // namespace

bool is_loopback_host(const std::string& host_in) {
  std::string h = lower(host_in);
  if (is_loopback_name(h)) return true;
  if (h.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (size_t i = 4; i < h.size(); ++i) {
    if (h[i] == '.') ++dots;
    else if (h[i] < '0' || h[i] > '9') return false;
  }
  return dots == 2;
}

bool bearer_matches(const std::string& authorization, const std::string& token) {
  const std::string want = "Bearer " + token;
  // Constant time in the header's content: every byte of the longer string is visited.
  const size_t n = std::max(want.size(), authorization.size());
  unsigned char diff = want.size() == authorization.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char a = i < authorization.size() ? static_cast<unsigned char>(authorization[i]) : 0;
    unsigned char b = i < want.size() ? static_cast<unsigned char>(want[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0 && !token.empty();
}

HttpServer::HttpServer(mcp::McpServer& mcp, HttpOptions options)
    : mcp_(mcp), opt_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  install_routes();
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::host_allowed(const std::string& host_header) const {
  // Bound to loopback: only loopback names may address us (DNS rebinding protection).
  if (!is_loopback_host(opt_.host)) return true;
  return is_loopback_host(host_part(host_header));
}

bool HttpServer::origin_allowed(const std::string& origin) const {
  for (const std::string& o : opt_.allowed_origins)
    if (lower(o) == lower(origin)) return true;
  std::string h = origin_host(origin);
  if (h.empty()) return false;
  if (is_loopback_host(h)) return true;
  // Bound to a non-loopback address on purpose: accept pages served from that address.
  return !is_loopback_host(opt_.host) && h == host_part(opt_.host);
}

std::shared_ptr<mcp::Session> HttpServer::new_session(std::string* id) {
  std::lock_guard<std::mutex> l(mu_);
  if (sessions_.size() >= opt_.max_sessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    oldest->second.session->cancel_all();
    sessions_.erase(oldest);
  }
  *id = random_id();
  auto s = std::make_shared<mcp::Session>(mcp_);
  sessions_[*id] = {s, ++tick_};
  return s;
}

std::shared_ptr<mcp::Session> HttpServer::find_session(const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  it->second.last_used = ++tick_;
  return it->second.session;
}

void HttpServer::install_routes() {
  httplib::Server& s = *http_;
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = std::chrono::steady_clock::now();
    if (!host_allowed(req.get_header_value("Host"))) {
      send_refusal(req, res, 403,
                   "forbidden: Host '" + req.get_header_value("Host") +
                       "' is not a loopback name (DNS rebinding protection)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.has_header("Origin") && !origin_allowed(req.get_header_value("Origin"))) {
      send_refusal(req, res, 403,
                   "forbidden: Origin '" + req.get_header_value("Origin") +
                       "' is not allowed (start pampax serve with --allow-origin to permit it)");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!opt_.token.empty() && needs_token(req.path) &&
        !bearer_matches(req.get_header_value("Authorization"), opt_.token)) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"pampax\"");
      send_refusal(req, res, 401,
                   req.has_header("Authorization")
                       ? "unauthorized: the bearer token does not match PAMPAX_TOKEN"
                       : "unauthorized: this server requires the header 'Authorization: Bearer "
                         "<token>' (the PAMPAX_TOKEN it was started with)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (!observer_ || t_request_start == std::chrono::steady_clock::time_point{}) return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                          t_request_start)
                    .count();
    t_request_start = {};
    observer_(req.path, res.status, ms);
  });

  s.Get("/mcp", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "POST, DELETE");
    send_rpc_error(res, 405, mcp::kInvalidRequest,
                   "this server sends no unsolicited messages: GET /mcp is not offered; POST "
                   "requests instead");
  });

  s.Delete("/mcp", [this](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.get_header_value("Mcp-Session-Id");
    if (id.empty()) {
      send_rpc_error(res, 400, mcp::kInvalidRequest, "DELETE /mcp needs an Mcp-Session-Id header");
      return;
    }
    std::shared_ptr<mcp::Session> gone;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = sessions_.find(id);
      if (it != sessions_.end()) {
        gone = it->second.session;
        sessions_.erase(it);
      }
    }
    if (!gone) {
      send_rpc_error(res, 404, mcp::kInvalidRequest, "unknown or expired session " + id);
      return;
    }
    gone->cancel_all();
    res.status = 200;
  });

  s.Post("/mcp", [this](const httplib::Request& req, httplib::Response& res) {
    std::string ctype = lower(req.get_header_value("Content-Type"));
    if (ctype.find("application/json") == std::string::npos) {
      send_rpc_error(res, 415, mcp::kInvalidRequest,
                     "POST /mcp takes Content-Type: application/json");
      return;
    }
    if (req.has_header("Accept") && !accepts(req, "application/json") &&
        !accepts(req, "text/event-stream")) {
      send_rpc_error(res, 406, mcp::kInvalidRequest,
                     "the client must accept application/json and text/event-stream");
      return;
    }
    if (req.has_header("MCP-Protocol-Version") &&
        !mcp::protocol_version_supported(req.get_header_value("MCP-Protocol-Version"))) {
      std::string list;
      for (const auto& v : mcp::supported_protocol_versions()) list += (list.empty() ? "" : ", ") + v;
      send_rpc_error(res, 400, mcp::kInvalidRequest,
                     "unsupported MCP-Protocol-Version '" +
                         req.get_header_value("MCP-Protocol-Version") + "' (supported: " + list + ")");
      return;
    }
    json msg = json::parse(req.body, nullptr, false);
    if (msg.is_discarded()) {
      send_rpc_error(res, 400, mcp::kParseError, "parse error: the body is not valid JSON");
      return;
    }
    mcp::Classified c = mcp::classify(msg);
    if (c.kind == mcp::Classified::kInvalid) {
      if (c.error.is_null()) {
        res.status = 202;
      } else {
        send_json(res, 400, c.error);
      }
      return;
    }
    // The session: new at initialize, named by the header otherwise, or one for this request.
    std::shared_ptr<mcp::Session> session;
    std::string sid = req.get_header_value("Mcp-Session-Id");
    if (c.kind == mcp::Classified::kRequest && c.method == "initialize" && sid.empty()) {
      session = new_session(&sid);
      res.set_header("Mcp-Session-Id", sid);
    } else if (!sid.empty()) {
      session = find_session(sid);
      if (!session) {
        send_rpc_error(res, 404, mcp::kInvalidRequest,
                       "unknown or expired session " + sid + ": initialize again");
        return;
      }
    } else {
      // Stateless (2026-07-28): a request stands alone, so it gets a session of its own; two
      // clients may use the same request id at once.
      session = std::make_shared<mcp::Session>(mcp_);
    }
    if (c.kind != mcp::Classified::kRequest) {
      session->handle(msg, [](const json&) {});
      res.status = 202;
      return;
    }
    if (c.method == "tools/call" && accepts(req, "text/event-stream")) {
      // Stream: progress and log notifications as they happen, then the response.
      res.status = 200;
      res.set_header("Cache-Control", "no-cache");
      res.set_chunked_content_provider(
          "text/event-stream",
          [session, msg](size_t, httplib::DataSink& sink) {
            std::mutex wmu;
            bool open = true;
            session->handle(msg, [&](const json& m) {
              std::string ev = "event: message\ndata: " + mcp::serialize(m) + "\n\n";
              std::lock_guard<std::mutex> l(wmu);
              if (open && !sink.write(ev.data(), ev.size())) open = false;
            });
            sink.done();
            return true;
          });
      return;
    }
    json response;
    session->handle(msg, [&](const json& m) {
      if (m.contains("id")) response = m;  // notifications have nowhere to go in a JSON reply
    });
    if (response.is_null())
      response = mcp::make_error(c.id, mcp::kInternalError, "the request was cancelled");
    send_json(res, 200, response);
  });
}

Status HttpServer::bind() {
  if (!is_loopback_host(opt_.host) && opt_.token.empty())
    return InvalidArgument(
        "refusing to listen on " + opt_.host +
        " without a token: anyone who can reach that address could read the indexed code. Set "
        "PAMPAX_TOKEN to a secret (clients then send 'Authorization: Bearer <token>'), or "
        "listen on 127.0.0.1");
  if (opt_.port == 0) {
    int p = http_->bind_to_any_port(opt_.host);
    if (p <= 0) return IoError("cannot listen on " + opt_.host + " (any port)");
    port_ = p;
    return Status::Ok();
  }
  if (!http_->bind_to_port(opt_.host, opt_.port))
    return IoError("cannot listen on " + opt_.host + ":" + std::to_string(opt_.port) +
                   " (in use? choose another with --port)");
  port_ = opt_.port;
  return Status::Ok();
}

Status HttpServer::run() {
  if (!http_->listen_after_bind()) return IoError("the HTTP server stopped with an error");
  return Status::Ok();
}

void HttpServer::stop() {
  if (http_ && http_->is_running()) http_->stop();
}

}  // namespace pampax::server
