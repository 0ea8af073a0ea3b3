// pampax serve's JSON API, /metrics and the web page, registered on an HttpServer.
//
//   GET|POST /api/search     query, mode, limit, lang, path (glob), kind, group_by, explain
//   GET|POST /api/assemble   query, budget, format, tokenizer, evidence, mode, lang, path, kind
//   GET      /api/chunk      id: the chunk's code and metadata (404 when unknown)
//   GET|POST /api/symbols    name (+ match, kind, lang, path, limit) or file (a file's symbols)
//   GET      /api/stats      what the index holds
//   GET      /api/health     core/health.h's report: 200 when healthy, 503 otherwise
//   GET      /api/metrics    the metrics as JSON (histograms, counters, gauges, performance)
//   GET      /metrics        Prometheus text exposition format 0.0.4
//   GET      /               the web page (static, embedded: server/web_assets.h)
// docs/http-api.md has examples. GET takes query parameters, POST a JSON object with the same
// names (Content-Type: application/json). Aliases: q = query, path = path_glob, max_tokens =
// budget. Errors are JSON {"error": {"status", "code", "message"}}: 400 bad parameters, 404
// unknown chunk/file/route or no index yet, 405 wrong method, 415 not JSON, 500 otherwise.
//
// Every request is timed into the index's metrics (operation "http_<route>", e.g.
// http_api_search, http_metrics, http_mcp, http_page), next to the Engine's own operations.
// Threading: handlers run on the server's worker threads; the Workspace serialises Engine use.
#pragma once
#include <string>

#include "mcp/workspace.h"
#include "server/http_server.h"

namespace pampax::server {

// Registers the routes above on `server` and sets its request observer. REQUIRES: before
// server.run(); `ws` outlives the server.
void register_api(HttpServer& server, mcp::Workspace& ws);

// The metrics operation name of a request path ("/api/search" -> "http_api_search"; unknown
// paths -> "http_other"), so that the label set stays small.
std::string route_operation(const std::string& path);

}  // namespace pampax::server
