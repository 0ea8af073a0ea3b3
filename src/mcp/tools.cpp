#include "mcp/tools.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "assemble/assembler.h"
#include "core/health.h"
#include "assemble/tokenizer.h"
#include "mcp/jsonrpc.h"
#include "parse/language.h"
#include "search/types.h"
#include "views/json_views.h"

namespace pampax::mcp {

// ---------------------------------------------------------------------------------------
// Registry, levels, helpers

const char* log_level_name(LogLevel l) {
  static const char* names[] = {"debug", "info",     "notice", "warning",
                                "error", "critical", "alert",  "emergency"};
  return names[static_cast<int>(l)];
}

bool parse_log_level(std::string_view s, LogLevel* out) {
  for (int i = 0; i <= static_cast<int>(LogLevel::kEmergency); ++i)
    if (s == log_level_name(static_cast<LogLevel>(i))) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  return false;
}

void ToolRegistry::add(ToolDef tool) {
  for (ToolDef& t : tools_)
    if (t.name == tool.name) {
      t = std::move(tool);
      return;
    }
  tools_.push_back(std::move(tool));
}

const ToolDef* ToolRegistry::find(std::string_view name) const {
  for (const ToolDef& t : tools_)
    if (t.name == name) return &t;
  return nullptr;
}

json ToolRegistry::list() const {
  json out = json::array();
  for (const ToolDef& t : tools_) {
    json j = {{"name", t.name},
              {"title", t.title},
              {"description", t.description},
              {"inputSchema", t.input_schema},
              {"outputSchema", t.output_schema}};
    if (!t.annotations.empty()) j["annotations"] = t.annotations;
    out.push_back(std::move(j));
  }
  return out;
}

size_t json_tokens(const json& j) { return estimate_bpe_tokens(serialize(j)); }

std::string base64url_encode(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
  }
  return out;
}

bool base64url_decode(std::string_view in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return bits < 6;  // a lone trailing character cannot come from an encoder
}

namespace {

std::string type_name(const json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

bool has_type(const json& v, const std::string& t) {
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || v.is_number_unsigned() ||
                             (v.is_number_float() && v.get<double>() == static_cast<double>(
                                                                          static_cast<int64_t>(v.get<double>())));
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  return true;
}

}  // namespace

Status check_arguments(const json& schema, const json& args) {
  if (!args.is_object()) return InvalidArgument("the tool arguments must be a JSON object");
  const json& props = schema.value("properties", json::object());
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (!props.contains(it.key())) {
      std::string known;
      for (auto p = props.begin(); p != props.end(); ++p) known += (known.empty() ? "" : ", ") + p.key();
      return InvalidArgument("unknown argument '" + it.key() + "' (this tool takes: " + known + ")");
    }
    const json& p = props[it.key()];
    const json& v = it.value();
    if (v.is_null()) continue;  // treated as absent
    if (p.contains("type") && !has_type(v, p["type"].get<std::string>()))
      return InvalidArgument("argument '" + it.key() + "' must be " +
                             (p["type"] == "integer" ? std::string("an integer")
                                                     : "a " + p["type"].get<std::string>()) +
                             ", got " + type_name(v));
    if (p.contains("enum")) {
      bool ok = false;
      for (const json& e : p["enum"]) ok = ok || e == v;
      if (!ok) {
        std::string allowed;
        for (const json& e : p["enum"]) allowed += (allowed.empty() ? "" : ", ") + e.get<std::string>();
        return InvalidArgument("argument '" + it.key() + "' must be one of: " + allowed);
      }
    }
    if (v.is_number()) {
      double d = v.get<double>();
      if (p.contains("minimum") && d < p["minimum"].get<double>())
        return InvalidArgument("argument '" + it.key() + "' must be at least " + p["minimum"].dump());
      if (p.contains("maximum") && d > p["maximum"].get<double>())
        return InvalidArgument("argument '" + it.key() + "' must be at most " + p["maximum"].dump());
    }
    if (v.is_string() && p.contains("minLength") &&
        v.get<std::string>().size() < p["minLength"].get<size_t>())
      return InvalidArgument("argument '" + it.key() + "' must not be empty");
  }
  for (const json& r : schema.value("required", json::array()))
    if (!args.contains(r.get<std::string>()) || args[r.get<std::string>()].is_null())
      return InvalidArgument("missing required argument '" + r.get<std::string>() + "'");
  return Status::Ok();
}

