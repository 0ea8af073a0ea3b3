// JSON-RPC 2.0 as MCP uses it: message classification, error codes, response builders, and
// the protocol revisions this server speaks. Pure functions; no I/O, no state.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace pampax::mcp {

using json = nlohmann::json;

// JSON-RPC 2.0 error codes, plus MCP's "resource not found".
enum ErrorCode : int {
  kParseError = -32700,      // the line is not JSON
  kInvalidRequest = -32600,  // JSON, but not a JSON-RPC 2.0 request object
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kResourceNotFound = -32002,
};

// MCP revisions we implement, newest first. initialize answers with the client's revision when
// it is one of these, otherwise with the newest.
const std::vector<std::string>& supported_protocol_versions();
bool protocol_version_supported(std::string_view v);
std::string negotiate_protocol_version(std::string_view requested);

// What one decoded JSON value is. For kInvalid, `error` holds the -32600 response to send
// (id null when the id itself is unusable).
struct Classified {
  enum Kind { kRequest, kNotification, kResponse, kInvalid } kind = kInvalid;
  json id;            // request id (string or integer), null otherwise
  std::string method;
  json params;        // object (empty object when absent)
  json error;         // for kInvalid: the complete error response (null: send nothing)
};
Classified classify(const json& msg);

json make_result(const json& id, json result);
json make_error(const json& id, int code, std::string_view message, json data = nullptr);
// Serialises a message for the wire: one line, no trailing newline, invalid UTF-8 replaced.
std::string serialize(const json& msg);

}  // namespace pampax::mcp
