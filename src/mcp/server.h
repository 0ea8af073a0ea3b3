// The MCP protocol engine, independent of the transport: lifecycle (initialize, version
// negotiation, initialized, ping, server/discover), tools, resources, logging, progress and
// cancellation. Transports (mcp/stdio.h, server/http_server.h) feed it decoded messages and
// deliver what it emits.
//
// McpServer holds what all sessions share (workspace, tool registry, options); a Session is
// one client connection's state (negotiated version, log level, requests in flight).
//
// Threading: McpServer is immutable once serving starts. Session::handle may be called from
// several threads at once (one request per thread); its state is internally synchronised.
// The Emit callback may be called from any of those threads and must be thread-safe.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mcp/jsonrpc.h"
#include "mcp/tools.h"
#include "mcp/workspace.h"

namespace pampax::mcp {

struct ServerOptions {
  size_t max_output_tokens = 10000;  // default token cap of every tool result
  bool log_to_stderr = true;         // mirror client log notifications on stderr
};

class McpServer {
 public:
  McpServer(Workspace& ws, ServerOptions options);
  Workspace& workspace() { return ws_; }
  ToolRegistry& tools() { return tools_; }
  const ServerOptions& options() const { return opt_; }
  // The capabilities and identity sent by initialize and server/discover.
  json capabilities() const;
  json server_info() const;
  std::string instructions() const;

 private:
  Workspace& ws_;
  ServerOptions opt_;
  ToolRegistry tools_;
};

using Emit = std::function<void(const json& message)>;

class Session {
 public:
  explicit Session(McpServer& server);

  // Handles one incoming message on the calling thread. Everything it sends (progress and log
  // notifications about a request, then the request's response) goes through `emit`; a
  // notification or a response from the client emits nothing. A request cancelled by the
  // client while running gets no response (as the specification asks).
  void handle(const json& message, const Emit& emit);
  // Decodes one line first: a line that is not JSON gets a -32700 error (id null). Blank
  // lines are ignored.
  void handle_line(std::string_view line, const Emit& emit);

  // Requests that may take long (tool calls, resource reads): the stdio transport runs these
  // on worker threads so that it keeps reading (cancellations, other requests).
  static bool runs_long(const json& message);

  // Marks every request in flight as cancelled (client gone).
  void cancel_all();

  bool initialized() const { return initialized_.load(); }
  std::string protocol_version() const;

 private:
  json dispatch(const Classified& c, const Emit& emit, const std::atomic<bool>& cancelled);
  json call_tool(const Classified& c, const Emit& emit, const std::atomic<bool>& cancelled);
  json read_resource(const Classified& c);
  void log(LogLevel level, const std::string& text, const Emit& emit);

  McpServer& server_;
  std::atomic<bool> initialized_{false};
  std::atomic<int> log_level_{static_cast<int>(LogLevel::kWarning)};
  mutable std::mutex mu_;
  std::string version_;                                            // guarded by mu_
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> inflight_;  // id dump -> cancelled
};

}  // namespace pampax::mcp
