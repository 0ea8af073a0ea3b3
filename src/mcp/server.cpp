#include "mcp/server.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "store/db.h"

namespace pampax::mcp {

namespace {

const char* kOverviewUri = "pampax://overview";
const char* kFilePrefix = "pampax://file/";

std::string id_key(const json& id) { return id.dump(); }

// Percent-decoding for the {path} of pampax://file/{path}; false on a malformed escape.
bool percent_decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int h = hex(in[i + 1]), l = hex(in[i + 2]);
    if (h < 0 || l < 0) return false;
    out->push_back(static_cast<char>(h * 16 + l));
    i += 2;
  }
  return true;
}

// Thrown inside dispatch for protocol errors; caught right there (never crosses the API).
struct RpcError {
  int code;
  std::string message;
  json data = nullptr;
};

const json& params_meta(const json& params) {
  static const json empty = json::object();
  auto it = params.find("_meta");
  return it != params.end() && it->is_object() ? *it : empty;
}

std::string overview_markdown(Engine& e, Status* st) {
  auto info = e.info();
  if (!info.ok()) {
    *st = info.status();
    return "";
  }
  const IndexInfo& i = *info;
  std::string md = "# Repository overview\n\nroot: " + i.root + "\nfiles: " +
                   std::to_string(i.counts.files) + ", chunks: " + std::to_string(i.counts.chunks) +
                   ", symbols: " + std::to_string(i.counts.symbols) + ", lines: " +
                   std::to_string(i.source_lines) + "\nlast update: " +
                   (i.last_update.empty() ? "never completed" : i.last_update) + "\nembeddings: " +
                   (i.embed_model.empty() ? "none (lexical search)" : i.embed_model) +
                   "\n\n## Languages (files)\n\n";
  for (auto& [l, n] : i.counts.languages) md += "- " + l + ": " + std::to_string(n) + "\n";
  // Top directories: the first level, or the first two when one directory holds the tree
  // (src/, lib/): then the second level is what tells the layout.
  md += "\n## Top directories (files)\n\n";
  std::map<std::string, int64_t> level[2];
  Stmt files = e.store().db().must_prepare("SELECT path FROM files");
  while (files.step()) {
    std::string_view path = files.col_text(0);
    size_t a = path.find('/');
    level[0][a == std::string_view::npos ? "." : std::string(path.substr(0, a + 1))]++;
    size_t b = a == std::string_view::npos ? a : path.find('/', a + 1);
    level[1][b == std::string_view::npos ? std::string(a == std::string_view::npos ? "." : path.substr(0, a + 1))
                                         : std::string(path.substr(0, b + 1))]++;
  }
  if (!files.last_status().ok()) {
    *st = files.last_status();
    return "";
  }
  size_t real_dirs = level[0].size() - level[0].count(".");
  std::vector<std::pair<std::string, int64_t>> dirs(level[real_dirs < 3 ? 1 : 0].begin(),
                                                    level[real_dirs < 3 ? 1 : 0].end());
  std::sort(dirs.begin(), dirs.end(), [](auto& x, auto& y) {
    return x.second != y.second ? x.second > y.second : x.first < y.first;
  });
  for (size_t k = 0; k < dirs.size() && k < 15; ++k)
    md += "- " + dirs[k].first + ": " + std::to_string(dirs[k].second) + "\n";
  if (dirs.size() > 15) md += "- (" + std::to_string(dirs.size() - 15) + " more)\n";
  // Main symbols: top-level types and functions used from the most files.
  md += "\n## Main symbols (used from the most files)\n\n";
  Stmt syms = e.store().db().must_prepare(
      "SELECT s.name, s.kind, f.path, s.start_line, "
      "(SELECT COUNT(*) FROM refs r WHERE r.symbol_name = s.name) AS uses "
      "FROM symbols s JOIN files f ON f.id = s.file_id "
      "WHERE COALESCE(s.parent_id, 0) = 0 AND length(s.name) > 2 AND s.kind IN "
      "('class', 'struct', 'interface', 'trait', 'enum', 'module', 'namespace', 'type', "
      "'function', 'union', 'impl') "
      "ORDER BY uses DESC, s.name LIMIT 25");
  while (syms.step())
    md += "- " + std::string(syms.col_text(1)) + " " + std::string(syms.col_text(0)) + " (" +
          std::string(syms.col_text(2)) + ":" + std::to_string(syms.col_int(3)) + ", used in " +
          std::to_string(syms.col_int(4)) + " files)\n";
  if (!syms.last_status().ok()) {
    *st = syms.last_status();
    return "";
  }
  md += "\nSearch with the search_code tool; read files as pampax://file/{path}.\n";
  return md;
}

}  // namespace

