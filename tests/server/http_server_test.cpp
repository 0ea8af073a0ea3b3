// `pampax serve`'s Streamable HTTP transport on a real socket (127.0.0.1, any free port) with
// cpp-httplib's client: sessions, headers, SSE, status codes, DNS rebinding protection.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "../test_util.h"
#include "mcp/server.h"
#include "server/http_server.h"

namespace pampax::server {
namespace {

using mcp::json;
using testing::TempDir;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/app.py", "def main():\n    return compute_answer()\n\ndef compute_answer():\n    return 42\n");
    ws_ = std::make_unique<mcp::Workspace>(dir_.path());
    mcp_ = std::make_unique<mcp::McpServer>(*ws_, mcp::ServerOptions{.max_output_tokens = 10000, .log_to_stderr = false});
    HttpOptions o;
    o.port = 0;
    o.allowed_origins = {"https://allowed.example"};
    http_ = std::make_unique<HttpServer>(*mcp_, o);
    ASSERT_TRUE(http_->bind().ok());
    thread_ = std::thread([this] { (void)http_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->bound_port());
    client_->set_read_timeout(60, 0);
  }
  void TearDown() override {
    http_->stop();
    thread_.join();
  }
  httplib::Headers headers(const std::string& session = "", const std::string& accept =
                                                               "application/json, text/event-stream") {
    httplib::Headers h = {{"Accept", accept}};
    if (!session.empty()) h.emplace("Mcp-Session-Id", session);
    return h;
  }
  httplib::Result post(const json& body, const httplib::Headers& h) {
    return client_->Post("/mcp", h, body.dump(), "application/json");
  }
  std::string initialize() {
    auto r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                   {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}},
                  headers());
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["result"]["protocolVersion"], "2025-11-25");
    return r->get_header_value("Mcp-Session-Id");
  }
  TempDir dir_;
  std::unique_ptr<mcp::Workspace> ws_;
  std::unique_ptr<mcp::McpServer> mcp_;
  std::unique_ptr<HttpServer> http_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, SessionLifecycle) {
  std::string sid = initialize();
  ASSERT_EQ(sid.size(), 32u);
  auto r = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, headers(sid));
  EXPECT_EQ(r->status, 202);
  EXPECT_TRUE(r->body.empty());
  r = post({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}}, headers(sid));
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_GE(json::parse(r->body)["result"]["tools"].size(), 8u);
  r = client_->Delete("/mcp", headers(sid));
  EXPECT_EQ(r->status, 200);
  r = post({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}}, headers(sid));
  EXPECT_EQ(r->status, 404);  // ended: the client must initialise again
  r = client_->Delete("/mcp", headers(sid));
  EXPECT_EQ(r->status, 404);
  r = client_->Delete("/mcp", headers());
  EXPECT_EQ(r->status, 400);
}

TEST_F(HttpServerTest, StatelessRequestsAndDiscover) {
  auto r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}}, headers());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["result"]["supportedVersions"][0], "2026-07-28");
  EXPECT_TRUE(r->get_header_value("Mcp-Session-Id").empty());
}

TEST_F(HttpServerTest, ToolCallStreamsProgressThenTheResponse) {
  std::string sid = initialize();
  auto r = post({{"jsonrpc", "2.0"}, {"id", 9}, {"method", "tools/call"},
                 {"params", {{"name", "index_project"}, {"arguments", json::object()},
                             {"_meta", {{"progressToken", "p"}}}}}},
                headers(sid));
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  std::vector<json> events;
  size_t pos = 0;
  while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
    size_t end = r->body.find("\n\n", pos);
    events.push_back(json::parse(r->body.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  ASSERT_GE(events.size(), 2u) << r->body;
  EXPECT_EQ(events.front()["method"], "notifications/progress");
  EXPECT_EQ(events.back()["id"], 9);
  EXPECT_EQ(events.back()["result"]["structuredContent"]["files_indexed"], 1);
  // A client that accepts only JSON gets JSON.
  r = post({{"jsonrpc", "2.0"}, {"id", 10}, {"method", "tools/call"},
            {"params", {{"name", "find_symbol"}, {"arguments", {{"name", "compute_answer"}}}}}},
           headers(sid, "application/json"));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r->body)["result"]["structuredContent"]["results"][0]["start_line"], 4);
}

TEST_F(HttpServerTest, RejectsWhatTheSpecificationRejects) {
  std::string sid = initialize();
  auto r = client_->Get("/mcp", headers(sid));
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "POST, DELETE");
  auto h = headers(sid);
  h.emplace("MCP-Protocol-Version", "1999-01-01");
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, h);
  EXPECT_EQ(r->status, 400);
  h = headers(sid);
  h.emplace("MCP-Protocol-Version", "2025-11-25");
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, h);
  EXPECT_EQ(r->status, 200);
  r = client_->Post("/mcp", headers(sid), "{not json", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], mcp::kParseError);
  r = client_->Post("/mcp", headers(sid), "{}", "text/plain");
  EXPECT_EQ(r->status, 415);
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, headers(sid, "text/html"));
  EXPECT_EQ(r->status, 406);
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "nope"}}, headers(sid));
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], mcp::kMethodNotFound);
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, headers("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpServerTest, DnsRebindingProtection) {
  auto h = headers();
  h.emplace("Origin", "http://evil.example.com");
  auto r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, h);
  EXPECT_EQ(r->status, 403);
  h = headers();
  h.emplace("Origin", "http://localhost:3000");
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, h);
  EXPECT_EQ(r->status, 200);
  h = headers();
  h.emplace("Origin", "https://allowed.example");
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, h);
  EXPECT_EQ(r->status, 200);
  // A Host that is not a loopback name: a rebound DNS name.
  httplib::Client evil("127.0.0.1", http_->bound_port());
  httplib::Headers eh = {{"Host", "evil.example.com"}, {"Accept", "application/json"}};
  r = evil.Post("/mcp", eh, R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
}

}  // namespace
}  // namespace pampax::server
