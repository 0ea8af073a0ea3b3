#include "server/api.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "assemble/assembler.h"
#include "core/health.h"
#include "core/ops.h"
#include "mcp/tools.h"
#include "ops/metrics.h"
#include "server/web_assets.h"
#include "views/json_views.h"

namespace pampax::server {

using json = nlohmann::json;

namespace {

// ---- responses ------------------------------------------------------------------------

const char* code_name(Code c) {
  switch (c) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kIoError: return "io_error";
    case Code::kCorrupt: return "corrupt";
    case Code::kUnsupported: return "unsupported";
    case Code::kInternal: return "internal";
    case Code::kCancelled: return "cancelled";
  }
  return "internal";
}

int http_status(Code c) {
  switch (c) {
    case Code::kInvalidArgument:
    case Code::kUnsupported: return 400;
    case Code::kNotFound: return 404;
    case Code::kCancelled: return 503;
    default: return 500;
  }
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& msg) {
  send_json(res, status, {{"error", {{"status", status}, {"code", code}, {"message", msg}}}});
}

void send_status(httplib::Response& res, const Status& st) {
  send_error(res, http_status(st.code()), code_name(st.code()), st.message());
}

// An error of arguments(): kUnsupported there means a POST body that is not JSON (415).
void send_args_error(httplib::Response& res, const Status& st) {
  if (st.code() == Code::kUnsupported) return send_error(res, 415, "unsupported_media_type", st.message());
  send_status(res, st);
}

// ---- parameters -----------------------------------------------------------------------

// The JSON-schema subset mcp::check_arguments understands.
json schema(json props, json required = json::array()) {
  json s = {{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

json str(json extra = json::object()) {
  extra["type"] = "string";
  return extra;
}
json integer(int64_t lo, int64_t hi) { return {{"type", "integer"}, {"minimum", lo}, {"maximum", hi}}; }
json boolean() { return {{"type", "boolean"}}; }
json one_of(std::initializer_list<const char*> v) {
  json e = json::array();
  for (const char* x : v) e.push_back(x);
  return {{"type", "string"}, {"enum", e}};
}
json modes() { return one_of({"hybrid", "bm25", "vector", "symbol"}); }

const json& search_schema() {
  static const json s = schema({{"query", str({{"minLength", 1}})},
                                {"mode", modes()},
                                {"limit", integer(1, 100)},
                                {"lang", str()},
                                {"path_glob", str()},
                                {"kind", str()},
                                {"group_by", one_of({"symbol", "none", "file"})},
                                {"explain", boolean()}},
                               {"query"});
  return s;
}
const json& assemble_schema() {
  static const json s = schema({{"query", str({{"minLength", 1}})},
                                {"budget", integer(1, 200000)},
                                {"format", one_of({"markdown", "json"})},
                                {"tokenizer", one_of({"cl100k", "o200k", "estimate"})},
                                {"evidence", boolean()},
                                {"mode", modes()},
                                {"lang", str()},
                                {"path_glob", str()},
                                {"kind", str()}},
                               {"query"});
  return s;
}
const json& chunk_schema() {
  static const json s = schema({{"id", {{"type", "integer"}, {"minimum", 1}}}}, {"id"});
  return s;
}
const json& symbols_schema() {
  static const json s = schema({{"name", str({{"minLength", 1}})},
                                {"file", str({{"minLength", 1}})},
                                {"match", one_of({"auto", "exact", "prefix", "contains"})},
                                {"kind", str()},
                                {"lang", str()},
                                {"path_glob", str()},
                                {"limit", integer(1, 1000)}});
  return s;
}
const json& health_schema() {
  static const json s = schema({{"quick_check", boolean()}, {"stat_walk", boolean()}});
  return s;
}
const json& empty_schema() {
  static const json s = schema(json::object());
  return s;
}

std::string canonical_name(const std::string& name) {
  if (name == "q") return "query";
  if (name == "path") return "path_glob";
  if (name == "max_tokens") return "budget";
  return name;
}

bool parse_bool(const std::string& v, bool* out) {
  if (v == "1" || v == "true" || v == "yes" || v == "on" || v.empty()) return *out = true, true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return *out = false, true;
  return false;
}

// The request's arguments as a JSON object checked against `sch`: query parameters (typed by
// the schema) for GET, the JSON body for POST.
Result<json> arguments(const httplib::Request& req, const json& sch) {
  const json& props = sch["properties"];
  json args = json::object();
  if (req.method == "POST") {
    std::string ctype = req.get_header_value("Content-Type");
    std::transform(ctype.begin(), ctype.end(), ctype.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ctype.find("application/json") == std::string::npos)
      return Status(Code::kUnsupported, "POST takes a JSON object (Content-Type: application/json)");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return InvalidArgument("the request body is not a JSON object");
    for (auto it = body.begin(); it != body.end(); ++it) args[canonical_name(it.key())] = it.value();
  } else {
    for (const auto& [raw_name, value] : req.params) {
      std::string name = canonical_name(raw_name);
      if (!props.contains(name)) {
        args[name] = value;  // check_arguments names the unknown parameter and the known ones
        continue;
      }
      if (args.contains(name)) return InvalidArgument("parameter '" + raw_name + "' given twice");
      const std::string type = props[name].value("type", "string");
      if (type == "integer") {
        char* end = nullptr;
        errno = 0;
        long long v = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno == ERANGE)
          return InvalidArgument("parameter '" + raw_name + "' must be an integer, got '" + value + "'");
        args[name] = v;
      } else if (type == "boolean") {
        bool b = false;
        if (!parse_bool(value, &b))
          return InvalidArgument("parameter '" + raw_name + "' must be true or false, got '" + value + "'");
        args[name] = b;
      } else {
        args[name] = value;
      }
    }
  }
  Status st = mcp::check_arguments(sch, args);
  if (!st.ok()) {
    std::string m = st.message();
    // check_arguments speaks of tool arguments; here they are parameters.
    for (const char* from : {"argument", "this tool takes"}) {
      size_t p;
      while ((p = m.find(from)) != std::string::npos)
        m.replace(p, std::string(from).size(), std::string(from) == "argument" ? "parameter" : "known");
    }
    return InvalidArgument(m);
  }
  return args;
}

// Runs `fn` on the read Engine and answers with its JSON (200) or its error.
template <typename Fn>
void with_engine(mcp::Workspace& ws, httplib::Response& res, Fn fn) {
  json out;
  Status st = ws.with_reader([&](Engine& e) -> Status {
    auto r = fn(e);
    if (!r.ok()) return r.status();
    out = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) {
    send_status(res, st);
    return;
  }
  send_json(res, 200, out);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

// ---- handlers -------------------------------------------------------------------------

void api_search(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, search_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  auto sreq = views::search_request(*args);
  if (!sreq.ok()) return send_status(res, sreq.status());
  const bool explain = views::arg_bool(*args, "explain", false);
  with_engine(ws, res, [&](Engine& e) -> Result<json> {
    auto t0 = std::chrono::steady_clock::now();
    auto r = e.search(*sreq);
    if (!r.ok()) return r.status();
    json results = json::array();
    for (const SearchHit& h : r->hits) results.push_back(views::search_hit_json(h, sreq->group_by, explain));
    json out = {{"query", sreq->query},
                {"mode", search_mode_name(r->mode)},
                {"group_by", group_by_name(sreq->group_by)},
                {"results", std::move(results)},
                {"warnings", r->warnings},
                {"took_ms", ms_since(t0)}};
    views::add_rewrite_json(out, *r);
    return out;
  });
}

void api_assemble(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, assemble_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  auto areq = views::assemble_request(*args);
  if (!areq.ok()) return send_status(res, areq.status());
  with_engine(ws, res, [&](Engine& e) -> Result<json> {
    auto b = assemble(e, *areq);
    if (!b.ok()) return b.status();
    json j = views::bundle_json(*b);
    j["text"] = b->text;
    j["search_ms"] = b->search_ms;
    j["assemble_ms"] = b->assemble_ms;
    return j;
  });
}

void api_chunk(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, chunk_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  const int64_t id = views::arg_int(*args, "id", 0);
  with_engine(ws, res, [&](Engine& e) -> Result<json> {
    auto c = views::chunk_by_id(e, id);
    if (!c.ok()) return c.status();
    auto slice = e.read_file(c->path, c->start_line, c->end_line);
    if (!slice.ok()) return slice.status();
    return json{{"id", c->id},
                {"path", c->path},
                {"lang", c->lang},
                {"kind", c->kind},
                {"name", c->name},
                {"symbol", c->qualified_name},
                {"signature", c->signature},
                {"start_line", slice->start_line},
                {"end_line", slice->end_line},
                {"total_lines", slice->total_lines},
                {"tokens", c->tokens},
                {"text", slice->text}};
  });
}

void api_symbols(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, symbols_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  const json& a = *args;
  const std::string name = views::arg_str(a, "name"), file = views::arg_str(a, "file");
  if (name.empty() == file.empty())
    return send_error(res, 400, "invalid_argument",
                      "pass either name (find definitions by name) or file (the symbols of one "
                      "file), not both or neither");
  if (!file.empty()) {
    for (const char* k : {"match", "kind", "lang", "path_glob", "limit"})
      if (a.contains(k))
        return send_error(res, 400, "invalid_argument",
                          std::string("parameter '") + k + "' applies to name lookups, not to file");
    return with_engine(ws, res, [&](Engine& e) -> Result<json> {
      auto p = e.repo_path(file);
      if (!p.ok()) return p.status();
      auto rows = e.store().file_symbols(*p);
      if (!rows.ok()) {
        if (rows.status().code() == Code::kNotFound) return NotFound("the file " + *p + " is not indexed");
        return rows.status();
      }
      json results = json::array();
      for (const SymbolRow& s : *rows) results.push_back(views::symbol_json(s));
      return json{{"file", *p}, {"results", std::move(results)}};
    });
  }
  SearchFilters f;
  Status st = views::resolve_lang(views::arg_str(a, "lang"), &f.lang);
  if (!st.ok()) return send_status(res, st);
  f.path_glob = views::arg_str(a, "path_glob");
  const int limit = static_cast<int>(views::arg_int(a, "limit", 50));
  const std::string match = views::arg_str(a, "match", "auto"), kind = views::arg_str(a, "kind");
  with_engine(ws, res, [&](Engine& e) -> Result<json> {
    std::string used;
    auto rows = views::find_symbols(e, name, match, kind, f, limit + 1, &used);
    if (!rows.ok()) return rows.status();
    json results = json::array();
    for (size_t i = 0; i < rows->size() && static_cast<int>(i) < limit; ++i)
      results.push_back(views::symbol_json((*rows)[i]));
    return json{{"name", name}, {"match", used}, {"results", std::move(results)},
                {"truncated", static_cast<int>(rows->size()) > limit}};
  });
}

void api_stats(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, empty_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  with_engine(ws, res, [&](Engine& e) -> Result<json> {
    auto i = e.info();
    if (!i.ok()) return i.status();
    json j = views::info_json(*i);
    j["indexing"] = ws.indexing();
    return j;
  });
}

void api_health(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, health_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  HealthOptions o;
  o.quick_check = views::arg_bool(*args, "quick_check", true);
  o.stat_walk = views::arg_bool(*args, "stat_walk", true);
  HealthReport r = ws.health(o);
  json j = views::health_json(r);
  j["indexing"] = ws.indexing();
  send_json(res, r.status() == "healthy" ? 200 : 503, j);
}

// The snapshot of the index's metrics (persisted + this process); an empty one without an
// index, so that /metrics still reports the process.
MetricsSnapshot live_metrics(mcp::Workspace& ws, Status* st) {
  MetricsSnapshot snap;
  *st = ws.with_reader([&](Engine& e) -> Status {
    auto s = metrics_snapshot(e);
    if (!s.ok()) return s.status();
    snap = std::move(*s);
    return Status::Ok();
  });
  return snap;
}

void api_metrics(mcp::Workspace& ws, const httplib::Request& req, httplib::Response& res) {
  auto args = arguments(req, empty_schema());
  if (!args.ok()) return send_args_error(res, args.status());
  Status st;
  MetricsSnapshot snap = live_metrics(ws, &st);
  if (!st.ok() && st.code() != Code::kNotFound) return send_status(res, st);
  ProcessStats proc = sample_process();
  json j = views::metrics_json(snap, &proc);
  json perf = json::array();
  for (const OperationPerformance& p : performance(snap))
    perf.push_back({{"operation", p.operation}, {"count", p.count}, {"p50_ms", p.p50},
                    {"p95_ms", p.p95}, {"p99_ms", p.p99}, {"mean_ms", p.mean}, {"max_ms", p.max},
                    {"target_p95_ms", p.threshold_ms > 0 ? json(p.threshold_ms) : json(nullptr)},
                    {"score", p.score >= 0 ? json(p.score) : json(nullptr)}});
  j["performance"] = std::move(perf);
  j["bucket_bounds_ms"] = kDurationBucketsMs;
  j["index"] = st.ok() ? json(true) : json(false);
  send_json(res, 200, j);
}

void prometheus(mcp::Workspace& ws, const httplib::Request&, httplib::Response& res) {
  Status st;
  MetricsSnapshot snap = live_metrics(ws, &st);
  if (!st.ok() && st.code() != Code::kNotFound) return send_status(res, st);
  ProcessStats proc = sample_process();
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_content(render_prometheus(snap, &proc), "text/plain; version=0.0.4; charset=utf-8");
}

void static_file(const WebAsset& a, httplib::Response& res) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                 "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.set_content(std::string(a.body), std::string(a.content_type));
}

}  // namespace

std::string route_operation(const std::string& path) {
  static const char* api[] = {"search", "assemble", "chunk", "symbols", "stats", "health", "metrics"};
  if (path == "/mcp") return "http_mcp";
  if (path == "/metrics") return "http_metrics";
  if (path.rfind("/api/", 0) == 0) {
    std::string rest = path.substr(5);
    for (const char* a : api)
      if (rest == a) return std::string("http_api_") + a;
    return "http_other";
  }
  if (find_web_asset(path)) return "http_page";
  return "http_other";
}

void register_api(HttpServer& server, mcp::Workspace& ws) {
  httplib::Server& s = server.http();
  mcp::Workspace* w = &ws;
  auto route = [&](const char* path, void (*fn)(mcp::Workspace&, const httplib::Request&, httplib::Response&),
                   bool post) {
    Handler h = [w, fn](const httplib::Request& req, httplib::Response& res) { fn(*w, req, res); };
    s.Get(path, h);
    if (post) s.Post(path, h);
  };
  route("/api/search", api_search, true);
  route("/api/assemble", api_assemble, true);
  route("/api/chunk", api_chunk, true);
  route("/api/symbols", api_symbols, true);
  route("/api/stats", api_stats, false);
  route("/api/health", api_health, false);
  route("/api/metrics", api_metrics, false);
  s.Get("/metrics", [w](const httplib::Request& req, httplib::Response& res) { prometheus(*w, req, res); });
  for (const WebAsset& a : web_assets()) {
    const WebAsset* asset = &a;
    s.Get(std::string(a.path), [asset](const httplib::Request&, httplib::Response& res) {
      static_file(*asset, res);
    });
  }
  // Anything else under /api: a JSON 404 (unknown route) or 405 (known route, wrong method).
  auto other = [](const httplib::Request& req, httplib::Response& res) {
    const std::string op = route_operation(req.path);
    if (op != "http_other") {
      res.set_header("Allow", op == "http_api_stats" || op == "http_api_health" ||
                                      op == "http_api_metrics" ? "GET" : "GET, POST");
      return send_error(res, 405, "method_not_allowed",
                        req.method + " is not supported on " + req.path);
    }
    send_error(res, 404, "not_found",
               "no such endpoint: " + req.path +
                   " (see /api/search, /api/assemble, /api/chunk, /api/symbols, /api/stats, "
                   "/api/health, /api/metrics)");
  };
  s.Get(R"(/api/.*)", other);
  s.Post(R"(/api/.*)", other);
  s.Put(R"(/api/.*)", other);
  s.Delete(R"(/api/.*)", other);
  s.Patch(R"(/api/.*)", other);

  server.set_request_observer([w](const std::string& path, int status, double ms) {
    const std::string op = route_operation(path);
    (void)w->with_reader([&](Engine& e) -> Status {
      e.metrics().observe(op, false, ms);
      if (status >= 500) e.metrics().add(kErrorsTotal, 1, label("operation", op));
      return Status::Ok();
    });
  });
}

}  // namespace pampax::server
