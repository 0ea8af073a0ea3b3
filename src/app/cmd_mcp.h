// `pampax mcp` (MCP over stdio) and `pampax serve` (HTTP: MCP at /mcp): the thin command
// layer over mcp/ and server/. Both return the process exit code.
#pragma once
#include <string>
#include <vector>

namespace pampax {

struct McpArgs {
  std::string path = ".";
  size_t max_tokens = 10000;  // default token cap per tool result
  std::string host = "127.0.0.1";
  int port = 7420;
  std::vector<std::string> allow_origins;
};

int run_mcp_stdio(const McpArgs& a);
int run_http_serve(const McpArgs& a);

}  // namespace pampax
