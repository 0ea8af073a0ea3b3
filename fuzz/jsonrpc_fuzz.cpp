// Fuzz target: JSON-RPC framing and classification of the MCP server (mcp/jsonrpc.h), fed the
// way the stdio transport feeds it: the input is a byte stream cut into lines at '\n'; blank
// lines are skipped, every other line is parsed (non-JSON gets a parse error) and classified.
// Checks: every answer the server would write is one line of valid JSON (the framing of the
// transport) with "jsonrpc":"2.0"; requests carry a string or integer id and object params.
// Built only when src/mcp/jsonrpc.cpp exists (see cmake/fuzz.cmake).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mcp/jsonrpc.h"

using namespace pampax::mcp;

namespace {

void check_wire(const json& msg) {
  std::string line = serialize(msg);
  FUZZ_CHECK(line.find('\n') == std::string::npos, "an answer spans lines: %s", line.c_str());
  json back = json::parse(line, nullptr, false);
  FUZZ_CHECK(!back.is_discarded(), "an answer is not JSON: %s", line.c_str());
  FUZZ_CHECK(back.is_object() && back.value("jsonrpc", "") == "2.0", "not JSON-RPC 2.0: %s",
             line.c_str());
  FUZZ_CHECK(back.contains("result") != back.contains("error"), "result xor error: %s", line.c_str());
}

void handle_line(std::string_view l) {
  if (l.find_first_not_of(" \t\r") == std::string_view::npos) return;
  json msg = json::parse(l, nullptr, false);
  if (msg.is_discarded()) {
    check_wire(make_error(nullptr, kParseError, "parse error: the line is not valid JSON"));
    return;
  }
  Classified c = classify(msg);
  switch (c.kind) {
    case Classified::kInvalid:
      if (!c.error.is_null()) {
        check_wire(c.error);
        int code = c.error["error"]["code"];
        FUZZ_CHECK(code == kInvalidRequest || code == kInvalidParams, "code %d", code);
      }
      break;
    case Classified::kRequest:
      FUZZ_CHECK(c.id.is_string() || c.id.is_number_integer() || c.id.is_number_unsigned(),
                 "request id %s", c.id.dump().c_str());
      FUZZ_CHECK(c.params.is_object(), "params %s", c.params.dump().c_str());
      // Echo everything the client sent back: ids, method names and params may hold any
      // text, including invalid UTF-8 (replaced on the wire).
      check_wire(make_result(c.id, {{"method", c.method}, {"params", c.params}}));
      check_wire(make_error(c.id, kMethodNotFound, "unknown method " + c.method, c.params));
      // The server refuses a non-string protocolVersion (-32602) before negotiating; so does
      // this harness (json::value would throw on an object: the first finding, a harness bug).
      if (auto v = c.params.find("protocolVersion"); v != c.params.end() && v->is_string())
        (void)negotiate_protocol_version(v->get<std::string>());
      break;
    case Classified::kNotification:
      FUZZ_CHECK(c.id.is_null() && c.params.is_object(), "notification %s", msg.dump().c_str());
      break;
    case Classified::kResponse:
      FUZZ_CHECK(!c.id.is_null(), "response without id");
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view buf(reinterpret_cast<const char*>(data), size);
  size_t start = 0, nl;
  while ((nl = buf.find('\n', start)) != std::string_view::npos) {
    handle_line(buf.substr(start, nl - start));
    start = nl + 1;
  }
  handle_line(buf.substr(start));  // a last line without its newline
  return 0;
}
