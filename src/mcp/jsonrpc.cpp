#include "mcp/jsonrpc.h"

#include <algorithm>

namespace pampax::mcp {

const std::vector<std::string>& supported_protocol_versions() {
  // 2025-03-26 is accepted for older clients (it differs in what we do not use: batches,
  // which we refuse in every revision, and no structuredContent, which such clients ignore).
  static const std::vector<std::string> v = {"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"};
  return v;
}

bool protocol_version_supported(std::string_view v) {
  const auto& all = supported_protocol_versions();
  return std::find(all.begin(), all.end(), v) != all.end();
}

std::string negotiate_protocol_version(std::string_view requested) {
  if (protocol_version_supported(requested)) return std::string(requested);
  return supported_protocol_versions().front();
}

namespace {
bool valid_id(const json& id) {
  // MCP: ids are strings or integers, never null (JSON-RPC's fractional ids are not allowed).
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}
}  // namespace

Classified classify(const json& msg) {
  Classified c;
  if (msg.is_array()) {
    c.error = make_error(nullptr, kInvalidRequest,
                         "JSON-RPC batches are not supported (removed in MCP 2025-06-18): send "
                         "one message per line");
    return c;
  }
  if (!msg.is_object()) {
    c.error = make_error(nullptr, kInvalidRequest, "a JSON-RPC message must be a JSON object");
    return c;
  }
  json id = nullptr;
  auto it = msg.find("id");
  bool has_id = it != msg.end();
  if (has_id) {
    if (!valid_id(*it)) {
      c.error = make_error(nullptr, kInvalidRequest, "\"id\" must be a string or an integer");
      return c;
    }
    id = *it;
  }
  auto v = msg.find("jsonrpc");
  if (v == msg.end() || !v->is_string() || v->get<std::string>() != "2.0") {
    c.error = make_error(id, kInvalidRequest, "\"jsonrpc\" must be \"2.0\"");
    return c;
  }
  auto m = msg.find("method");
  if (m == msg.end()) {
    if (has_id && (msg.contains("result") || msg.contains("error"))) {
      c.kind = Classified::kResponse;
      c.id = id;
      return c;
    }
    c.error = make_error(id, kInvalidRequest, "a request needs a \"method\" string");
    return c;
  }
  if (!m->is_string()) {
    c.error = make_error(id, kInvalidRequest, "\"method\" must be a string");
    return c;
  }
  c.method = m->get<std::string>();
  auto p = msg.find("params");
  if (p == msg.end() || p->is_null()) {
    c.params = json::object();
  } else if (p->is_object()) {
    c.params = *p;
  } else {
    // JSON-RPC allows positional params, MCP never uses them: name the problem precisely.
    // A notification gets no answer, not even an error.
    if (has_id) c.error = make_error(id, kInvalidParams, "\"params\" must be an object");
    return c;
  }
  c.kind = has_id ? Classified::kRequest : Classified::kNotification;
  c.id = id;
  return c;
}

json make_result(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json make_error(const json& id, int code, std::string_view message, json data) {
  json err = {{"code", code}, {"message", std::string(message)}};
  if (!data.is_null()) err["data"] = std::move(data);
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}};
}

std::string serialize(const json& msg) {
  return msg.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace pampax::mcp
