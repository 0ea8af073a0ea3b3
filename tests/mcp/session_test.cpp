// The MCP protocol engine in-process: JSON-RPC classification, lifecycle, tools over a real
// index, token caps, cancellation and concurrency (the SDK test drives the binary; this one
// reaches corners a client library will not produce).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "../test_util.h"
#include "assemble/tokenizer.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"

namespace pampax::mcp {
namespace {

using testing::TempDir;

TEST(JsonRpc, ClassifiesMessages) {
  auto c = classify(json::parse(R"({"jsonrpc":"2.0","id":7,"method":"ping"})"));
  EXPECT_EQ(c.kind, Classified::kRequest);
  EXPECT_EQ(c.id, 7);
  EXPECT_TRUE(c.params.is_object());
  c = classify(json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_EQ(c.kind, Classified::kNotification);
  c = classify(json::parse(R"({"jsonrpc":"2.0","id":"a","result":{}})"));
  EXPECT_EQ(c.kind, Classified::kResponse);
  // Invalid: each with the right code and id.
  c = classify(json::parse(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"));
  ASSERT_EQ(c.kind, Classified::kInvalid);
  EXPECT_EQ(c.error["error"]["code"], kInvalidRequest);
  EXPECT_TRUE(c.error["id"].is_null());
  c = classify(json::parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"));
  EXPECT_EQ(c.error["error"]["code"], kInvalidRequest);
  c = classify(json::parse(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})"));
  EXPECT_EQ(c.error["error"]["code"], kInvalidRequest);
  c = classify(json::parse(R"({"id":3,"method":"ping"})"));
  EXPECT_EQ(c.error["error"]["code"], kInvalidRequest);
  EXPECT_EQ(c.error["id"], 3);
  c = classify(json::parse(R"({"jsonrpc":"2.0","id":4,"method":5})"));
  EXPECT_EQ(c.error["error"]["code"], kInvalidRequest);
  c = classify(json::parse(R"({"jsonrpc":"2.0","id":5,"method":"x","params":[1]})"));
  EXPECT_EQ(c.error["error"]["code"], kInvalidParams);
  // A notification with bad params is dropped silently.
  c = classify(json::parse(R"({"jsonrpc":"2.0","method":"x","params":[1]})"));
  EXPECT_EQ(c.kind, Classified::kInvalid);
  EXPECT_TRUE(c.error.is_null());
}

TEST(JsonRpc, NegotiatesVersions) {
  EXPECT_EQ(negotiate_protocol_version("2025-06-18"), "2025-06-18");
  EXPECT_EQ(negotiate_protocol_version("2025-11-25"), "2025-11-25");
  EXPECT_EQ(negotiate_protocol_version("2026-07-28"), "2026-07-28");
  EXPECT_EQ(negotiate_protocol_version("2024-11-05"), "2026-07-28");
  EXPECT_EQ(negotiate_protocol_version(""), "2026-07-28");
}

TEST(JsonRpc, Base64UrlRoundTrips) {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", "{\"offset\":10}",
                                               std::string("\0\xff\x10", 3)}) {
    std::string back;
    ASSERT_TRUE(base64url_decode(base64url_encode(s), &back));
    EXPECT_EQ(back, s);
  }
  std::string out;
  EXPECT_FALSE(base64url_decode("ab+c", &out));
  EXPECT_FALSE(base64url_decode("a", &out));
}

TEST(ToolArguments, AreCheckedAgainstTheSchema) {
  ToolRegistry reg;
  register_core_tools(reg);
  const json& s = reg.find("search_code")->input_schema;
  EXPECT_TRUE(check_arguments(s, {{"query", "x"}, {"limit", 5}}).ok());
  EXPECT_TRUE(check_arguments(s, {{"query", "x"}, {"limit", 5.0}}).ok());  // JSON has no ints
  auto st = check_arguments(s, {{"query", "x"}, {"limit", 0}});
  EXPECT_NE(st.message().find("at least 1"), std::string::npos) << st.message();
  st = check_arguments(s, {{"query", "x"}, {"limit", 2.5}});
  EXPECT_NE(st.message().find("must be an integer"), std::string::npos) << st.message();
  st = check_arguments(s, {{"query", 3}});
  EXPECT_NE(st.message().find("'query' must be a string"), std::string::npos) << st.message();
  st = check_arguments(s, {{"query", "x"}, {"mode", "fuzzy"}});
  EXPECT_NE(st.message().find("one of: hybrid, bm25, vector, symbol"), std::string::npos) << st.message();
  st = check_arguments(s, {{"query", ""}});
  EXPECT_NE(st.message().find("must not be empty"), std::string::npos) << st.message();
  st = check_arguments(s, json::object());
  EXPECT_NE(st.message().find("missing required argument 'query'"), std::string::npos);
  st = check_arguments(s, {{"query", "x"}, {"colour", "red"}});
  EXPECT_NE(st.message().find("unknown argument 'colour'"), std::string::npos);
  EXPECT_FALSE(check_arguments(s, json::array()).ok());
}

TEST(ToolRegistry, AddingAToolIsOneCall) {
  ToolRegistry reg;
  register_core_tools(reg);
  size_t n = reg.tools().size();
  ToolDef t;
  t.name = "echo";
  t.input_schema = {{"type", "object"}};
  t.output_schema = {{"type", "object"}};
  t.run = [](const json& a, ToolContext&) -> Result<ToolOutput> {
    ToolOutput o;
    o.structured = a;
    o.text = a.dump();
    return o;
  };
  reg.add(t);
  EXPECT_EQ(reg.tools().size(), n + 1);
  reg.add(t);  // same name replaces
  EXPECT_EQ(reg.tools().size(), n + 1);
  EXPECT_EQ(reg.list().back()["name"], "echo");
}

// A session over a real, indexed repository; messages are collected as they are emitted.
class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("src/config.py",
               "class ConfigLoader:\n    def load_file(self, path):\n        return open(path).read()\n");
    std::string big;
    for (int i = 0; i < 400; ++i) big += "def handler_" + std::to_string(i) + "(x):\n    return x\n\n";
    dir_.write("src/big.py", big);
    ws_ = std::make_unique<Workspace>(dir_.path());
    server_ = std::make_unique<McpServer>(*ws_, ServerOptions{.max_output_tokens = 10000, .log_to_stderr = false});
    session_ = std::make_unique<Session>(*server_);
  }
  std::vector<json> send(const json& msg) {
    std::vector<json> out;
    std::mutex mu;
    session_->handle(msg, [&](const json& m) {
      std::lock_guard<std::mutex> l(mu);
      out.push_back(m);
    });
    return out;
  }
  json call(const std::string& tool, json args, json meta = nullptr) {
    json params = {{"name", tool}, {"arguments", std::move(args)}};
    if (!meta.is_null()) params["_meta"] = meta;
    auto out = send({{"jsonrpc", "2.0"}, {"id", ++id_}, {"method", "tools/call"}, {"params", params}});
    for (auto& m : out)
      if (m.contains("id") && m["id"] == id_) return m;
    return nullptr;
  }
  void index() {
    json r = call("index_project", json::object());
    ASSERT_EQ(r["result"]["isError"], false) << r.dump();
  }
  TempDir dir_;
  std::unique_ptr<Workspace> ws_;
  std::unique_ptr<McpServer> server_;
  std::unique_ptr<Session> session_;
  int id_ = 0;
};

TEST_F(SessionTest, InitializeAndLifecycle) {
  auto out = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                   {"params", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object()},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["result"]["protocolVersion"], "2025-06-18");
  EXPECT_TRUE(out[0]["result"]["capabilities"].contains("tools"));
  EXPECT_EQ(session_->protocol_version(), "2025-06-18");
  EXPECT_FALSE(session_->initialized());
  EXPECT_TRUE(send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).empty());
  EXPECT_TRUE(session_->initialized());
  out = send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "initialize"}, {"params", json::object()}});
  EXPECT_EQ(out[0]["error"]["code"], kInvalidParams);
}

