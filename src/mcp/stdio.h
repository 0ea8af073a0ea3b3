// The stdio transport: newline-delimited JSON-RPC on a pair of file descriptors (stdin and
// stdout for `pampax mcp`). The reading thread decodes every line; tool calls and resource
// reads run on a small pool of worker threads so that reading continues (cancellations,
// searches during a long index call). Writes are serialised, one message per line, flushed.
// Nothing else may write to the output: logs go to stderr.
#pragma once
#include "mcp/server.h"

namespace pampax::mcp {

// Serves until end of input (the client closed the pipe: the specification's shutdown), then
// finishes the requests already received and returns 0. `workers` >= 1.
int serve_stdio(McpServer& server, int in_fd, int out_fd, int workers = 4);

}  // namespace pampax::mcp