namespace {

// ---------------------------------------------------------------------------------------
// Argument access (after check_arguments: types are right when present)

using views::arg_bool;
using views::arg_int;
using views::arg_str;
using views::resolve_lang;
using views::search_hit_json;
using views::symbol_json;

size_t cap_for(const json& a, const ToolContext& ctx) {
  return static_cast<size_t>(arg_int(a, "max_tokens", static_cast<int64_t>(ctx.max_tokens)));
}

// Schema fragments shared by several tools.
json max_tokens_prop() {
  return {{"type", "integer"}, {"minimum", 200}, {"maximum", 100000},
          {"description", "Cap on the size of this result in tokens (default: the server's, "
                          "10000 unless configured). Longer results are cut and say how to get "
                          "the rest."}};
}
json filter_props(json props) {
  props["lang"] = {{"type", "string"},
                   {"description", "Only files of this language (python, javascript, typescript, "
                                   "cpp, c, go, rust, java, ...)"}};
  props["path_glob"] = {{"type", "string"},
                        {"description", "Only paths matching this glob, relative to the root "
                                        "(e.g. 'src/*', '*.py', 'lib/net/*')"}};
  props["max_tokens"] = max_tokens_prop();
  return props;
}
json object_schema(json props, json required = json::array()) {
  json s = {{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}
json out_schema(json props, json required) {
  return {{"type", "object"}, {"properties", std::move(props)}, {"required", std::move(required)}};
}

std::string lines_of(uint32_t a, uint32_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b);
}

// ---------------------------------------------------------------------------------------
// search_code

ToolDef search_code_tool() {
  ToolDef t;
  t.name = "search_code";
  t.title = "Search code";
  t.description =
      "Search the indexed repository for code relevant to a query: words, identifiers, an error "
      "message or a whole question. Returns ranked chunks (functions, classes, sections) with "
      "path, line range, symbol, score and a short snippet; fetch the full text with "
      "get_code_chunk (by id). Results are paginated: pass next_cursor back as cursor (with the "
      "same query) for more.";
  json props = {
      {"query", {{"type", "string"}, {"minLength", 1}, {"description", "What to look for"}}},
      {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}, {"default", 10},
                 {"description", "Results per page (default 10)"}}},
      {"mode", {{"type", "string"}, {"enum", json::array({"hybrid", "bm25", "vector", "symbol"})},
                {"description", "hybrid (default: lexical + vectors when the index has them), "
                                "bm25 (lexical only), vector, symbol (symbol names only)"}}},
      {"kind", {{"type", "string"},
                {"description", "Only chunks of this kind (function, method, class, struct, ...)"}}},
      {"group_by", {{"type", "string"}, {"enum", json::array({"symbol", "none", "file"})},
                    {"description", "symbol (default): the pieces of a long symbol are one "
                                    "result; none: every chunk; file: one result per file, for "
                                    "'which file' questions"}}},
      {"cursor", {{"type", "string"},
                  {"description", "next_cursor from a previous call, to get the next page"}}},
  };
  t.input_schema = object_schema(filter_props(props), {"query"});
  json hit = {{"type", "object"},
              {"properties",
               {{"id", {{"type", "integer"}, {"description", "chunk id for get_code_chunk"}}},
                {"path", {{"type", "string"}}},
                {"start_line", {{"type", "integer"}}},
                {"end_line", {{"type", "integer"}}},
                {"kind", {{"type", "string"}}},
                {"symbol", {{"type", "string"}}},
                {"lang", {{"type", "string"}}},
                {"score", {{"type", "number"}}},
                {"snippet", {{"type", "string"}}},
                {"file_hits", {{"type", "integer"}}},
                {"pieces", {{"type", "integer"}}},
                {"symbol_lines", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}},
              {"required", json::array({"id", "path", "start_line", "end_line", "score"})}};
  json search_props = {{"query", {{"type", "string"}}},
       {"mode", {{"type", "string"}}},
       {"offset", {{"type", "integer"}}},
       {"results", {{"type", "array"}, {"items", hit}}},
       {"next_cursor", {{"type", "string"}, {"description", "pass as cursor for the next page"}}},
       {"truncated", {{"type", "boolean"},
                      {"description", "true when the token cap cut this page short"}}},
       {"warnings", {{"type", "array"}, {"items", {{"type", "string"}}}}}};
  search_props.update(views::rewrite_schema_properties());
  t.output_schema = out_schema(std::move(search_props),
      {"query", "mode", "offset", "results", "truncated", "warnings"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json& a, ToolContext& ctx) -> Result<ToolOutput> {
    // The cursor carries the whole request, so a page is the same search at a later offset.
    json q = {{"query", arg_str(a, "query")},    {"limit", arg_int(a, "limit", 10)},
              {"mode", arg_str(a, "mode", "hybrid")}, {"lang", arg_str(a, "lang")},
              {"path_glob", arg_str(a, "path_glob")}, {"kind", arg_str(a, "kind")},
              {"group_by", arg_str(a, "group_by", "symbol")}, {"offset", 0}};
    if (a.contains("cursor") && !a["cursor"].is_null()) {
      std::string raw;
      json c;
      if (!base64url_decode(a["cursor"].get<std::string>(), &raw) ||
          (c = json::parse(raw, nullptr, false)).is_discarded() || !c.is_object() ||
          !c.contains("offset") || !c["offset"].is_number_integer() || !c.contains("query"))
        return InvalidArgument("invalid cursor: pass next_cursor exactly as a previous "
                               "search_code call returned it, or drop it to start over");
      if (c["query"] != q["query"])
        return InvalidArgument("this cursor belongs to another query (\"" +
                               c["query"].get<std::string>().substr(0, 80) +
                               "\"): repeat that query with it, or drop the cursor");
      q = c;
    }
    const int64_t limit = q["limit"].get<int64_t>(), offset = q["offset"].get<int64_t>();
    if (offset < 0 || offset + limit > 500)
      return InvalidArgument("search_code pages stop at 500 results: narrow the query with lang, "
                             "path_glob or kind instead");
    json qa = q;
    qa["limit"] = offset + limit + 1;  // one more: is there a next page?
    auto parsed = views::search_request(qa);
    if (!parsed.ok()) return parsed.status();
    SearchRequest req = std::move(*parsed);
    SearchResponse resp;
    PAMPAX_RETURN_IF_ERROR(ctx.ws.with_reader([&](Engine& e) -> Status {
      auto r = e.search(req);
      if (!r.ok()) return r.status();
      resp = std::move(*r);
      return Status::Ok();
    }));
    const size_t cap = cap_for(a, ctx);
    json results = json::array();
    json out = {{"query", req.query},
                {"mode", search_mode_name(resp.mode)},
                {"offset", offset},
                {"results", json::array()},
                {"truncated", false},
                {"warnings", resp.warnings}};
    views::add_rewrite_json(out, resp);
    size_t used = json_tokens(out) + 60;  // + the next_cursor and the text's frame
    std::string text;
    int64_t shown = 0;
    bool truncated = false;
    for (int64_t i = offset; i < static_cast<int64_t>(resp.hits.size()) && i < offset + limit; ++i) {
      json h = search_hit_json(resp.hits[i], req.group_by);
      size_t t = json_tokens(h);
      if (used + t > cap && shown > 0) {
        truncated = true;
        break;
      }
      if (used + t > cap) {  // a single hit larger than the cap: keep it, shorten its snippet
        std::string s = h["snippet"].get<std::string>();
        s.resize(std::min(s.size(), cap * 2));
        h["snippet"] = s + "\n[snippet cut at the token cap; get_code_chunk has the full text]";
        t = json_tokens(h);
      }
      used += t;
      const SearchHit& sh = resp.hits[i];
      char score[32];
      std::snprintf(score, sizeof score, "%.3g", sh.score);
      text += std::to_string(i + 1) + ". " + sh.path + ":" + lines_of(sh.start_line, sh.end_line) +
              "  " + sh.kind + (sh.symbol.empty() ? "" : " " + sh.symbol) + "  (score " + score +
              ", id " + std::to_string(sh.chunk_id) + ")\n";
      if (sh.symbol_end_line)
        text += "    best of " + std::to_string(sh.grouped) + " pieces; the whole symbol is lines " +
                lines_of(sh.symbol_start_line, sh.symbol_end_line) + "\n";
      std::string snip = h["snippet"].get<std::string>();
      size_t p = 0;
      while (p < snip.size()) {
        size_t nl = snip.find('\n', p);
        if (nl == std::string::npos) nl = snip.size();
        text += "    " + snip.substr(p, nl - p) + "\n";
        p = nl + 1;
      }
      results.push_back(std::move(h));
      ++shown;
    }
    out["results"] = std::move(results);
    out["truncated"] = truncated;
    bool more = truncated || static_cast<int64_t>(resp.hits.size()) > offset + limit;
    if (more && offset + shown < 500) {
      json next = q;
      next["offset"] = offset + shown;
      out["next_cursor"] = base64url_encode(serialize(next));
    }
    ToolOutput o;
    if (shown == 0) text = offset == 0 ? "No results.\n" : "No more results.\n";
    for (const std::string& w : resp.warnings) text += "warning: " + w + "\n";
    if (truncated)
      text += "[Cut at the " + std::to_string(cap) + "-token cap after " + std::to_string(shown) +
              " results.]\n";
    if (out.contains("next_cursor"))
      text += "More results: call search_code again with the same query and cursor=\"" +
              out["next_cursor"].get<std::string>() + "\".\n";
    o.text = std::move(text);
    o.structured = std::move(out);
    return o;
  };
  return t;
}

// ---------------------------------------------------------------------------------------
// get_code_chunk

ToolDef get_code_chunk_tool() {
  ToolDef t;
  t.name = "get_code_chunk";
  t.title = "Get code";
  t.description =
      "Read code from the index: a chunk by id (from search_code), or a file's lines by path "
      "(relative to the repository root) with optional start_line/end_line (1-based, "
      "inclusive). Paths outside the repository are refused. Long results are cut at the token "
      "cap; next_start_line says where to continue.";
  t.input_schema = object_schema(
      {{"id", {{"type", "integer"}, {"minimum", 1}, {"description", "Chunk id from search_code"}}},
       {"path", {{"type", "string"}, {"minLength", 1},
                 {"description", "File path relative to the repository root"}}},
       {"start_line", {{"type", "integer"}, {"minimum", 1}, {"description", "First line (default 1)"}}},
       {"end_line", {{"type", "integer"}, {"minimum", 1},
                     {"description", "Last line, inclusive (default: end of the chunk or file)"}}},
       {"max_tokens", max_tokens_prop()}});
  t.output_schema = out_schema(
      {{"path", {{"type", "string"}}},
       {"lang", {{"type", "string"}}},
       {"start_line", {{"type", "integer"}}},
       {"end_line", {{"type", "integer"}}},
       {"total_lines", {{"type", "integer"}}},
       {"text", {{"type", "string"}}},
       {"id", {{"type", "integer"}}},
       {"kind", {{"type", "string"}}},
       {"symbol", {{"type", "string"}}},
       {"truncated", {{"type", "boolean"}}},
       {"next_start_line", {{"type", "integer"}, {"description", "where to continue when truncated"}}}},
      {"path", "lang", "start_line", "end_line", "total_lines", "text", "truncated"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json& a, ToolContext& ctx) -> Result<ToolOutput> {
    const bool by_id = a.contains("id") && !a["id"].is_null();
    const bool by_path = a.contains("path") && !a["path"].is_null();
    if (by_id == by_path)
      return InvalidArgument("pass either id (a chunk id from search_code) or path (with "
                             "optional start_line/end_line), not both or neither");
    uint32_t start = static_cast<uint32_t>(arg_int(a, "start_line", 0));
    uint32_t end = static_cast<uint32_t>(arg_int(a, "end_line", 0));
    if (start && end && start > end)
      return InvalidArgument("start_line " + std::to_string(start) + " is after end_line " +
                             std::to_string(end));
    json out;
    Engine::FileSlice slice;
    PAMPAX_RETURN_IF_ERROR(ctx.ws.with_reader([&](Engine& e) -> Status {
      std::string path;
      if (by_id) {
        int64_t id = a["id"].get<int64_t>();
        auto c = views::chunk_by_id(e, id);
        if (!c.ok()) return c.status();
        path = c->path;
        out["id"] = id;
        out["kind"] = c->kind;
        out["symbol"] = c->qualified_name;
        if (!start) start = c->start_line;
        if (!end) end = c->end_line;
      } else {
        auto p = e.repo_path(a["path"].get<std::string>());
        if (!p.ok()) return p.status();
        path = *p;
      }
      auto s = e.read_file(path, start, end);
      if (!s.ok()) return s.status();
      slice = std::move(*s);
      return Status::Ok();
    }));
    // Cut at the cap on a line boundary.
    const size_t cap = cap_for(a, ctx);
    size_t keep = slice.text.size();
    uint32_t last = slice.end_line;
    bool truncated = false;
    if (estimate_bpe_tokens(slice.text) + 80 > cap) {
      size_t pos = 0, used = 80;
      uint32_t line = slice.start_line;
      keep = 0;
      while (pos < slice.text.size()) {
        size_t nl = slice.text.find('\n', pos);
        size_t next = nl == std::string::npos ? slice.text.size() : nl + 1;
        size_t t = estimate_bpe_tokens(std::string_view(slice.text).substr(pos, next - pos)) + 1;
        if (used + t > cap && keep > 0) break;
        used += t;
        keep = next;
        last = line++;
        pos = next;
      }
      truncated = keep < slice.text.size();
    }
    out["path"] = slice.path;
    out["lang"] = slice.lang;
    out["start_line"] = slice.start_line;
    out["end_line"] = truncated ? last : slice.end_line;
    out["total_lines"] = slice.total_lines;
    out["text"] = slice.text.substr(0, keep);
    out["truncated"] = truncated;
    if (truncated) out["next_start_line"] = last + 1;
    ToolOutput o;
    o.text = slice.path + ":" + lines_of(slice.start_line, out["end_line"].get<uint32_t>()) + " (" +
             std::to_string(slice.total_lines) + " lines in file)\n```" + slice.lang + "\n" +
             slice.text.substr(0, keep) + "```\n";
    if (truncated)
      o.text += "[Cut at the " + std::to_string(cap) + "-token cap: call get_code_chunk with path=\"" +
                slice.path + "\" start_line=" + std::to_string(last + 1) + " for the rest.]\n";
    o.structured = std::move(out);
    return o;
  };
  return t;
}

// ---------------------------------------------------------------------------------------
// find_symbol, find_references

json symbol_item_schema() {
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "integer"}}},
            {"name", {{"type", "string"}}},
            {"qualified_name", {{"type", "string"}}},
            {"kind", {{"type", "string"}}},
            {"path", {{"type", "string"}}},
            {"lang", {{"type", "string"}}},
            {"start_line", {{"type", "integer"}}},
            {"end_line", {{"type", "integer"}}},
            {"signature", {{"type", "string"}}}}},
          {"required", json::array({"name", "kind", "path", "start_line", "end_line"})}};
}