// ---------------------------------------------------------------------------------------

McpServer::McpServer(Workspace& ws, ServerOptions options) : ws_(ws), opt_(options) {
  register_core_tools(tools_);
}

json McpServer::capabilities() const {
  return {{"tools", {{"listChanged", false}}},
          {"resources", {{"subscribe", false}, {"listChanged", false}}},
          {"logging", json::object()}};
}

json McpServer::server_info() const {
  return {{"name", "pampax"}, {"title", "pampax code search"}, {"version", PAMPAX_VERSION}};
}

std::string McpServer::instructions() const {
  return "pampax searches the local repository " + ws_.root().string() +
         ". Start with search_code (ranked chunks with ids), read code with get_code_chunk "
         "(by id or path + lines), locate definitions with find_symbol and uses with "
         "find_references. If there is no index yet, call index_project; after edits, "
         "update_project. Results are capped in tokens and say how to get more.";
}

// ---------------------------------------------------------------------------------------

Session::Session(McpServer& server) : server_(server) {}

std::string Session::protocol_version() const {
  std::lock_guard<std::mutex> l(mu_);
  return version_;
}

bool Session::runs_long(const json& m) {
  if (!m.is_object()) return false;
  auto it = m.find("method");
  if (it == m.end() || !it->is_string()) return false;
  const std::string& s = it->get_ref<const std::string&>();
  return (s == "tools/call" || s == "resources/read") && m.contains("id");
}

void Session::cancel_all() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [k, flag] : inflight_) *flag = true;
}

void Session::log(LogLevel level, const std::string& text, const Emit& emit) {
  if (server_.options().log_to_stderr)
    std::fprintf(stderr, "pampax mcp: %s: %s\n", log_level_name(level), text.c_str());
  if (static_cast<int>(level) < log_level_.load()) return;
  emit({{"jsonrpc", "2.0"},
        {"method", "notifications/message"},
        {"params", {{"level", log_level_name(level)}, {"logger", "pampax"}, {"data", text}}}});
}

void Session::handle_line(std::string_view line, const Emit& emit) {
  if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
  json msg = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (msg.is_discarded()) {
    emit(make_error(nullptr, kParseError, "parse error: the message is not valid JSON"));
    return;
  }
  handle(msg, emit);
}