TEST_F(SessionTest, ToolErrorsAreResultsNotProtocolErrors) {
  json r = call("find_symbol", {{"name", "ConfigLoader"}});
  ASSERT_TRUE(r.contains("result")) << r.dump();
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("index_project"), std::string::npos);
  index();
  r = call("find_symbol", {{"name", "ConfigLoader"}});
  EXPECT_EQ(r["result"]["isError"], false);
  EXPECT_EQ(r["result"]["structuredContent"]["results"][0]["path"], "src/config.py");
  r = call("find_symbol", {{"name", 5}});
  EXPECT_EQ(r["result"]["isError"], true);
}

TEST_F(SessionTest, EveryToolHonoursTheTokenCap) {
  index();
  // A whole file far larger than the cap comes back cut, with where to continue.
  json r = call("get_code_chunk", {{"path", "src/big.py"}, {"max_tokens", 300}});
  const json& s = r["result"]["structuredContent"];
  EXPECT_EQ(s["truncated"], true);
  EXPECT_LE(estimate_bpe_tokens(s["text"].get<std::string>()), 300u);
  EXPECT_EQ(s["next_start_line"], s["end_line"].get<int>() + 1);
  r = call("search_code", {{"query", "handler"}, {"limit", 100}, {"max_tokens", 500}});
  EXPECT_EQ(r["result"]["structuredContent"]["truncated"], true);
  EXPECT_LE(json_tokens(r["result"]["structuredContent"]), 700u);
  EXPECT_TRUE(r["result"]["structuredContent"].contains("next_cursor"));
  r = call("find_symbol", {{"name", "handler_"}, {"limit", 200}, {"max_tokens", 300}});
  EXPECT_EQ(r["result"]["structuredContent"]["truncated"], true);
  EXPECT_LT(r["result"]["structuredContent"]["results"].size(), 200u);
}

