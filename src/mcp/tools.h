// MCP tools: the registry (name -> schemas + handler) and pampax's core tools over the
// Workspace. Adding a tool is one call to ToolRegistry::add (see register_core_tools).
//
// Every tool returns a JSON object (structuredContent, matching its outputSchema) plus a
// compact text rendering for clients that only show text. Every tool bounds its output by a
// token cap (ToolContext::max_tokens, estimated with assemble/tokenizer.h's estimate) and says
// when it truncated and how to get the rest (a cursor, a start line, narrower filters).
#pragma once
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/workspace.h"
#include "util/status.h"

namespace pampax::mcp {

using json = nlohmann::json;

// RFC 5424 levels, as MCP's logging uses them (least to most severe).
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
const char* log_level_name(LogLevel l);
bool parse_log_level(std::string_view s, LogLevel* out);

// What a handler may use while it runs. Valid for the duration of the call only.
struct ToolContext {
  Workspace& ws;
  const std::atomic<bool>& cancelled;  // the client sent notifications/cancelled
  size_t max_tokens = 10000;           // cap on the result's size (estimated tokens)
  // Progress towards completion (monotonic); a no-op unless the client sent a progressToken.
  std::function<void(double progress, double total, const std::string& message)> progress;
  // A log message for the client (notifications/message, filtered by its level) and stderr.
  std::function<void(LogLevel, const std::string&)> log;
};

struct ToolOutput {
  json structured = json::object();  // must validate against the tool's outputSchema
  std::string text;                  // what a text-only client shows the model
};

// Returns the output, or a Status that becomes an isError result carrying its message
// (kCancelled: no result at all, the request was cancelled).
using ToolHandler = std::function<Result<ToolOutput>(const json& args, ToolContext& ctx)>;

struct ToolDef {
  std::string name, title, description;
  json input_schema, output_schema;  // JSON Schema objects
  json annotations = json::object(); // readOnlyHint, idempotentHint, ...
  ToolHandler run;
};

class ToolRegistry {
 public:
  // Adds or replaces (same name) a tool. REQUIRES: called before the server starts serving.
  void add(ToolDef tool);
  const ToolDef* find(std::string_view name) const;
  const std::vector<ToolDef>& tools() const { return tools_; }
  // The tools/list entries.
  json list() const;

 private:
  std::vector<ToolDef> tools_;
};

// search_code, get_code_chunk, find_symbol, find_references, index_project, update_project,
// get_project_stats, health.
void register_core_tools(ToolRegistry& reg);

// Validates `args` against the simple schemas we write (object with typed properties,
// required, enums, integer bounds, no unknown properties). kInvalidArgument naming the field.
Status check_arguments(const json& schema, const json& args);

// Estimated tokens of a JSON value as sent (compact serialisation).
size_t json_tokens(const json& j);

// URL-safe base64 without padding (opaque cursors).
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string* out);

}  // namespace pampax::mcp
