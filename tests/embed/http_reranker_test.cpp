// The http rerank backend against a real llama-server --reranking serving the generated
// cross-encoder (its scores must equal the in-process gguf backend's: that proves both the
// request shapes and our pair layout), and against a small loopback server that scripts
// failures (retries, errors, malformed answers, batching, API keys, the TEI shape).
#include "embed/http_reranker.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "../test_util.h"
#include "embed/gguf_reranker.h"
#include "embed/rerank_config.h"
#include "embed_test_util.h"
#include "llama_server.h"
#include "scripted_server.h"

namespace pampax {
namespace {

using nlohmann::json;
using testing::LlamaServer;

class RerankServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(std::filesystem::exists(testing::llama_server_path()))
        << "run scripts/bootstrap (scripts/build-llama builds llama-server)";
    ASSERT_TRUE(std::filesystem::exists(testing::test_reranker_path())) << "run scripts/bootstrap";
    dir_ = new testing::TempDir();
    server_ = new LlamaServer();
    const std::string log = (*dir_ / "llama-server.log").string();
    ASSERT_TRUE(server_->start(testing::test_reranker_path(), "--reranking", log))
        << "llama-server did not become healthy:\n" << testing::read_all(log);
    GgufRerankOptions g;
    g.model_path = testing::test_reranker_path();
    g.threads = 1;
    auto local = open_gguf_reranker(g);
    ASSERT_TRUE(local.ok()) << local.status().message();
    local_ = std::move(local).value().release();
  }
  static void TearDownTestSuite() {
    delete local_;
    delete server_;
    delete dir_;
    local_ = nullptr;
    server_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(local_, nullptr);
  }

  static void expect_same_scores(Reranker& http, const std::string& query) {
    const auto docs = testing::sample_texts();
    auto a = http.score(query, docs);
    auto b = local_->score(query, docs);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message();
    ASSERT_EQ(a->size(), docs.size());
    // The server packs its passes differently: float rounding, about 0.001 on these scores,
    // while changing one token of a pair (a different layout) moves a score by 0.04 or more
    // (gguf_reranker_test.cpp).
    for (size_t i = 0; i < docs.size(); ++i) EXPECT_NEAR((*a)[i], (*b)[i], 0.005) << i;
    // Not all equal: the comparison means something.
    EXPECT_GT(*std::max_element(b->begin(), b->end()) - *std::min_element(b->begin(), b->end()), 0.1);
  }

  static testing::TempDir* dir_;
  static LlamaServer* server_;
  static Reranker* local_;
};
testing::TempDir* RerankServerTest::dir_ = nullptr;
LlamaServer* RerankServerTest::server_ = nullptr;
Reranker* RerankServerTest::local_ = nullptr;

TEST_F(RerankServerTest, CohereShapeScoresEqualTheInProcessGgufBackend) {
  HttpRerankOptions h;
  h.base_url = server_->url();
  h.model = "minilm-rerank";
  h.batch_size = 4;  // 6 documents: two requests
  auto http = open_http_reranker(h);
  ASSERT_TRUE(http.ok()) << http.status().message();
  EXPECT_EQ((*http)->info().model_id, "http:cohere:" + server_->url() + ":minilm-rerank:rerank");
  expect_same_scores(**http, "parse the gitignore patterns of a repository");
}

TEST_F(RerankServerTest, TeiShapeAndV1BaseUrlScoreTheSame) {
  HttpRerankOptions h;
  h.base_url = server_->url();
  h.api = RerankApi::kTei;
  auto tei = open_http_reranker(h);
  ASSERT_TRUE(tei.ok()) << tei.status().message();
  expect_same_scores(**tei, "sum two numbers");

  RerankConfig c;
  c.backend = "http";
  c.url = server_->url() + "/v1/";
  c.api = "jina";
  auto v1 = make_reranker(c);
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  expect_same_scores(**v1, "sum two numbers");
}

// --- a scripted loopback server ---

struct Script : testing::ScriptState {
  std::vector<size_t> batch_sizes;
  std::string last_model;
  json last_request;
};

// A fake relevance: the document's length plus a bonus when it contains the query.
double fake_score(const std::string& query, const std::string& doc) {
  return static_cast<double>(doc.size()) + (doc.find(query) != std::string::npos ? 100.0 : 0.0);
}