ToolDef find_symbol_tool() {
  ToolDef t;
  t.name = "find_symbol";
  t.title = "Find symbol definitions";
  t.description =
      "Find where a symbol (function, class, method, type, ...) is defined, by name. match=auto "
      "(default) tries the exact name (or qualified name), then names starting with it, then "
      "names containing it (case-insensitive). Returns path, lines, kind and signature.";
  t.input_schema = object_schema(
      filter_props({{"name", {{"type", "string"}, {"minLength", 1}, {"description", "Symbol name"}}},
                    {"kind", {{"type", "string"},
                              {"description", "Only this kind (function, method, class, struct, ...)"}}},
                    {"match", {{"type", "string"}, {"enum", json::array({"auto", "exact", "prefix", "contains"})},
                               {"description", "How to match the name (default auto)"}}},
                    {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}, {"default", 20},
                               {"description", "Maximum definitions (default 20)"}}}}),
      {"name"});
  t.output_schema = out_schema({{"name", {{"type", "string"}}},
                                {"match", {{"type", "string"}, {"description", "the match that found these"}}},
                                {"results", {{"type", "array"}, {"items", symbol_item_schema()}}},
                                {"truncated", {{"type", "boolean"}}}},
                               {"name", "match", "results", "truncated"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json& a, ToolContext& ctx) -> Result<ToolOutput> {
    const std::string name = arg_str(a, "name"), kind = arg_str(a, "kind"),
                      match = arg_str(a, "match", "auto");
    const int limit = static_cast<int>(arg_int(a, "limit", 20));
    SearchFilters f;
    PAMPAX_RETURN_IF_ERROR(resolve_lang(arg_str(a, "lang"), &f.lang));
    f.path_glob = arg_str(a, "path_glob");
    std::vector<SymbolRow> rows;
    std::string used_match = match;
    PAMPAX_RETURN_IF_ERROR(ctx.ws.with_reader([&](Engine& e) -> Status {
      auto r = views::find_symbols(e, name, match, kind, f, limit + 1, &used_match);
      if (!r.ok()) return r.status();
      rows = std::move(*r);
      return Status::Ok();
    }));
    const size_t cap = cap_for(a, ctx);
    json results = json::array();
    size_t used = 60;
    bool truncated = static_cast<int>(rows.size()) > limit;
    std::string text;
    for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
      json s = symbol_json(rows[i]);
      size_t tk = json_tokens(s);
      if (used + tk > cap && !results.empty()) {
        truncated = true;
        break;
      }
      used += tk;
      text += rows[i].path + ":" + lines_of(rows[i].start_line, rows[i].end_line) + "  " +
              rows[i].kind + " " + rows[i].qualified_name +
              (rows[i].signature.empty() ? "" : "\n    " + rows[i].signature) + "\n";
      results.push_back(std::move(s));
    }
    ToolOutput o;
    if (results.empty())
      o.text = "No definition of '" + name + "' found" + (kind.empty() ? "" : " of kind " + kind) +
               " (tried " + (match == "auto" ? "exact, prefix and contains" : match) +
               " matches). search_code may find it by text.\n";
    else
      o.text = std::to_string(results.size()) + " definition(s) (" + used_match + " match):\n" + text;
    if (truncated)
      o.text += "[More definitions exist: raise limit, or narrow with kind, lang or path_glob.]\n";
    o.structured = {{"name", name}, {"match", used_match}, {"results", std::move(results)},
                    {"truncated", truncated}};
    return o;
  };
  return t;
}

