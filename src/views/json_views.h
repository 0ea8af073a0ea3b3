// JSON forms of the Engine's answers, and the parsing of the requests that produce them,
// shared by every front end: the MCP tools (mcp/tools.cpp), the HTTP JSON API (server/api.cpp)
// and the CLI's --output json (app/cmd_ops.cpp). One function per shape, so the three agree.
//
// Request parsers take a JSON object of arguments whose types were already checked against a
// schema (mcp::check_arguments): absent or null members take their defaults.
// Errors: kInvalidArgument with a message naming the argument.
// Threading: pure functions, except find_symbols (uses the Engine: one thread at a time).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "assemble/assembler.h"
#include "assemble/bundle.h"
#include "core/engine.h"
#include "core/health.h"
#include "ops/metrics.h"
#include "search/types.h"
#include "util/status.h"

namespace pampax::views {

using json = nlohmann::json;

// ---- arguments ----
std::string arg_str(const json& a, const char* key, std::string def = "");
int64_t arg_int(const json& a, const char* key, int64_t def);
bool arg_bool(const json& a, const char* key, bool def);

// A user-supplied language name ("py", "Python", "c++") as lang_name() spells it; "" stays "".
Status resolve_lang(const std::string& lang, std::string* out);

// query (required), limit (default 10), mode (hybrid|bm25|vector|symbol, default hybrid),
// lang, path_glob, kind, group_by (symbol, the default|none|file).
Result<SearchRequest> search_request(const json& args);
// query (required), budget (default 8000), format (markdown|json), tokenizer
// (cl100k|o200k|estimate), evidence, mode, lang, path_glob, kind.
Result<AssembleRequest> assemble_request(const json& args);

// ---- results ----
json evidence_json(const Evidence& e);
// id, path, start_line, end_line, kind, symbol, lang, score, snippet; file_hits when grouped
// by file, pieces when grouped by symbol (the symbol's chunks among the candidates) and, for
// more than one, symbol_lines [start, end] (the whole symbol); evidence when explain.
json search_hit_json(const SearchHit& h, GroupBy group, bool explain = false);
// Adds how the question was rewritten to a search answer: "language_hint" (array of
// language names) and "corrections" ([{typed, searched}]), each only when not empty.
void add_rewrite_json(json& out, const SearchResponse& r);
// The JSON Schema properties add_rewrite_json() may add (for output schemas).
json rewrite_schema_properties();
json symbol_json(const SymbolRow& s);
// get_project_stats / `pampax stats --output json` shape.
json info_json(const IndexInfo& i);
// `pampax health --output json`.
json health_json(const HealthReport& r);
// `pampax metrics --output json`: histograms (cumulative buckets, p50/p95/p99), counters,
// gauges, and this process's resources when `process` is given.
json metrics_json(const MetricsSnapshot& s, const ProcessStats* process = nullptr);
// Prometheus label text (a="x",b="y") as an object.
json labels_json(const std::string& labels);
// A bundle's summary: query, budget, tokens, format, mode, items (with tokens and evidence,
// without their text), omitted_items, omitted_tokens, warnings. The rendered text is b.text.
json bundle_json(const Bundle& b);

// ---- lookups shared by the MCP tools and the HTTP API ----
// Symbol definitions by name. match: "exact" | "prefix" | "contains" | "auto" (exact, then
// prefix, then contains: the first that finds any). *used is the match that answered.
// At most `limit` rows (pass limit + 1 to learn whether there are more).
Result<std::vector<SymbolRow>> find_symbols(Engine& e, const std::string& name,
                                            const std::string& match, const std::string& kind,
                                            const SearchFilters& filters, int limit,
                                            std::string* used);

// The chunk with this id. Errors: kNotFound with a message that says ids change on re-index;
// store errors as they are.
Result<ChunkRow> chunk_by_id(Engine& e, int64_t id);

}  // namespace pampax::views
