#include "app/cmd_mcp.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "mcp/server.h"
#include "mcp/stdio.h"
#include "server/http_server.h"

namespace pampax {

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
  // SIGINT/SIGTERM are taken by a thread that stops the server cleanly.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  mcp::Workspace ws(root);
  mcp::ServerOptions opt;
  opt.max_output_tokens = a.max_tokens;
  mcp::McpServer server(ws, opt);
  server::HttpOptions hopt;
  hopt.host = a.host;
  hopt.port = a.port;
  hopt.allowed_origins = a.allow_origins;
  server::HttpServer http(server, hopt);
  if (Status st = http.bind(); !st.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "pampax serve: %s on http://%s:%d/mcp\n", root.c_str(), a.host.c_str(),
               http.bound_port());
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != 0) std::fprintf(stderr, "pampax serve: stopping (signal %d)\n", sig);
    http.stop();
  });
  Status st = http.run();
  // Wake the waiter if the server stopped by itself.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (!st.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace pampax