// Cohere/Jina /v1/rerank and TEI /rerank, scoring with fake_score.
class FakeServer : public testing::ScriptedServer {
 public:
  explicit FakeServer(Script& s)
      : ScriptedServer(s, {"/v1/rerank", "/rerank"}, [&s](const std::string& path, const json& in) {
          const bool tei = path == "/rerank";
          s.last_request = in;
          s.last_model = in.value("model", "");
          const json& docs = tei ? in["texts"] : in["documents"];
          const std::string query = in["query"];
          s.batch_sizes.push_back(docs.size());
          // Real servers answer best first, not in input order.
          std::vector<std::pair<double, size_t>> ranked;
          for (size_t i = 0; i < docs.size(); ++i)
            ranked.emplace_back(fake_score(query, docs[i].get<std::string>()), i);
          std::sort(ranked.rbegin(), ranked.rend());
          json items = json::array();
          for (auto& [score, i] : ranked)
            items.push_back({{"index", i}, {tei ? "score" : "relevance_score", score}});
          return tei ? items : json{{"results", items}};
        }) {}
};

HttpRerankOptions fast_options(const std::string& url) {
  HttpRerankOptions h;
  h.base_url = url;
  h.model = "m";
  h.initial_backoff_ms = 5;
  h.max_backoff_ms = 20;
  h.api_key_env = "PAMPAX_TEST_RERANK_KEY";
  h.fallback_api_key_env = "PAMPAX_TEST_EMBED_KEY";
  return h;
}

void expect_fake_scores(const std::vector<float>& got, const std::string& q,
                        const std::vector<std::string>& docs) {
  ASSERT_EQ(got.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i)
    EXPECT_FLOAT_EQ(got[i], static_cast<float>(fake_score(q, docs[i]))) << i;
}