TEST_F(SessionTest, SearchShowsALongSymbolOnceWithItsLines) {
  std::string ledger = "def reconcile_ledger(entries):\n";  // far over one chunk: split in pieces
  for (int i = 0; i < 120; ++i)
    ledger += "    balance_" + std::to_string(i) + " = settle_invoice(entries) + carry_over_" +
              std::to_string(i) + "\n";
  dir_.write("src/ledger.py", ledger);
  index();
  json all = call("search_code", {{"query", "settle invoice carry over"}, {"group_by", "none"}, {"limit", 50}});
  int pieces = 0;
  for (const json& h : all["result"]["structuredContent"]["results"]) pieces += h["symbol"] == "reconcile_ledger";
  ASSERT_GE(pieces, 3) << all.dump();
  json r = call("search_code", {{"query", "settle invoice carry over"}, {"limit", 50}});
  const json& s = r["result"]["structuredContent"];
  int shown = 0;
  for (const json& h : s["results"])
    if (h["symbol"] == "reconcile_ledger") {
      ++shown;
      EXPECT_EQ(h["pieces"], pieces);
      EXPECT_EQ(h["symbol_lines"], json::array({1, 121}));
    }
  EXPECT_EQ(shown, 1);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find(
                "best of " + std::to_string(pieces) + " pieces; the whole symbol is lines 1-121"),
            std::string::npos);
}

TEST_F(SessionTest, ProgressOnlyWithAToken) {
  json r;
  std::vector<json> out = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"},
                                {"params", {{"name", "index_project"}, {"arguments", json::object()},
                                            {"_meta", {{"progressToken", "tok"}}}}}});
  int progress = 0;
  for (auto& m : out)
    if (m.value("method", "") == "notifications/progress") {
      EXPECT_EQ(m["params"]["progressToken"], "tok");
      ++progress;
    }
  EXPECT_GE(progress, 2);
  EXPECT_EQ(out.back()["id"], 1);  // the response comes last
  out = send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"},
              {"params", {{"name", "update_project"}, {"arguments", json::object()}}}});
  ASSERT_EQ(out.size(), 1u);  // no token: no progress
}

TEST_F(SessionTest, CancelledRequestGetsNoResponse) {
  index();
  for (int i = 0; i < 3000; ++i)
    dir_.write("gen/f" + std::to_string(i) + ".py", "def f" + std::to_string(i) + "():\n    return 1\n");
  std::vector<json> out;
  std::mutex mu;
  std::atomic<bool> started{false};
  std::thread worker([&] {
    session_->handle({{"jsonrpc", "2.0"}, {"id", "long"}, {"method", "tools/call"},
                      {"params", {{"name", "update_project"}, {"arguments", json::object()},
                                  {"_meta", {{"progressToken", 1}}}}}},
                     [&](const json& m) {
                       started = true;
                       std::lock_guard<std::mutex> l(mu);
                       out.push_back(m);
                     });
  });
  while (!started) std::this_thread::yield();
  // A search on this thread while the update runs on the other.
  json r = call("search_code", {{"query", "ConfigLoader"}});
  EXPECT_EQ(r["result"]["isError"], false) << r.dump();
  send({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"},
        {"params", {{"requestId", "long"}, {"reason", "test"}}}});
  worker.join();
  for (auto& m : out) EXPECT_FALSE(m.contains("id")) << "a cancelled request was answered: " << m.dump();
  // The next update resumes and completes.
  r = call("update_project", json::object());
  EXPECT_EQ(r["result"]["isError"], false) << r.dump();
  r = call("get_project_stats", json::object());
  EXPECT_EQ(r["result"]["structuredContent"]["files"], 3002);
}