ToolDef find_references_tool() {
  ToolDef t;
  t.name = "find_references";
  t.title = "Find references";
  t.description =
      "Find the files and lines that use an identifier (exact name, e.g. a function, class or "
      "variable name; for a.b use the last part). Also lists where the name is defined.";
  t.input_schema = object_schema(
      filter_props({{"symbol", {{"type", "string"}, {"minLength", 1}, {"description", "Identifier"}}},
                    {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100},
                               {"description", "Maximum files (default 100)"}}}}),
      {"symbol"});
  json file_item = {{"type", "object"},
                    {"properties",
                     {{"path", {{"type", "string"}}},
                      {"lang", {{"type", "string"}}},
                      {"lines", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}},
                    {"required", json::array({"path", "lines"})}};
  t.output_schema = out_schema({{"symbol", {{"type", "string"}}},
                                {"definitions", {{"type", "array"}, {"items", symbol_item_schema()}}},
                                {"files", {{"type", "array"}, {"items", file_item}}},
                                {"file_count", {{"type", "integer"}}},
                                {"line_count", {{"type", "integer"}}},
                                {"truncated", {{"type", "boolean"}}}},
                               {"symbol", "definitions", "files", "file_count", "line_count", "truncated"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json& a, ToolContext& ctx) -> Result<ToolOutput> {
    const std::string sym = arg_str(a, "symbol");
    const int limit = static_cast<int>(arg_int(a, "limit", 100));
    SearchFilters f;
    PAMPAX_RETURN_IF_ERROR(resolve_lang(arg_str(a, "lang"), &f.lang));
    f.path_glob = arg_str(a, "path_glob");
    std::vector<RefRow> refs;
    std::vector<SymbolRow> defs;
    PAMPAX_RETURN_IF_ERROR(ctx.ws.with_reader([&](Engine& e) -> Status {
      auto r = e.store().find_refs(sym, f, limit + 1);
      if (!r.ok()) return r.status();
      refs = std::move(*r);
      auto d = e.store().find_symbols(sym, NameMatch::kExact, "", f, 10);
      if (!d.ok()) return d.status();
      defs = std::move(*d);
      return Status::Ok();
    }));
    const size_t cap = cap_for(a, ctx);
    bool truncated = static_cast<int>(refs.size()) > limit;
    json defs_j = json::array(), files = json::array();
    std::string text;
    size_t used = 80;
    for (const SymbolRow& d : defs) {
      json s = symbol_json(d);
      used += json_tokens(s);
      text += "defined: " + d.path + ":" + std::to_string(d.start_line) + "  " + d.kind + " " +
              d.qualified_name + "\n";
      defs_j.push_back(std::move(s));
    }
    int64_t line_count = 0;
    for (size_t i = 0; i < refs.size() && static_cast<int>(i) < limit; ++i) {
      json fj = {{"path", refs[i].path}, {"lang", refs[i].lang}, {"lines", refs[i].lines}};
      size_t tk = json_tokens(fj);
      if (used + tk > cap && !files.empty()) {
        truncated = true;
        break;
      }
      used += tk;
      std::string ls;
      for (uint32_t l : refs[i].lines) ls += (ls.empty() ? "" : ",") + std::to_string(l);
      text += refs[i].path + ": " + ls + "\n";
      line_count += static_cast<int64_t>(refs[i].lines.size());
      files.push_back(std::move(fj));
    }
    ToolOutput o;
    int64_t nfiles = static_cast<int64_t>(files.size());
    o.text = (files.empty() ? "No uses of '" + sym + "' found.\n"
                            : "'" + sym + "' is used on " + std::to_string(line_count) +
                                  " line(s) in " + std::to_string(nfiles) + " file(s):\n") + text;
    if (truncated)
      o.text += "[More files use it: narrow with path_glob or lang, or raise limit.]\n";
    o.structured = {{"symbol", sym},          {"definitions", std::move(defs_j)},
                    {"files", std::move(files)}, {"file_count", nfiles},
                    {"line_count", line_count}, {"truncated", truncated}};
    return o;
  };
  return t;
}

// ---------------------------------------------------------------------------------------
// index_project, update_project

// Forwards ProgressSink calls as MCP progress: one monotonic count across phases (indexing,
// then embedding), at most ~10 notifications a second.
class McpProgress : public ProgressSink {
 public:
  explicit McpProgress(ToolContext& ctx) : ctx_(ctx) {}
  void start(const std::string& phase, uint64_t total) override {
    base_ += total_;
    phase_ = phase;
    total_ = total;
    done_ = 0;
    send(true);
  }
  void advance(uint64_t done, uint64_t) override {
    done_ = std::min(done, total_);
    send(false);
  }
  void finish() override {
    done_ = total_;
    send(true);
  }

 private:
  void send(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double p = static_cast<double>(base_ + done_);
    if (p < sent_) return;  // never go backwards
    sent_ = p;
    ctx_.progress(p, static_cast<double>(base_ + total_),
                  phase_ + " " + std::to_string(done_) + "/" + std::to_string(total_) +
                      (phase_ == "indexing" ? " files" : " chunks"));
  }
  ToolContext& ctx_;
  std::string phase_;
  uint64_t base_ = 0, total_ = 0, done_ = 0;
  double sent_ = -1;
  std::chrono::steady_clock::time_point last_{};
};

json run_schema() {
  return out_schema({{"files_seen", {{"type", "integer"}}},
                     {"files_indexed", {{"type", "integer"}}},
                     {"files_unchanged", {{"type", "integer"}}},
                     {"files_touched", {{"type", "integer"}}},
                     {"files_deleted", {{"type", "integer"}}},
                     {"files_skipped", {{"type", "integer"}}},
                     {"chunks", {{"type", "integer"}}},
                     {"symbols", {{"type", "integer"}}},
                     {"seconds", {{"type", "number"}}},
                     {"warnings", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                     {"parser_upgrade", {{"type", "boolean"}}},
                     {"embeddings",
                      {{"type", "object"},
                       {"properties",
                        {{"model", {{"type", "string"}}},
                         {"embedded", {{"type", "integer"}}},
                         {"reused", {{"type", "integer"}}},
                         {"chunks", {{"type", "integer"}}}}}}}},
                    {"files_seen", "files_indexed", "files_unchanged", "files_deleted", "chunks",
                     "symbols", "seconds", "warnings"});
}

Result<ToolOutput> run_index_tool(bool update, const json& a, ToolContext& ctx) {
  McpProgress progress(ctx);
  auto r = ctx.ws.run_index(update, arg_bool(a, "force", false), &progress, &ctx.cancelled);
  if (!r.ok()) return r.status();
  const IndexReport& rep = r->index;
  json warnings = json::array();
  for (size_t i = 0; i < rep.warnings.size() && i < 20; ++i) warnings.push_back(rep.warnings[i]);
  if (rep.warnings.size() > 20)
    warnings.push_back("... and " + std::to_string(rep.warnings.size() - 20) + " more");
  json out = {{"files_seen", rep.files_seen},         {"files_indexed", rep.files_indexed},
              {"files_unchanged", rep.files_unchanged}, {"files_touched", rep.files_touched},
              {"files_deleted", rep.files_deleted},   {"files_skipped", rep.skipped.size()},
              {"chunks", rep.chunks},                 {"symbols", rep.symbols},
              {"seconds", rep.seconds},               {"warnings", warnings},
              {"parser_upgrade", rep.parser_upgrade}};
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%s: %llu files parsed, %llu unchanged, %llu deleted, %zu skipped; %llu chunks, "
                "%llu symbols in %.2f s\n",
                update ? "updated" : "indexed", static_cast<unsigned long long>(rep.files_indexed),
                static_cast<unsigned long long>(rep.files_unchanged + rep.files_touched),
                static_cast<unsigned long long>(rep.files_deleted), rep.skipped.size(),
                static_cast<unsigned long long>(rep.chunks),
                static_cast<unsigned long long>(rep.symbols), rep.seconds);
  ToolOutput o;
  o.text = buf;
  if (rep.parser_upgrade) o.text += "the index was made by an older parser: every file was parsed again\n";
  if (r->embed) {
    const EmbedReport& e = *r->embed;
    out["embeddings"] = {{"model", e.model_id}, {"embedded", e.embedded}, {"reused", e.reused},
                         {"chunks", e.chunks}};
    o.text += "embeddings: " + std::to_string(e.embedded) + " new, " + std::to_string(e.reused) +
              " reused of " + std::to_string(e.chunks) + " chunks (" + e.model_id + ")\n";
  }
  ctx.log(LogLevel::kInfo, o.text.substr(0, o.text.size() - 1));
  o.structured = std::move(out);
  return o;
}

ToolDef index_tool(bool update) {
  ToolDef t;
  t.name = update ? "update_project" : "index_project";
  t.title = update ? "Update the index" : "Index the project";
  t.description =
      update ? "Bring the existing index up to date: re-parse added and changed files, drop "
               "deleted ones (fast when little changed). Sends progress notifications when the "
               "request has a progressToken; can be cancelled (work done so far is kept)."
             : "Index the repository (incremental when an index exists; force=true re-parses "
               "every file). Searches keep working while it runs. Sends progress notifications "
               "when the request has a progressToken; can be cancelled (work done so far is kept).";
  json props = json::object();
  if (!update)
    props["force"] = {{"type", "boolean"}, {"description", "Re-parse every file even when unchanged"}};
  t.input_schema = object_schema(props);
  t.output_schema = run_schema();
  t.annotations = {{"readOnlyHint", false}, {"destructiveHint", false}, {"idempotentHint", true},
                   {"openWorldHint", false}};
  t.run = [update](const json& a, ToolContext& ctx) { return run_index_tool(update, a, ctx); };
  return t;
}

// ---------------------------------------------------------------------------------------
// get_project_stats, health

ToolDef stats_tool() {
  ToolDef t;
  t.name = "get_project_stats";
  t.title = "Project statistics";
  t.description = "What the index holds: files, chunks, symbols, languages, sizes, last update, "
                  "embeddings.";
  t.input_schema = object_schema(json::object());
  t.output_schema = out_schema(
      {{"root", {{"type", "string"}}},
       {"index", {{"type", "string"}}},
       {"files", {{"type", "integer"}}},
       {"chunks", {{"type", "integer"}}},
       {"symbols", {{"type", "integer"}}},
       {"refs", {{"type", "integer"}}},
       {"languages", {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}},
       {"index_bytes", {{"type", "integer"}}},
       {"source_bytes", {{"type", "integer"}}},
       {"source_lines", {{"type", "integer"}}},
       {"last_update", {{"type", "string"}}},
       {"schema_version", {{"type", "integer"}}},
       {"embeddings", {{"type", json::array({"object", "null"})}}}},
      {"root", "files", "chunks", "symbols", "languages", "last_update"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json&, ToolContext& ctx) -> Result<ToolOutput> {
    IndexInfo info;
    PAMPAX_RETURN_IF_ERROR(ctx.ws.with_reader([&](Engine& e) -> Status {
      auto r = e.info();
      if (!r.ok()) return r.status();
      info = std::move(*r);
      return Status::Ok();
    }));
    ToolOutput o;
    o.structured = views::info_json(info);
    std::string langs;
    for (auto& [l, n] : info.counts.languages) langs += " " + l + " " + std::to_string(n);
    o.text = "root: " + info.root + "\nfiles: " + std::to_string(info.counts.files) +
             "  chunks: " + std::to_string(info.counts.chunks) +
             "  symbols: " + std::to_string(info.counts.symbols) + "\nlanguages:" + langs +
             "\nlast update: " + (info.last_update.empty() ? "never completed" : info.last_update) +
             "\nembeddings: " +
             (info.embed_model.empty() ? "none (lexical search)"
                                       : info.embed_model + ", " + std::to_string(info.embedded_chunks) +
                                             " chunks") +
             "\n";
    return o;
  };
  return t;
}

// The same report as `pampax health --output json` and GET /api/health (core/health.h),
// plus whether an index run is in progress.
ToolDef health_tool() {
  ToolDef t;
  t.name = "health";
  t.title = "Index health";
  t.description =
      "Is the index usable? Checks that it exists and opens, its schema, PRAGMA quick_check, "
      "the embedder and vector coverage, files changed since the last update, free disk and "
      "memory. status: healthy, degraded (search works; results may be stale or lexical only) "
      "or unhealthy; every problem names the command that fixes it.";
  t.input_schema = object_schema(
      {{"quick_check", {{"type", "boolean"},
                        {"description", "Run PRAGMA quick_check (default true; reads the whole "
                                        "index file, ~1 s per GiB)"}}},
       {"stat_walk", {{"type", "boolean"},
                      {"description", "Compare the tree's files with the index (default true)"}}}});
  json check = {{"type", "object"},
                {"properties",
                 {{"name", {{"type", "string"}}},
                  {"status", {{"type", "string"}, {"enum", json::array({"ok", "warning", "error"})}}},
                  {"detail", {{"type", "string"}}},
                  {"fix", {{"type", "string"}}}}},
                {"required", json::array({"name", "status", "detail", "fix"})}};
  t.output_schema = out_schema(
      {{"status", {{"type", "string"}, {"enum", json::array({"healthy", "degraded", "unhealthy"})}}},
       {"root", {{"type", "string"}}},
       {"index", {{"type", "string"}}},
       {"indexing", {{"type", "boolean"}, {"description", "an index run is in progress"}}},
       {"index_present", {{"type", "boolean"}}},
       {"schema_version", {{"type", "integer"}}},
       {"index_format", {{"type", "string"}}},
       {"quick_check", {{"type", "string"}}},
       {"embedder", {{"type", "string"}}},
       {"embedder_ready", {{"type", "boolean"}}},
       {"chunks", {{"type", "integer"}}},
       {"embedded_chunks", {{"type", "integer"}}},
       {"files_new", {{"type", "integer"}}},
       {"files_changed", {{"type", "integer"}}},
       {"files_deleted", {{"type", "integer"}}},
       {"index_bytes", {{"type", "integer"}}},
       {"disk_free_bytes", {{"type", "integer"}}},
       {"mem_available_bytes", {{"type", "integer"}}},
       {"seconds", {{"type", "number"}}},
       {"checks", {{"type", "array"}, {"items", check}}}},
      {"status", "root", "indexing", "index_present", "checks"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json& a, ToolContext& ctx) -> Result<ToolOutput> {
    HealthOptions ho;
    ho.quick_check = arg_bool(a, "quick_check", true);
    ho.stat_walk = arg_bool(a, "stat_walk", true);
    HealthReport r = ctx.ws.health(ho);
    json out = views::health_json(r);
    out["indexing"] = ctx.ws.indexing();
    ToolOutput o;
    o.text = "status: " + r.status() + (ctx.ws.indexing() ? " (indexing now)" : "") + "\n";
    for (const HealthCheck& c : r.checks) {
      o.text += "- " + c.status + " " + c.name + ": " + c.detail + "\n";
      if (!c.fix.empty()) o.text += "  fix: " + c.fix + "\n";
    }
    o.structured = std::move(out);
    return o;
  };
  return t;
}

// ---------------------------------------------------------------------------------------
// assemble_context

ToolDef assemble_context_tool() {
  ToolDef t;
  t.name = "assemble_context";
  t.title = "Assemble context";
  t.description =
      "Build the smallest bundle of code that answers a task, within a hard token budget: "
      "searches (hybrid by default), widens hits to their symbols, adds enclosing class "
      "signatures and definitions of what the code calls, and degrades detail (full body, "
      "signature + doc comment, one-line reference) to fit. Returns the rendered bundle "
      "(markdown by default) as text content and, in structuredContent, each item with why it "
      "was chosen.";
  json props = {
      {"query", {{"type", "string"}, {"minLength", 1},
                 {"description", "The task or question (a bug report works)"}}},
      {"budget", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100000},
                  {"description", "Token budget of the whole rendered bundle (default 8000; "
                                  "never above max_tokens)"}}},
      {"format", {{"type", "string"}, {"enum", json::array({"markdown", "json"})},
                  {"description", "markdown (default) or json: the rendering the budget counts"}}},
      {"tokenizer", {{"type", "string"}, {"enum", json::array({"cl100k", "o200k", "estimate"})},
                     {"description", "How tokens are counted (default cl100k)"}}},
      {"evidence", {{"type", "boolean"},
                    {"description", "markdown: add a line per item saying why it is there"}}},
      {"mode", {{"type", "string"}, {"enum", json::array({"hybrid", "bm25", "vector", "symbol"})},
                {"description", "Search mode for the selection (default hybrid)"}}},
      {"kind", {{"type", "string"}, {"description", "Only chunks of this kind"}}},
  };
  t.input_schema = object_schema(filter_props(props), {"query"});
  json item = {{"type", "object"},
               {"properties",
                {{"path", {{"type", "string"}}},
                 {"start_line", {{"type", "integer"}}},
                 {"end_line", {{"type", "integer"}}},
                 {"symbol", {{"type", "string"}}},
                 {"kind", {{"type", "string"}}},
                 {"detail", {{"type", "string"}, {"enum", json::array({"full", "signature", "reference"})}}},
                 {"tokens", {{"type", "integer"}}},
                 {"reason", {{"type", "string"}}},
                 {"relations", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
               {"required", json::array({"path", "start_line", "end_line", "detail", "reason"})}};
  t.output_schema = out_schema(
      {{"query", {{"type", "string"}}},
       {"budget", {{"type", "integer"}}},
       {"tokens", {{"type", "integer"}, {"description", "tokens of text (never above budget)"}}},
       {"format", {{"type", "string"}}},
       {"mode", {{"type", "string"}}},
       {"items", {{"type", "array"}, {"items", item}}},
       {"omitted_items", {{"type", "integer"}}},
       {"omitted_tokens", {{"type", "integer"}}},
       {"warnings", {{"type", "array"}, {"items", {{"type", "string"}}}}}},
      {"query", "budget", "tokens", "items"});
  t.annotations = {{"readOnlyHint", true}, {"idempotentHint", true}, {"openWorldHint", false}};
  t.run = [](const json& a, ToolContext& ctx) -> Result<ToolOutput> {
    auto parsed = views::assemble_request(a);
    if (!parsed.ok()) return parsed.status();
    AssembleRequest req = std::move(*parsed);
    const int64_t cap = static_cast<int64_t>(cap_for(a, ctx));
    // The bundle is the text content; structuredContent lists its items (a few dozen tokens
    // each), so the bundle gets three quarters of the output cap at most.
    const int64_t asked = arg_int(a, "budget", 8000);
    req.budget = std::min<int64_t>(asked, cap * 3 / 4);
    Bundle b;
    PAMPAX_RETURN_IF_ERROR(ctx.ws.with_reader([&](Engine& e) -> Status {
      auto r = assemble(e, req);
      if (!r.ok()) return r.status();
      b = std::move(*r);
      return Status::Ok();
    }));
    ToolOutput o;
    o.text = b.text.empty() ? "Nothing fits in a budget of " + std::to_string(b.budget) +
                                  " tokens: raise budget.\n"
                            : b.text;
    o.structured = views::bundle_json(b);
    if (req.budget < asked)
      o.structured["warnings"].push_back(
          "budget lowered from " + std::to_string(asked) + " to " + std::to_string(req.budget) +
          " tokens to stay within this tool's output cap (max_tokens " + std::to_string(cap) + ")");
    return o;
  };
  return t;
}

}  // namespace

void register_core_tools(ToolRegistry& reg) {
  reg.add(search_code_tool());
  reg.add(get_code_chunk_tool());
  reg.add(find_symbol_tool());
  reg.add(find_references_tool());
  reg.add(index_tool(false));
  reg.add(index_tool(true));
  reg.add(stats_tool());
  reg.add(health_tool());
  reg.add(assemble_context_tool());
}

}  // namespace pampax::mcp