TEST(HttpRerankerScripted, BatchesAndPutsScoresBackInInputOrder) {
  Script s;
  FakeServer srv(s);
  HttpRerankOptions h = fast_options(srv.url());
  h.batch_size = 2;
  auto r = open_http_reranker(h);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(s.requests, 0);  // nothing sent before the first score()
  const std::vector<std::string> docs = {"a", "xx parse yy", "ccc", "dddd", "parse"};
  auto v = (*r)->score("parse", docs);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(s.batch_sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(s.last_path, "/v1/rerank");
  EXPECT_EQ(s.last_model, "m");
  EXPECT_EQ(s.last_request["top_n"], 1);  // every document of the request comes back
  expect_fake_scores(*v, "parse", docs);
}

TEST(HttpRerankerScripted, TeiShape) {
  Script s;
  FakeServer srv(s);
  HttpRerankOptions h = fast_options(srv.url());
  h.api = RerankApi::kTei;
  auto r = open_http_reranker(h);
  ASSERT_TRUE(r.ok());
  const std::vector<std::string> docs = {"one", "the query is here", "three"};
  auto v = (*r)->score("query", docs);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(s.last_path, "/rerank");
  EXPECT_EQ(s.last_request["texts"].size(), 3u);
  EXPECT_EQ(s.last_request["truncate"], true);
  EXPECT_FALSE(s.last_request.contains("documents"));
  expect_fake_scores(*v, "query", docs);
  EXPECT_EQ((*r)->info().model_id, "http:tei:" + srv.url() + ":m:rerank");
}

TEST(HttpRerankerScripted, RetriesOn5xxAnd429ThenSucceeds) {
  Script s;
  s.statuses = {503, 429, 500};
  FakeServer srv(s);
  auto r = open_http_reranker(fast_options(srv.url()));
  ASSERT_TRUE(r.ok());
  auto v = (*r)->score("q", {"abc", "q!"});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(s.requests, 4);
  expect_fake_scores(*v, "q", {"abc", "q!"});
}

TEST(HttpRerankerScripted, GivesUpAfterBoundedRetriesWithStatusAndBody) {
  Script s;
  s.statuses = std::vector<int>(10, 503);
  FakeServer srv(s);
  HttpRerankOptions h = fast_options(srv.url());
  h.max_retries = 2;
  auto r = open_http_reranker(h);
  ASSERT_TRUE(r.ok());
  auto v = (*r)->score("q", {"abc"});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kIoError);
  EXPECT_EQ(s.requests, 3);
  const std::string& m = v.status().message();
  EXPECT_NE(m.find("rerank request failed"), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 503"), std::string::npos) << m;
  EXPECT_NE(m.find("overloaded, try later"), std::string::npos) << m;
  EXPECT_NE(m.find("after 3 attempts"), std::string::npos) << m;
}

TEST(HttpRerankerScripted, ClientErrorsAreNotRetriedAndNameTheKeyVariable) {
  Script s;
  s.statuses = {401};
  s.error_body = "{\"error\":\"bad key\"}";
  FakeServer srv(s);
  auto r = open_http_reranker(fast_options(srv.url()));
  ASSERT_TRUE(r.ok());
  auto v = (*r)->score("q", {"abc"});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(s.requests, 1);
  EXPECT_NE(v.status().message().find("HTTP 401"), std::string::npos);
  EXPECT_NE(v.status().message().find("$PAMPAX_TEST_RERANK_KEY"), std::string::npos)
      << v.status().message();
}

TEST(HttpRerankerScripted, ApiKeyFromRerankVariableElseEmbedVariable) {
  Script s;
  FakeServer srv(s);
  setenv("PAMPAX_TEST_EMBED_KEY", "embed-key", 1);
  {
    auto r = open_http_reranker(fast_options(srv.url()));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE((*r)->score("q", {"a"}).ok());
    EXPECT_EQ(s.last_auth, "Bearer embed-key");
  }
  setenv("PAMPAX_TEST_RERANK_KEY", "rerank-key", 1);
  {
    auto r = open_http_reranker(fast_options(srv.url()));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE((*r)->score("q", {"a"}).ok());
    EXPECT_EQ(s.last_auth, "Bearer rerank-key");
  }
  unsetenv("PAMPAX_TEST_RERANK_KEY");
  unsetenv("PAMPAX_TEST_EMBED_KEY");
  {
    auto r = open_http_reranker(fast_options(srv.url()));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE((*r)->score("q", {"a"}).ok());
    EXPECT_EQ(s.last_auth, "");
  }
}

TEST(HttpRerankerScripted, MalformedResponsesAreCorrupt) {
  for (const char* body :
       {"not json", "[]", "{\"results\":[]}", "{\"results\":[{\"index\":0}]}",
        "{\"results\":[{\"index\":5,\"relevance_score\":1}]}",
        "{\"results\":[{\"index\":0,\"relevance_score\":1},{\"index\":0,\"relevance_score\":2}]}",
        "{\"results\":[{\"relevance_score\":1},{\"index\":1,\"relevance_score\":2}]}"}) {
    Script s;
    s.raw_body = body;
    FakeServer srv(s);
    auto r = open_http_reranker(fast_options(srv.url()));
    ASSERT_TRUE(r.ok());
    auto v = (*r)->score("q", {"abc", "def"});
    ASSERT_FALSE(v.ok()) << body;
    EXPECT_EQ(v.status().code(), Code::kCorrupt) << body << ": " << v.status().message();
  }
}

TEST(HttpRerankerScripted, LongDocumentsAreCutOnAUtf8Boundary) {
  Script s;
  FakeServer srv(s);
  HttpRerankOptions h = fast_options(srv.url());
  h.max_tokens = 2;  // 8 bytes
  auto r = open_http_reranker(h);
  ASSERT_TRUE(r.ok());
  auto v = (*r)->score("q", {"aaaaaaa\xe2\x82\xac tail"});
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(s.last_request["documents"][0], "aaaaaaa");
  expect_fake_scores(*v, "q", {"aaaaaaa"});
}

TEST(HttpRerankerErrors, BadUrlsOptionsAndUnreachableServers) {
  for (const char* url : {"", "127.0.0.1:8080", "ftp://host/", "http://"}) {
    HttpRerankOptions h;
    h.base_url = url;
    auto r = open_http_reranker(h);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << url;
  }
  HttpRerankOptions h;
  h.base_url = "http://127.0.0.1:" + std::to_string(testing::free_port());
  h.initial_backoff_ms = 1;
  h.max_backoff_ms = 2;
  auto r = open_http_reranker(h);
  ASSERT_TRUE(r.ok());
  auto v = (*r)->score("q", {"a"});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kIoError);
  EXPECT_NE(v.status().message().find("cannot reach " + h.base_url + "/v1/rerank"),
            std::string::npos)
      << v.status().message();

  RerankConfig c;
  c.backend = "http";
  c.url = "http://127.0.0.1:1";
  c.api = "openai";
  auto bad_api = make_reranker(c);
  ASSERT_FALSE(bad_api.ok());
  EXPECT_NE(bad_api.status().message().find("unknown rerank API 'openai'"), std::string::npos);
  c.backend = "gguf";
  auto no_model = make_reranker(c);
  ASSERT_FALSE(no_model.ok());
  EXPECT_NE(no_model.status().message().find("--rerank-model"), std::string::npos);
}

}  // namespace
}  // namespace pampax
