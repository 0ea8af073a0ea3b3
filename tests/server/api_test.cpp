// pampax serve's JSON API, /metrics, web page and bearer token on a real socket (127.0.0.1,
// any free port) with cpp-httplib's client, over a real index.
#include "server/api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "../process_util.h"
#include "../test_util.h"
#include "core/engine.h"
#include "mcp/server.h"
#include "server/http_server.h"
#include "server/web_assets.h"

namespace pampax::server {
namespace {

using json = nlohmann::json;
using testing::ProcResult;
using testing::run_process;
using testing::TempDir;

void write_repo(const TempDir& dir) {
  dir.write("src/billing.py",
            "def compute_invoice_total(items, tax_rate):\n"
            "    \"\"\"Sum the line items of an invoice and apply the tax rate.\"\"\"\n"
            "    subtotal = sum(item.price * item.quantity for item in items)\n"
            "    return round(subtotal * (1 + tax_rate), 2)\n\n\n"
            "class InvoicePrinter:\n"
            "    def render(self, invoice):\n"
            "        return \"Invoice total: %.2f\" % compute_invoice_total(invoice.items, invoice.tax)\n");
  dir.write("src/config.js",
            "function parseConfigFile(text) {\n  const data = JSON.parse(text);\n  return data;\n}\n"
            "module.exports = { parseConfigFile };\n");
  dir.write("lib/queue.go",
            "package queue\n\ntype Queue struct {\n\titems []string\n}\n\n"
            "func (q *Queue) Push(job string) {\n\tq.items = append(q.items, job)\n}\n");
}

void index_repo(const std::filesystem::path& root) {
  auto e = Engine::open(root, Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok()) << e.status().message();
  auto r = (*e)->index(IndexOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
}

// A served repository: Workspace, MCP server, HTTP server with the API, a client.
class Served {
 public:
  Served(const std::filesystem::path& root, HttpOptions o = {}) {
    ws_ = std::make_unique<mcp::Workspace>(root);
    mcp_ = std::make_unique<mcp::McpServer>(
        *ws_, mcp::ServerOptions{.max_output_tokens = 10000, .log_to_stderr = false});
    o.port = 0;
    http_ = std::make_unique<HttpServer>(*mcp_, o);
    register_api(*http_, *ws_);
    Status st = http_->bind();
    EXPECT_TRUE(st.ok()) << st.message();
    thread_ = std::thread([this] { (void)http_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->bound_port());
    client_->set_read_timeout(60, 0);
  }
  ~Served() {
    http_->stop();
    thread_.join();
  }
  httplib::Client& client() { return *client_; }
  int port() const { return http_->bound_port(); }
  mcp::Workspace& ws() { return *ws_; }

 private:
  std::unique_ptr<mcp::Workspace> ws_;
  std::unique_ptr<mcp::McpServer> mcp_;
  std::unique_ptr<HttpServer> http_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

json body(const httplib::Result& r) {
  EXPECT_TRUE(r);
  if (!r) return nullptr;
  json j = json::parse(r->body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r->body;
  return j;
}

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    write_repo(*dir_);
    index_repo(dir_->path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { served_ = std::make_unique<Served>(dir_->path()); }
  httplib::Client& c() { return served_->client(); }
  int port() const { return served_->port(); }
  httplib::Result post(const std::string& path, const json& j) {
    return c().Post(path.c_str(), j.dump(), "application/json");
  }
  // Expects an error response with this status and a message containing `part`.
  void expect_error(const httplib::Result& r, int status, const std::string& part) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json j = body(r);
    ASSERT_TRUE(j.contains("error")) << r->body;
    EXPECT_EQ(j["error"]["status"], status);
    EXPECT_NE(j["error"]["message"].get<std::string>().find(part), std::string::npos) << r->body;
  }
  static TempDir* dir_;
  std::unique_ptr<Served> served_;
};
TempDir* ApiTest::dir_ = nullptr;

TEST_F(ApiTest, SearchGetAndPostAgree) {
  auto r = c().Get("/api/search?query=invoice%20total&limit=5");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json g = body(r);
  ASSERT_FALSE(g["results"].empty());
  EXPECT_EQ(g["results"][0]["path"], "src/billing.py");
  EXPECT_EQ(g["results"][0]["symbol"], "compute_invoice_total");
  EXPECT_GT(g["results"][0]["id"].get<int64_t>(), 0);
  EXPECT_FALSE(g["results"][0].contains("evidence"));
  EXPECT_EQ(g["query"], "invoice total");
  EXPECT_EQ(g["group_by"], "symbol");  // the default: pieces of one symbol are one hit
  EXPECT_EQ(g["results"][0]["pieces"], 1);

  json p = body(post("/api/search", {{"q", "invoice total"}, {"limit", 5}}));
  ASSERT_EQ(p["results"].size(), g["results"].size());
  for (size_t i = 0; i < p["results"].size(); ++i) EXPECT_EQ(p["results"][i]["id"], g["results"][i]["id"]);
}

TEST_F(ApiTest, SearchFiltersExplainAndGrouping) {
  json go = body(c().Get("/api/search?q=push%20job%20items&lang=go"));
  ASSERT_FALSE(go["results"].empty());
  for (const json& h : go["results"]) EXPECT_EQ(h["path"], "lib/queue.go");
  json glob = body(c().Get("/api/search?q=items&path=src/*.py"));
  ASSERT_FALSE(glob["results"].empty());
  for (const json& h : glob["results"]) EXPECT_EQ(h["path"], "src/billing.py");
  json kind = body(c().Get("/api/search?q=invoice&kind=class"));
  ASSERT_FALSE(kind["results"].empty());
  for (const json& h : kind["results"]) EXPECT_EQ(h["kind"], "class");
  json ex = body(c().Get("/api/search?q=invoice&explain=true"));
  ASSERT_FALSE(ex["results"].empty());
  EXPECT_TRUE(ex["results"][0]["evidence"].contains("matched_terms")) << ex.dump();
  json grouped = body(c().Get("/api/search?q=invoice&group_by=file"));
  ASSERT_EQ(grouped["results"].size(), 1u) << grouped.dump();
  EXPECT_GE(grouped["results"][0]["file_hits"].get<int>(), 2);
  json sym = body(c().Get("/api/search?q=parseConfigFile&mode=symbol"));
  ASSERT_FALSE(sym["results"].empty());
  EXPECT_EQ(sym["mode"], "symbol");
  EXPECT_EQ(sym["results"][0]["path"], "src/config.js");
}

TEST_F(ApiTest, SearchErrors) {
  expect_error(c().Get("/api/search"), 400, "missing required parameter 'query'");
  expect_error(c().Get("/api/search?q="), 400, "'query' must not be empty");
  expect_error(c().Get("/api/search?q=x&limit=ten"), 400, "'limit' must be an integer");
  expect_error(c().Get("/api/search?q=x&limit=0"), 400, "'limit' must be at least 1");
  expect_error(c().Get("/api/search?q=x&limit=1000"), 400, "'limit' must be at most 100");
  expect_error(c().Get("/api/search?q=x&mode=fuzzy"), 400, "'mode' must be one of");
  expect_error(c().Get("/api/search?q=x&lang=klingon"), 400, "unknown language 'klingon'");
  expect_error(c().Get("/api/search?q=x&explain=maybe"), 400, "'explain' must be true or false");
  expect_error(c().Get("/api/search?q=x&colour=red"), 400, "unknown parameter 'colour'");
  expect_error(c().Get("/api/search?q=x&q=y"), 400, "given twice");
  expect_error(post("/api/search", {{"limit", "5"}, {"query", "x"}}), 400, "'limit' must be an integer");
  expect_error(c().Post("/api/search", "{not json", "application/json"), 400, "not a JSON object");
  expect_error(c().Post("/api/search", "[1]", "application/json"), 400, "not a JSON object");
  expect_error(c().Post("/api/search", "query=x", "application/x-www-form-urlencoded"), 415,
               "Content-Type: application/json");
}

TEST_F(ApiTest, AssembleReturnsBundleAndTokenUse) {
  json b = body(c().Get("/api/assemble?q=how%20is%20the%20invoice%20total%20computed&budget=600"));
  ASSERT_TRUE(b.contains("text")) << b.dump();
  EXPECT_EQ(b["budget"], 600);
  EXPECT_GT(b["tokens"].get<int64_t>(), 0);
  EXPECT_LE(b["tokens"].get<int64_t>(), 600);
  EXPECT_EQ(b["format"], "markdown");
  EXPECT_NE(b["text"].get<std::string>().find("compute_invoice_total"), std::string::npos);
  ASSERT_FALSE(b["items"].empty());
  EXPECT_EQ(b["items"][0]["path"], "src/billing.py");
  EXPECT_GT(b["items"][0]["tokens"].get<int64_t>(), 0);
  // POST with the max_tokens alias, evidence and JSON rendering.
  json j = body(post("/api/assemble", {{"query", "invoice total"}, {"max_tokens", 800},
                                       {"format", "json"}, {"evidence", true}}));
  EXPECT_EQ(j["budget"], 800);
  EXPECT_EQ(j["format"], "json");
  json rendered = json::parse(j["text"].get<std::string>(), nullptr, false);
  EXPECT_FALSE(rendered.is_discarded()) << j["text"];
  expect_error(c().Get("/api/assemble"), 400, "missing required parameter 'query'");
  expect_error(c().Get("/api/assemble?q=x&budget=0"), 400, "'budget' must be at least 1");
  expect_error(c().Get("/api/assemble?q=x&tokenizer=gpt2"), 400, "'tokenizer' must be one of");
}

TEST_F(ApiTest, ChunkByIdAndErrors) {
  json s = body(c().Get("/api/search?q=compute_invoice_total&mode=symbol"));
  ASSERT_FALSE(s["results"].empty());
  const int64_t id = s["results"][0]["id"];
  json ch = body(c().Get(("/api/chunk?id=" + std::to_string(id)).c_str()));
  EXPECT_EQ(ch["id"], id);
  EXPECT_EQ(ch["path"], "src/billing.py");
  EXPECT_EQ(ch["lang"], "python");
  EXPECT_EQ(ch["start_line"], 1);
  EXPECT_EQ(ch["total_lines"], 9);
  EXPECT_EQ(ch["symbol"], "compute_invoice_total");
  EXPECT_EQ(ch["text"].get<std::string>().rfind("def compute_invoice_total(items, tax_rate):\n", 0), 0u)
      << ch["text"];
  expect_error(c().Get("/api/chunk?id=987654"), 404, "no chunk with id 987654");
  expect_error(c().Get("/api/chunk"), 400, "missing required parameter 'id'");
  expect_error(c().Get("/api/chunk?id=0"), 400, "'id' must be at least 1");
  expect_error(c().Get("/api/chunk?id=abc"), 400, "'id' must be an integer");
}

TEST_F(ApiTest, SymbolsByNameAndByFile) {
  json ex = body(c().Get("/api/symbols?name=compute_invoice_total"));
  EXPECT_EQ(ex["match"], "exact");
  ASSERT_EQ(ex["results"].size(), 1u);
  EXPECT_EQ(ex["results"][0]["path"], "src/billing.py");
  EXPECT_EQ(ex["results"][0]["start_line"], 1);
  json pre = body(c().Get("/api/symbols?name=compute_"));
  EXPECT_EQ(pre["match"], "prefix");
  EXPECT_EQ(pre["results"].size(), 1u);
  json con = body(c().Get("/api/symbols?name=invoice"));
  EXPECT_EQ(con["match"], "contains");
  EXPECT_GE(con["results"].size(), 2u);  // compute_invoice_total, InvoicePrinter
  json only_exact = body(c().Get("/api/symbols?name=compute_&match=exact"));
  EXPECT_TRUE(only_exact["results"].empty());
  json limited = body(post("/api/symbols", {{"name", "invoice"}, {"limit", 1}}));
  EXPECT_EQ(limited["results"].size(), 1u);
  EXPECT_EQ(limited["truncated"], true);
  json file = body(c().Get("/api/symbols?file=src/billing.py"));
  EXPECT_EQ(file["file"], "src/billing.py");
  std::vector<std::string> names;
  for (const json& s : file["results"]) names.push_back(s["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"compute_invoice_total", "InvoicePrinter", "render"}));
  expect_error(c().Get("/api/symbols?file=src/none.py"), 404, "src/none.py is not indexed");
  expect_error(c().Get("/api/symbols?file=../../etc/passwd"), 400, "");
  expect_error(c().Get("/api/symbols"), 400, "either name");
  expect_error(c().Get("/api/symbols?name=a&file=b"), 400, "either name");
  expect_error(c().Get("/api/symbols?file=src/billing.py&match=exact"), 400, "'match' applies to name");
}

TEST_F(ApiTest, StatsAndRoutes) {
  json s = body(c().Get("/api/stats"));
  EXPECT_EQ(s["files"], 3);
  EXPECT_EQ(s["languages"]["python"], 1);
  EXPECT_EQ(s["indexing"], false);
  EXPECT_EQ(std::filesystem::path(s["root"].get<std::string>()), std::filesystem::canonical(dir_->path()));
  expect_error(c().Get("/api/stats?x=1"), 400, "unknown parameter 'x'");
  expect_error(c().Get("/api/nothing"), 404, "no such endpoint: /api/nothing");
  auto r = c().Post("/api/stats", "{}", "application/json");
  expect_error(r, 405, "POST is not supported on /api/stats");
  EXPECT_EQ(r->get_header_value("Allow"), "GET");
  expect_error(c().Delete("/api/search"), 405, "DELETE is not supported");
}

TEST_F(ApiTest, HealthMatchesCliAndMcp) {
  auto r = c().Get("/api/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  json h = body(r);
  EXPECT_EQ(h["status"], "healthy");
  EXPECT_EQ(h["quick_check"], "ok");
  EXPECT_EQ(h["index_present"], true);
  // The CLI reports the same checks with the same statuses.
  ProcResult cli = run_process({PAMPAX_BINARY, "health", dir_->path().string(), "--output", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  json hc = json::parse(cli.out);
  ASSERT_EQ(hc["checks"].size(), h["checks"].size());
  for (size_t i = 0; i < h["checks"].size(); ++i) {
    EXPECT_EQ(hc["checks"][i]["name"], h["checks"][i]["name"]);
    EXPECT_EQ(hc["checks"][i]["status"], h["checks"][i]["status"]);
  }
  for (const char* k : {"status", "root", "index", "schema_version", "chunks", "files_changed"})
    EXPECT_EQ(hc[k], h[k]) << k;
  // So does the MCP health tool, over /mcp.
  json call = {{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/call"},
               {"params", {{"name", "health"}, {"arguments", json::object()}}}};
  auto m = c().Post("/mcp", {{"Accept", "application/json"}}, call.dump(), "application/json");
  ASSERT_TRUE(m);
  json mj = body(m);
  json sc = mj["result"]["structuredContent"];
  EXPECT_EQ(sc["status"], "healthy") << mj.dump();
  EXPECT_EQ(sc["checks"].size(), h["checks"].size());
  EXPECT_EQ(sc["indexing"], false);
  expect_error(c().Get("/api/health?quick_check=perhaps"), 400, "must be true or false");
}

TEST(ApiHealth, UnhealthyAndDegradedAre503) {
  TempDir empty;
  empty.write("a.py", "def f():\n    return 1\n");
  {
    Served s(empty.path());
    auto r = s.client().Get("/api/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    json h = json::parse(r->body);
    EXPECT_EQ(h["status"], "unhealthy");
    EXPECT_EQ(h["index_present"], false);
    bool fix = false;
    for (const json& c : h["checks"]) fix = fix || c["fix"].get<std::string>().find("pampax index") != std::string::npos;
    EXPECT_TRUE(fix) << h.dump();
    // No index: searching says how to make one (404), /metrics still answers.
    auto sr = s.client().Get("/api/search?q=f");
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->status, 404);
    EXPECT_NE(sr->body.find("no index yet"), std::string::npos) << sr->body;
    auto m = s.client().Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 200);
  }
  index_repo(empty.path());
  empty.write("b.py", "def g():\n    return 2\n");  // a new file since the last update
  Served s(empty.path());
  auto r = s.client().Get("/api/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  json h = json::parse(r->body);
  EXPECT_EQ(h["status"], "degraded") << h.dump();
  EXPECT_EQ(h["files_new"], 1);
}

// Parses `name{labels} value` lines of a Prometheus exposition.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

TEST_F(ApiTest, MetricsRecordHttpRequestsAndPassPromtool) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c().Get("/api/search?q=invoice")->status, 200);
  ASSERT_EQ(c().Get("/api/chunk?id=987654")->status, 404);
  // A request is recorded after its response has been sent, so the last search may land a
  // moment after the client has its answer: read /metrics until it shows (at most ~5 s).
  const std::string search_count =
      "pampax_operation_duration_ms_count{operation=\"http_api_search\",cache_hit=\"false\"}";
  const std::string chunk_count =
      "pampax_operation_duration_ms_count{operation=\"http_api_chunk\",cache_hit=\"false\"}";
  auto recorded = [&](const std::string& body) {
    return sample(body, search_count) >= 3 && sample(body, chunk_count) >= 1;
  };
  auto r = c().Get("/metrics");
  for (int attempt = 0; r && r->status == 200 && !recorded(r->body) && attempt < 250; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = c().Get("/metrics");
  }
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = r->body;
  // The three searches were timed (the index keeps earlier test cases' requests as well).
  EXPECT_GE(sample(text, search_count), 3) << text;
  EXPECT_GE(sample(text, chunk_count), 1);
  EXPECT_GE(sample(text, "pampax_operation_duration_ms_count{operation=\"search\",cache_hit=\"false\"}") +
                sample(text, "pampax_operation_duration_ms_count{operation=\"search\",cache_hit=\"true\"}"),
            1);
  // This /metrics request is recorded after it is answered: the next one shows it.
  const std::string metrics_count =
      "pampax_operation_duration_ms_count{operation=\"http_metrics\",cache_hit=\"false\"}";
  double metrics_seen = 0;
  for (int attempt = 0; attempt < 250 && metrics_seen < 1; ++attempt) {
    auto r2 = c().Get("/metrics");
    ASSERT_TRUE(r2);
    metrics_seen = sample(r2->body, metrics_count);
    if (metrics_seen < 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(metrics_seen, 1);

  ASSERT_TRUE(std::filesystem::exists("/usr/bin/promtool"))
      << "promtool is missing: run scripts/bootstrap (Debian package prometheus)";
  ProcResult lint = run_process({"/usr/bin/promtool", "check", "metrics"}, text);
  // Exit 1 is a parse error; 3 lint findings, of which only the prescribed _ms name is accepted.
  EXPECT_NE(lint.exit_code, 1) << lint.out << lint.err;
  std::istringstream in(lint.out + lint.err);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    EXPECT_EQ(line, "pampax_operation_duration_ms metric names should not contain abbreviated units");
  }

  json j = body(c().Get("/api/metrics"));
  EXPECT_EQ(j["bucket_bounds_ms"].size(), 11u);
  EXPECT_EQ(j["index"], true);
  bool found = false;
  for (const json& h : j["histograms"])
    if (h["labels"]["operation"] == "http_api_search") {
      found = true;
      EXPECT_EQ(h["buckets"].size(), 12u);
      EXPECT_EQ(h["buckets"][11]["count"], h["count"]);
    }
  EXPECT_TRUE(found) << j.dump();
  EXPECT_GT(j["process"]["rss_bytes"].get<uint64_t>(), 0u);
  bool perf = false;
  for (const json& p : j["performance"]) perf = perf || p["operation"] == "search";
  EXPECT_TRUE(perf);
}

TEST_F(ApiTest, WebPageIsServedWithContentTypes) {
  auto r = c().Get("/", {{"Host", "127.0.0.1"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->body.find("<script src=\"/app.js\""), std::string::npos);
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  for (const WebAsset& a : web_assets()) {
    auto x = c().Get(std::string(a.path).c_str());
    ASSERT_TRUE(x);
    EXPECT_EQ(x->status, 200) << a.path;
    EXPECT_EQ(x->get_header_value("Content-Type"), a.content_type) << a.path;
    EXPECT_EQ(x->body, a.body) << a.path;
  }
  // Nothing in the page loads from elsewhere.
  for (const WebAsset& a : web_assets()) {
    EXPECT_EQ(a.body.find("https://"), std::string::npos) << a.path;
    EXPECT_EQ(a.body.find("@import"), std::string::npos) << a.path;
  }
  // A page opened as http://127.0.0.1:PORT/ passes the Host and Origin checks.
  const std::string origin = "http://127.0.0.1:" + std::to_string(port());
  auto api = c().Post("/api/search", {{"Origin", origin}}, json{{"query", "invoice"}}.dump(), "application/json");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200) << api->body;
  // ... and a foreign one does not (JSON error, not JSON-RPC, outside /mcp).
  auto evil = c().Get("/api/stats", {{"Origin", "http://evil.example"}});
  expect_error(evil, 403, "Origin 'http://evil.example' is not allowed");
  auto rebinding = c().Get("/api/stats", {{"Host", "evil.example:80"}});
  expect_error(rebinding, 403, "not a loopback name");
  EXPECT_EQ(route_operation("/api/search"), "http_api_search");
  EXPECT_EQ(route_operation("/api/../etc"), "http_other");
  EXPECT_EQ(route_operation("/app.js"), "http_page");
  EXPECT_EQ(route_operation("/whatever"), "http_other");
}

TEST(ApiToken, EveryDataRouteNeedsTheBearerToken) {
  TempDir dir;
  write_repo(dir);
  index_repo(dir.path());
  HttpOptions o;
  o.token = "s3cret-token";
  Served s(dir.path(), o);
  auto& c = s.client();
  const httplib::Headers good = {{"Authorization", "Bearer s3cret-token"}};
  const httplib::Headers bad = {{"Authorization", "Bearer s3cret-tokem"}};
  const httplib::Headers shorter = {{"Authorization", "Bearer s3cret"}};
  const httplib::Headers basic = {{"Authorization", "Basic czNjcmV0LXRva2Vu"}};
  for (const char* path : {"/api/stats", "/api/search?q=invoice", "/api/health", "/metrics",
                           "/api/metrics", "/api/nothing"}) {
    auto none = c.Get(path);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"pampax\"");
    EXPECT_NE(none->body.find("Authorization: Bearer"), std::string::npos) << none->body;
    for (const auto& h : {bad, shorter, basic}) {
      auto wrong = c.Get(path, h);
      ASSERT_TRUE(wrong);
      EXPECT_EQ(wrong->status, 401) << path;
      EXPECT_NE(wrong->body.find("does not match"), std::string::npos) << wrong->body;
    }
    auto ok = c.Get(path, good);
    ASSERT_TRUE(ok);
    EXPECT_NE(ok->status, 401) << path;
  }
  EXPECT_EQ(c.Get("/api/stats", good)->status, 200);
  // MCP too (a JSON-RPC error there).
  json ping = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};
  auto m = c.Post("/mcp", ping.dump(), "application/json");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 401);
  EXPECT_EQ(json::parse(m->body)["error"]["code"], -32600);
  httplib::Headers mh = good;
  mh.emplace("Accept", "application/json");
  auto m2 = c.Post("/mcp", mh, ping.dump(), "application/json");
  ASSERT_TRUE(m2);
  EXPECT_EQ(m2->status, 200) << m2->body;
  // The page itself needs no token (it holds no data and asks for the token).
  EXPECT_EQ(c.Get("/")->status, 200);
  EXPECT_EQ(c.Get("/app.js")->status, 200);
}

TEST(ApiToken, NonLoopbackNeedsAToken) {
  TempDir dir;
  mcp::Workspace ws(dir.path());
  mcp::McpServer m(ws, mcp::ServerOptions{.max_output_tokens = 10000, .log_to_stderr = false});
  for (const char* host : {"0.0.0.0", "::", "192.0.2.1"}) {
    HttpOptions o;
    o.host = host;
    o.port = 0;
    HttpServer s(m, o);
    Status st = s.bind();
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << host;
    EXPECT_NE(st.message().find("PAMPAX_TOKEN"), std::string::npos) << st.message();
  }
  HttpOptions o;
  o.host = "0.0.0.0";
  o.port = 0;
  o.token = "t";
  HttpServer s(m, o);
  EXPECT_TRUE(s.bind().ok());
  // Loopback needs none.
  for (const char* host : {"127.0.0.1", "localhost"}) {
    HttpOptions lo;
    lo.host = host;
    lo.port = 0;
    HttpServer l(m, lo);
    EXPECT_TRUE(l.bind().ok()) << host;
  }
}

TEST(ApiToken, AnyLoopbackAddressServesWithoutToken) {
  TempDir dir;
  write_repo(dir);
  index_repo(dir.path());
  HttpOptions o;
  o.host = "127.0.0.2";  // all of 127.0.0.0/8 is loopback on Linux
  Served s(dir.path(), o);
  httplib::Client c("127.0.0.2", s.port());
  auto r = c.Get("/api/stats");  // Host: 127.0.0.2:PORT
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  auto evil = c.Get("/api/stats", {{"Host", "attacker.example"}});
  ASSERT_TRUE(evil);
  EXPECT_EQ(evil->status, 403);
}

TEST(ApiToken, HelpersCompareExactly) {
  EXPECT_TRUE(bearer_matches("Bearer abc", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer abd", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer ab", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer abcd", "abc"));
  EXPECT_FALSE(bearer_matches("bearer abc", "abc"));
  EXPECT_FALSE(bearer_matches("", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));  // an empty token never matches
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("[::1]"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.evil.example"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host(""));
}

TEST(ApiCli, ServeRefusesNonLoopbackWithoutToken) {
  TempDir dir;
  dir.write("a.py", "x = 1\n");
  ProcResult r = run_process({"/usr/bin/env", "-u", "PAMPAX_TOKEN", PAMPAX_BINARY, "serve", "--path",
                              dir.path().string(), "--host", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("refusing to listen on 0.0.0.0 without a token"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pampax::server