void Session::handle(const json& message, const Emit& emit) {
  Classified c = classify(message);
  switch (c.kind) {
    case Classified::kInvalid:
      if (!c.error.is_null()) emit(c.error);
      return;
    case Classified::kResponse:
      return;  // we never send requests to the client
    case Classified::kNotification: {
      if (c.method == "notifications/initialized") {
        initialized_ = true;
      } else if (c.method == "notifications/cancelled") {
        auto it = c.params.find("requestId");
        if (it != c.params.end()) {
          std::lock_guard<std::mutex> l(mu_);
          auto f = inflight_.find(id_key(*it));
          if (f != inflight_.end()) *f->second = true;
        }
      }
      return;  // unknown notifications are ignored, as JSON-RPC requires
    }
    case Classified::kRequest:
      break;
  }
  auto flag = std::make_shared<std::atomic<bool>>(false);
  const std::string key = id_key(c.id);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (inflight_.count(key)) {
      emit(make_error(c.id, kInvalidRequest,
                      "request id " + key + " is already in use by a request in progress"));
      return;
    }
    inflight_[key] = flag;
  }
  json response;
  try {
    response = make_result(c.id, dispatch(c, emit, *flag));
  } catch (const RpcError& e) {
    response = make_error(c.id, e.code, e.message, e.data);
  } catch (const std::exception& e) {
    response = make_error(c.id, kInternalError, std::string("internal error: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    inflight_.erase(key);
  }
  if (flag->load()) return;  // cancelled: the client no longer expects an answer
  emit(response);
}

json Session::dispatch(const Classified& c, const Emit& emit, const std::atomic<bool>& cancelled) {
  const std::string& m = c.method;
  const json& p = c.params;
  // A request that names its revision in _meta (2026-07-28, stateless) needs no handshake.
  const json& meta = params_meta(p);
  if (auto v = meta.find("io.modelcontextprotocol/protocolVersion");
      v != meta.end() && m != "initialize") {
    if (!v->is_string() || !protocol_version_supported(v->get<std::string>()))
      throw RpcError{kInvalidParams, "unsupported protocol version " + v->dump(),
                     {{"supported", supported_protocol_versions()}, {"requested", *v}}};
  }
  if (m == "initialize") {
    auto v = p.find("protocolVersion");
    if (v == p.end() || !v->is_string())
      throw RpcError{kInvalidParams, "initialize needs params.protocolVersion (a string such as \"" +
                                         supported_protocol_versions().front() + "\")"};
    std::string version = negotiate_protocol_version(v->get<std::string>());
    {
      std::lock_guard<std::mutex> l(mu_);
      version_ = version;
    }
    return {{"protocolVersion", version},
            {"capabilities", server_.capabilities()},
            {"serverInfo", server_.server_info()},
            {"instructions", server_.instructions()}};
  }
  if (m == "ping") return json::object();
  if (m == "server/discover")
    return {{"supportedVersions", supported_protocol_versions()},
            {"capabilities", server_.capabilities()},
            {"serverInfo", server_.server_info()},
            {"instructions", server_.instructions()}};
  if (m == "tools/list") {
    if (p.contains("cursor") && !p["cursor"].is_null())
      throw RpcError{kInvalidParams, "invalid cursor: tools/list has a single page"};
    return {{"tools", server_.tools().list()}};
  }
  if (m == "tools/call") return call_tool(c, emit, cancelled);
  if (m == "resources/list") {
    if (p.contains("cursor") && !p["cursor"].is_null())
      throw RpcError{kInvalidParams, "invalid cursor: resources/list has a single page"};
    return {{"resources", json::array({{{"uri", kOverviewUri},
                                        {"name", "overview"},
                                        {"title", "Repository overview"},
                                        {"description", "Languages, counts, top directories and "
                                                        "main symbols of the indexed repository"},
                                        {"mimeType", "text/markdown"}}})}};
  }
  if (m == "resources/templates/list")
    return {{"resourceTemplates",
             json::array({{{"uriTemplate", std::string(kFilePrefix) + "{path}"},
                           {"name", "file"},
                           {"title", "Indexed file"},
                           {"description", "The text of an indexed file, by path relative to the "
                                           "repository root (as stored by the last index run)"},
                           {"mimeType", "text/plain"}}})}};
  if (m == "resources/read") return read_resource(c);
  if (m == "logging/setLevel") {
    auto l = p.find("level");
    LogLevel level;
    if (l == p.end() || !l->is_string() || !parse_log_level(l->get<std::string>(), &level))
      throw RpcError{kInvalidParams, "logging/setLevel needs params.level: one of debug, info, "
                                     "notice, warning, error, critical, alert, emergency"};
    log_level_ = static_cast<int>(level);
    return json::object();
  }
  throw RpcError{kMethodNotFound, "method not found: " + m};
}

json Session::call_tool(const Classified& c, const Emit& emit, const std::atomic<bool>& cancelled) {
  const json& p = c.params;
  auto n = p.find("name");
  if (n == p.end() || !n->is_string())
    throw RpcError{kInvalidParams, "tools/call needs params.name (a tool name from tools/list)"};
  const ToolDef* tool = server_.tools().find(n->get<std::string>());
  if (!tool) {
    std::string names;
    for (const ToolDef& t : server_.tools().tools()) names += (names.empty() ? "" : ", ") + t.name;
    throw RpcError{kInvalidParams, "unknown tool '" + n->get<std::string>() + "' (tools: " + names + ")"};
  }
  json args = p.value("arguments", json::object());
  if (args.is_null()) args = json::object();
  auto error_result = [](const std::string& text) {
    return json{{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", true}};
  };
  if (Status st = check_arguments(tool->input_schema, args); !st.ok())
    return error_result("invalid arguments for " + tool->name + ": " + st.message());

  json token = nullptr;
  const json& meta = params_meta(p);
  if (auto t = meta.find("progressToken");
      t != meta.end() && (t->is_string() || t->is_number_integer() || t->is_number_unsigned()))
    token = *t;
  ToolContext ctx{server_.workspace(), cancelled, server_.options().max_output_tokens, {}, {}};
  ctx.progress = [&](double progress, double total, const std::string& message) {
    if (token.is_null() || cancelled.load()) return;
    json params = {{"progressToken", token}, {"progress", progress}, {"message", message}};
    if (total > 0) params["total"] = total;
    emit({{"jsonrpc", "2.0"}, {"method", "notifications/progress"}, {"params", params}});
  };
  ctx.log = [&](LogLevel level, const std::string& text) { log(level, text, emit); };

  Result<ToolOutput> out = InvalidArgument("not run");
  try {
    out = tool->run(args, ctx);
  } catch (const std::exception& e) {
    out = Internal(std::string("internal error in ") + tool->name + ": " + e.what());
  }
  if (!out.ok()) {
    if (out.status().code() == Code::kCancelled)
      return error_result(out.status().message());  // normally dropped: the client cancelled
    log(LogLevel::kNotice, tool->name + ": " + out.status().message(), emit);
    return error_result(out.status().message());
  }
  return {{"content", json::array({{{"type", "text"}, {"text", out->text}}})},
          {"structuredContent", std::move(out->structured)},
          {"isError", false}};
}

json Session::read_resource(const Classified& c) {
  auto u = c.params.find("uri");
  if (u == c.params.end() || !u->is_string())
    throw RpcError{kInvalidParams, "resources/read needs params.uri"};
  const std::string uri = u->get<std::string>();
  Workspace& ws = server_.workspace();
  if (uri == kOverviewUri) {
    std::string md;
    Status st = ws.with_reader([&](Engine& e) {
      Status s;
      md = overview_markdown(e, &s);
      return s;
    });
    if (!st.ok()) throw RpcError{kInternalError, st.message()};
    return {{"contents", json::array({{{"uri", uri}, {"mimeType", "text/markdown"}, {"text", md}}})}};
  }
  if (uri.rfind(kFilePrefix, 0) == 0) {
    std::string path;
    if (!percent_decode(std::string_view(uri).substr(std::string(kFilePrefix).size()), &path) ||
        path.empty())
      throw RpcError{kInvalidParams, "malformed file URI: " + uri + " (pampax://file/{path})"};
    Engine::FileSlice slice;
    Status st = ws.with_reader([&](Engine& e) -> Status {
      auto p = e.repo_path(path);
      if (!p.ok()) return p.status();
      auto s = e.read_file(*p);
      if (!s.ok()) return s.status();
      slice = std::move(*s);
      return Status::Ok();
    });
    if (!st.ok()) {
      if (st.code() == Code::kNotFound)
        throw RpcError{kResourceNotFound, st.message(), {{"uri", uri}}};
      if (st.code() == Code::kInvalidArgument) throw RpcError{kInvalidParams, st.message(), {{"uri", uri}}};
      throw RpcError{kInternalError, st.message()};
    }
    return {{"contents", json::array({{{"uri", uri}, {"mimeType", "text/plain"}, {"text", slice.text}}})}};
  }
  throw RpcError{kResourceNotFound, "resource not found: " + uri +
                                        " (known: pampax://overview, pampax://file/{path})",
                 {{"uri", uri}}};
}

}  // namespace pampax::mcp
