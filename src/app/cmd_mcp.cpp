#include "app/cmd_mcp.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "mcp/server.h"
#include "mcp/stdio.h"
#include "server/api.h"
#include "server/http_server.h"

namespace pampax {

namespace {
int g_stop_pipe[2] = {-1, -1};
void on_stop_signal(int sig) {
  const unsigned char c = static_cast<unsigned char>(sig);
  (void)!::write(g_stop_pipe[1], &c, 1);
}
}  // namespace

namespace {

bool resolve_root(const std::string& path, std::filesystem::path* out) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::canonical(path, ec);
  if (ec || !std::filesystem::is_directory(p, ec)) {
    std::fprintf(stderr, "pampax: error: %s is not a directory (pass the repository root with --path)\n",
                 path.c_str());
    return false;
  }
  *out = p;
  return true;
}

}  // namespace

int run_mcp_stdio(const McpArgs& a) {
  std::filesystem::path root;
  if (!resolve_root(a.path, &root)) return 1;
  ::signal(SIGPIPE, SIG_IGN);  // a vanished client must not kill us mid-write
  mcp::Workspace ws(root);
  mcp::ServerOptions opt;
  opt.max_output_tokens = a.max_tokens;
  mcp::McpServer server(ws, opt);
  std::fprintf(stderr, "pampax mcp: serving %s over stdio\n", root.c_str());
  return mcp::serve_stdio(server, STDIN_FILENO, STDOUT_FILENO);
}

int run_http_serve(const McpArgs& a) {
  std::filesystem::path root;
  if (!resolve_root(a.path, &root)) return 1;
  // SIGINT/SIGTERM stop the server cleanly. The handler only writes to a pipe, and a thread
  // reading it stops the server: a signal can land on any thread (a library may
  // start threads before main, so blocking signals here would not cover them).
  if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "pampax: error: cannot create a pipe: %s\n", std::strerror(errno));
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  mcp::Workspace ws(root);
  mcp::ServerOptions opt;
  opt.max_output_tokens = a.max_tokens;
  mcp::McpServer server(ws, opt);
  server::HttpOptions hopt;
  hopt.host = a.host;
  hopt.port = a.port;
  hopt.allowed_origins = a.allow_origins;
  if (const char* token = std::getenv("PAMPAX_TOKEN")) hopt.token = token;
  server::HttpServer http(server, hopt);
  server::register_api(http, ws);
  if (Status st = http.bind(); !st.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
    return 1;
  }
  const std::string base = "http://" + (a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host) +
                           ":" + std::to_string(http.bound_port());
  std::fprintf(stderr,
               "pampax serve: %s\n  web page %s/\n  JSON API %s/api/  metrics %s/metrics  MCP %s/mcp%s\n",
               root.c_str(), base.c_str(), base.c_str(), base.c_str(), base.c_str(),
               hopt.token.empty() ? "" : "\n  every API, metrics and MCP request needs 'Authorization: Bearer $PAMPAX_TOKEN'");
  std::thread waiter([&] {
    unsigned char sig = 0;
    ssize_t n;
    do n = ::read(g_stop_pipe[0], &sig, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1 && sig != 0) std::fprintf(stderr, "pampax serve: stopping (signal %d)\n", sig);
    http.stop();
  });
  Status st = http.run();
  // Wake the waiter if the server stopped by itself.
  const unsigned char zero = 0;
  (void)!::write(g_stop_pipe[1], &zero, 1);
  waiter.join();
  if (!st.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace pampax
