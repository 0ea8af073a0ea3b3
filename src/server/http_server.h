// pampax's HTTP server (`pampax serve`): MCP's Streamable HTTP transport at /mcp, and the
// place where other endpoints (/metrics, a JSON API, a web page) are added with http().
//
// /mcp (MCP 2025-06-18 .. 2026-07-28 Streamable HTTP):
//   POST   one JSON-RPC message. A request gets a JSON response, or an SSE stream (progress
//          and log notifications, then the response) for tools/call when the client accepts
//          text/event-stream. Notifications and responses get 202 Accepted.
//          initialize creates a session (Mcp-Session-Id response header); later requests
//          carry it (unknown id: 404, the client must initialise again). A request without a
//          session id is served on its own (2026-07-28 clients are stateless).
//          MCP-Protocol-Version, when sent, must be a supported revision (else 400).
//   GET    405: no server-initiated stream (we never send unsolicited messages).
//   DELETE ends the session named by Mcp-Session-Id (cancels its requests).
// Every request is checked against DNS rebinding: when bound to a loopback address, Host must
// be localhost/127.0.0.1/[::1] and Origin, when present, must be a loopback origin (or one
// listed in HttpOptions::allowed_origins); otherwise 403.
// With HttpOptions::token set, every request to /mcp, /api/... and /metrics must carry
// `Authorization: Bearer <token>` (compared in constant time); otherwise 401. The web page's
// static files need no token (they hold no data; the page asks for the token). bind() refuses
// a non-loopback address without a token.
// Every response is timed (from routing to the end of the response) and reported to the
// request observer, if one is set (server/api.h records them in the metrics registry).
//
// Threading: requests run on cpp-httplib's thread pool; the MCP state is shared safely.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/server.h"
#include "util/status.h"

namespace httplib {
class Server;
}

namespace pampax::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 7420;                           // 0: any free port (see bound_port)
  std::vector<std::string> allowed_origins;  // extra Origin values accepted, e.g. "https://x.y"
  size_t max_sessions = 256;                 // least recently used sessions are dropped beyond
  std::string token;                         // bearer token ("" = none; required off loopback)
};

// True for the names and addresses of the loopback interface: localhost, 127.0.0.0/8, ::1.
bool is_loopback_host(const std::string& host);
// Constant-time comparison of a request's Authorization header with "Bearer <token>".
bool bearer_matches(const std::string& authorization, const std::string& token);

// Called after every response: the request's path, the status sent and the milliseconds it
// took. Runs on the request's worker thread; must be thread-safe.
using RequestObserver = std::function<void(const std::string& path, int status, double ms)>;

class HttpServer {
 public:
  HttpServer(mcp::McpServer& mcp, HttpOptions options);
  ~HttpServer();

  // Routes of other components go here before run(): http().Get("/metrics", ...).
  httplib::Server& http() { return *http_; }

  // REQUIRES: before run(). Replaces the previous observer.
  void set_request_observer(RequestObserver observer) { observer_ = std::move(observer); }

  // Binds the listening socket. Errors: kInvalidArgument for a non-loopback host without a
  // token (set PAMPAX_TOKEN); kIoError naming host and port.
  Status bind();
  int bound_port() const { return port_; }
  // Serves until stop() (from another thread or a signal handler's thread). REQUIRES: bind().
  Status run();
  void stop();

 private:
  struct SessionEntry {
    std::shared_ptr<mcp::Session> session;
    uint64_t last_used = 0;
  };
  void install_routes();
  std::shared_ptr<mcp::Session> new_session(std::string* id);
  std::shared_ptr<mcp::Session> find_session(const std::string& id);
  bool host_allowed(const std::string& host) const;
  bool origin_allowed(const std::string& origin) const;

  mcp::McpServer& mcp_;
  HttpOptions opt_;
  RequestObserver observer_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, SessionEntry> sessions_;  // guarded by mu_
  uint64_t tick_ = 0;                              // guarded by mu_
};

}  // namespace pampax::server