TEST_F(SessionTest, ResourcesAndLogging) {
  index();
  auto out = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "resources/read"},
                   {"params", {{"uri", "pampax://file/src%2Fconfig.py"}}}});
  EXPECT_EQ(out[0]["result"]["contents"][0]["text"], testing::read_all(dir_ / "src/config.py"));
  out = send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "resources/read"},
              {"params", {{"uri", "pampax://file/nothing.py"}}}});
  EXPECT_EQ(out[0]["error"]["code"], kResourceNotFound);
  out = send({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "resources/read"},
              {"params", {{"uri", "pampax://file/%zz"}}}});
  EXPECT_EQ(out[0]["error"]["code"], kInvalidParams);
  out = send({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "logging/setLevel"}, {"params", {{"level", "debug"}}}});
  EXPECT_TRUE(out[0]["result"].empty());
  out = send({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"},
              {"params", {{"name", "update_project"}, {"arguments", json::object()}}}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["method"], "notifications/message");
  EXPECT_EQ(out[0]["params"]["level"], "info");
  out = send({{"jsonrpc", "2.0"}, {"id", 6}, {"method", "logging/setLevel"}, {"params", {{"level", "error"}}}});
  out = send({{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/call"},
              {"params", {{"name", "update_project"}, {"arguments", json::object()}}}});
  EXPECT_EQ(out.size(), 1u);  // info is below the level now
}

TEST_F(SessionTest, DuplicateIdInFlightIsRefused) {
  index();
  for (int i = 0; i < 2000; ++i)
    dir_.write("gen/f" + std::to_string(i) + ".py", "def f" + std::to_string(i) + "():\n    return 1\n");
  std::atomic<bool> started{false};
  std::thread worker([&] {
    session_->handle({{"jsonrpc", "2.0"}, {"id", 42}, {"method", "tools/call"},
                      {"params", {{"name", "update_project"}, {"arguments", json::object()},
                                  {"_meta", {{"progressToken", 1}}}}}},
                     [&](const json&) { started = true; });
  });
  while (!started) std::this_thread::yield();
  auto out = send({{"jsonrpc", "2.0"}, {"id", 42}, {"method", "ping"}});
  worker.join();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["error"]["code"], kInvalidRequest);
}

// The builtin default is the Engine's: index_project on a new index embeds with the builtin
// embedder, as `pampax index` does; update_project keeps the vectors current.
TEST_F(SessionTest, IndexProjectGivesANewIndexBuiltinVectors) {
  json r = call("index_project", json::object());
  ASSERT_EQ(r["result"]["isError"], false) << r.dump();
  const json& e = r["result"]["structuredContent"]["embeddings"];
  ASSERT_TRUE(e.is_object()) << r.dump();
  EXPECT_EQ(e["model"].get<std::string>().rfind("builtin:", 0), 0u) << e.dump();
  EXPECT_GT(e["embedded"].get<int>(), 0);
  EXPECT_EQ(e["chunks"], r["result"]["structuredContent"]["chunks"]);
  dir_.write("src/extra.py", "def load_extra(path):\n    return open(path).read()\n");
  r = call("update_project", json::object());
  ASSERT_EQ(r["result"]["isError"], false) << r.dump();
  EXPECT_EQ(r["result"]["structuredContent"]["embeddings"]["chunks"].get<int>(),
            r["result"]["structuredContent"]["embeddings"]["embedded"].get<int>() +
                r["result"]["structuredContent"]["embeddings"]["reused"].get<int>());
  r = call("get_project_stats", json::object());
  const json& s = r["result"]["structuredContent"];
  ASSERT_TRUE(s["embeddings"].is_object()) << s.dump();
  EXPECT_EQ(s["embeddings"]["embedder"], "builtin") << s.dump();
  EXPECT_EQ(s["embeddings"]["model"].get<std::string>().rfind("builtin:", 0), 0u) << s.dump();
  EXPECT_EQ(s["embeddings"]["chunks"], s["chunks"]) << s.dump();
  // Vector search answers (it is refused on an index without vectors).
  r = call("search_code", {{"query", "read the config file"}, {"mode", "vector"}});
  EXPECT_EQ(r["result"]["isError"], false) << r.dump();
}

// An index opted out with `pampax index --embed none` stays lexical through the MCP tools.
TEST_F(SessionTest, IndexProjectKeepsAnOptedOutIndexLexical) {
  {
    auto e = Engine::open(dir_.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(e.ok()) << e.status().message();
    ASSERT_TRUE((*e)->disable_embeddings().ok());
  }
  json r = call("index_project", json::object());
  ASSERT_EQ(r["result"]["isError"], false) << r.dump();
  EXPECT_FALSE(r["result"]["structuredContent"].contains("embeddings")) << r.dump();
  r = call("update_project", json::object());
  ASSERT_EQ(r["result"]["isError"], false) << r.dump();
  EXPECT_FALSE(r["result"]["structuredContent"].contains("embeddings")) << r.dump();
  r = call("search_code", {{"query", "read the config file"}, {"mode", "vector"}});
  EXPECT_EQ(r["result"]["isError"], true) << r.dump();
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("vector search is not available"), std::string::npos)
      << r.dump();
}

}  // namespace
}  // namespace pampax::mcp
