// The http backend against a real llama-server (OpenAI-compatible /v1/embeddings) serving the
// generated test model, and against a small loopback server that scripts failures (retries,
// errors, Ollama's /api/embed, batching).
#include "embed/http_embedder.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "../test_util.h"
#include "embed/gguf_embedder.h"
#include "embed_test_util.h"
#include "llama_server.h"
#include "scripted_server.h"

namespace pampax {
namespace {

using nlohmann::json;
using testing::cosine;
using testing::row;
using testing::free_port;
using testing::LlamaServer;

class LlamaServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(std::filesystem::exists(testing::llama_server_path()))
        << "run scripts/bootstrap (scripts/build-llama builds llama-server)";
    ASSERT_TRUE(std::filesystem::exists(testing::test_gguf_path())) << "run scripts/bootstrap";
    dir_ = new testing::TempDir();
    server_ = new LlamaServer();
    const std::string log = (*dir_ / "llama-server.log").string();
    ASSERT_TRUE(server_->start(testing::test_gguf_path(), "--embedding", log))
        << "llama-server did not become healthy:\n" << testing::read_all(log);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  static testing::TempDir* dir_;
  static LlamaServer* server_;
};
testing::TempDir* LlamaServerTest::dir_ = nullptr;
LlamaServer* LlamaServerTest::server_ = nullptr;

TEST_F(LlamaServerTest, VectorsEqualTheInProcessGgufBackend) {
  HttpOptions h;
  h.base_url = server_->url();
  h.model = "minilm";
  h.batch_size = 4;  // 6 texts: two requests
  auto http = open_http_embedder(h);
  ASSERT_TRUE(http.ok()) << http.status().message();
  EXPECT_EQ(http.value()->info().dim, 384);
  EXPECT_EQ(http.value()->info().model_id, "http:openai:" + server_->url() + ":minilm:384");

  GgufOptions g;
  g.model_path = testing::test_gguf_path();
  g.threads = 1;
  auto local = open_gguf_embedder(g);
  ASSERT_TRUE(local.ok()) << local.status().message();

  const auto texts = testing::sample_texts();
  auto a = http.value()->embed(texts, EmbedRole::kDocument);
  auto b = local.value()->embed(texts, EmbedRole::kDocument);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(a.value().size(), texts.size() * 384);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_GE(cosine(row(a.value(), 384, i), row(b.value(), 384, i)), 0.999) << i;
    EXPECT_NEAR(testing::norm(row(a.value(), 384, i)), 1.0, 1e-5);
  }
}

TEST_F(LlamaServerTest, BaseUrlEndingInV1AndOneTextPerRequest) {
  HttpOptions h;
  h.base_url = server_->url() + "/v1/";
  h.batch_size = 1;
  auto http = open_http_embedder(h);
  ASSERT_TRUE(http.ok()) << http.status().message();
  auto one = http.value()->embed({"alpha", "", "beta"}, EmbedRole::kQuery);
  ASSERT_TRUE(one.ok()) << one.status().message();
  ASSERT_EQ(one.value().size(), 3u * 384);
  EXPECT_EQ(testing::norm(row(one.value(), 384, 1)), 0.0);
  h.batch_size = 8;
  auto batched = open_http_embedder(h);
  ASSERT_TRUE(batched.ok());
  auto all = batched.value()->embed({"alpha", "", "beta"}, EmbedRole::kQuery);
  ASSERT_TRUE(all.ok());
  EXPECT_GE(cosine(row(one.value(), 384, 0), row(all.value(), 384, 0)), 0.9999);
  EXPECT_GE(cosine(row(one.value(), 384, 2), row(all.value(), 384, 2)), 0.9999);
}

TEST(HttpEmbedderErrors, WrongPortFailsClearlyAndQuickly) {
  HttpOptions h;
  h.base_url = "http://127.0.0.1:" + std::to_string(free_port());
  const auto t0 = std::chrono::steady_clock::now();
  auto e = open_http_embedder(h);  // default retries and backoff
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kIoError);
  EXPECT_NE(e.status().message().find("cannot reach " + h.base_url + "/v1/embeddings"),
            std::string::npos)
      << e.status().message();
  EXPECT_LT(secs, 3.0);
}

TEST(HttpEmbedderErrors, BadUrls) {
  for (const char* url : {"", "127.0.0.1:8080", "ftp://host/", "http://"}) {
    HttpOptions h;
    h.base_url = url;
    auto e = open_http_embedder(h);
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument) << url;
  }
}

// --- a scripted loopback server ---

struct Script : testing::ScriptState {
  bool shuffle = false;  // OpenAI: return data items in reverse order
  std::vector<size_t> batch_sizes;
  std::string last_model;
};

std::vector<float> fake_vector(const std::string& text) {
  return {static_cast<float>(text.size()), 1.0f, 2.0f, 3.0f};
}

// OpenAI-compatible /v1/embeddings and Ollama's /api/embed, answering fake_vector per input.
class FakeServer : public testing::ScriptedServer {
 public:
  explicit FakeServer(Script& s)
      : ScriptedServer(s, {"/v1/embeddings", "/api/embed"}, [&s](const std::string& path, const json& in) {
          s.last_model = in.value("model", "");
          const auto& inputs = in["input"];
          s.batch_sizes.push_back(inputs.size());
          json out;
          if (path == "/api/embed") {
            out["embeddings"] = json::array();
            for (const auto& t : inputs) out["embeddings"].push_back(fake_vector(t.get<std::string>()));
          } else {
            out["data"] = json::array();
            for (size_t i = 0; i < inputs.size(); ++i) {
              const size_t j = s.shuffle ? inputs.size() - 1 - i : i;
              out["data"].push_back({{"index", j}, {"embedding", fake_vector(inputs[j].get<std::string>())}});
            }
          }
          return out;
        }) {}
};

HttpOptions fast_options(const std::string& url) {
  HttpOptions h;
  h.base_url = url;
  h.model = "m";
  h.initial_backoff_ms = 5;
  h.max_backoff_ms = 20;
  h.probe = false;
  return h;
}

void expect_fake_rows(const std::vector<float>& v, const std::vector<std::string>& texts) {
  ASSERT_EQ(v.size(), texts.size() * 4);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_GE(cosine(row(v, 4, i), fake_vector(texts[i])), 0.999999) << i;
    EXPECT_NEAR(testing::norm(row(v, 4, i)), 1.0, 1e-6) << i;
  }
}

TEST(HttpEmbedderScripted, RetriesOn5xxAnd429ThenSucceeds) {
  Script s;
  s.statuses = {503, 429, 502};
  FakeServer srv(s);
  auto e = open_http_embedder(fast_options(srv.url()));
  ASSERT_TRUE(e.ok()) << e.status().message();
  auto v = e.value()->embed({"abc", "de"}, EmbedRole::kDocument);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(s.requests, 4);
  expect_fake_rows(v.value(), {"abc", "de"});
  EXPECT_EQ(e.value()->info().dim, 4);
  EXPECT_EQ(e.value()->info().model_id, "http:openai:" + srv.url() + ":m:4");
}

TEST(HttpEmbedderScripted, GivesUpAfterBoundedRetriesWithStatusAndBody) {
  Script s;
  s.statuses = std::vector<int>(10, 503);
  FakeServer srv(s);
  HttpOptions h = fast_options(srv.url());
  h.max_retries = 2;
  auto e = open_http_embedder(h);
  ASSERT_TRUE(e.ok());
  auto v = e.value()->embed({"abc"}, EmbedRole::kDocument);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(s.requests, 3);
  const std::string& m = v.status().message();
  EXPECT_NE(m.find("HTTP 503"), std::string::npos) << m;
  EXPECT_NE(m.find("overloaded, try later"), std::string::npos) << m;
  EXPECT_NE(m.find("after 3 attempts"), std::string::npos) << m;
}

TEST(HttpEmbedderScripted, ClientErrorsAreNotRetried) {
  Script s;
  s.statuses = {400};
  s.error_body = "{\"error\":\"input too long\"}";
  FakeServer srv(s);
  auto e = open_http_embedder(fast_options(srv.url()));
  ASSERT_TRUE(e.ok());
  auto v = e.value()->embed({"abc"}, EmbedRole::kDocument);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(s.requests, 1);
  EXPECT_EQ(v.status().code(), Code::kIoError);
  EXPECT_NE(v.status().message().find("HTTP 400"), std::string::npos);
  EXPECT_NE(v.status().message().find("input too long"), std::string::npos);
}

TEST(HttpEmbedderScripted, BatchesAndKeepsOrderEvenWhenTheServerReorders) {
  Script s;
  s.shuffle = true;
  FakeServer srv(s);
  HttpOptions h = fast_options(srv.url());
  h.batch_size = 3;
  auto e = open_http_embedder(h);
  ASSERT_TRUE(e.ok());
  const std::vector<std::string> texts = {"a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg"};
  auto v = e.value()->embed(texts, EmbedRole::kDocument);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(s.batch_sizes, (std::vector<size_t>{3, 3, 1}));
  expect_fake_rows(v.value(), texts);
}

TEST(HttpEmbedderScripted, OllamaFlavourWithApiKey) {
  Script s;
  FakeServer srv(s);
  setenv("PAMPAX_TEST_EMBED_KEY", "sekret", 1);
  HttpOptions h = fast_options(srv.url());
  h.flavour = HttpFlavour::kOllama;
  h.model = "nomic-embed-text";
  h.api_key_env = "PAMPAX_TEST_EMBED_KEY";
  h.probe = true;
  auto e = open_http_embedder(h);
  unsetenv("PAMPAX_TEST_EMBED_KEY");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e.value()->info().model_id, "http:ollama:" + srv.url() + ":nomic-embed-text:4");
  auto v = e.value()->embed({"xyz", "hello"}, EmbedRole::kDocument);
  ASSERT_TRUE(v.ok()) << v.status().message();
  expect_fake_rows(v.value(), {"xyz", "hello"});
  EXPECT_EQ(s.last_auth, "Bearer sekret");
  EXPECT_EQ(s.last_model, "nomic-embed-text");
}

TEST(HttpEmbedderScripted, MalformedResponsesAreCorrupt) {
  for (const char* body : {"not json", "{\"data\":[]}", "{\"data\":[{\"embedding\":[1,\"x\"]}]}",
                           "{\"embeddings\":[[1,2]]}"}) {
    Script s;
    s.raw_body = body;
    FakeServer srv(s);
    auto e = open_http_embedder(fast_options(srv.url()));
    ASSERT_TRUE(e.ok());
    auto v = e.value()->embed({"abc"}, EmbedRole::kDocument);
    ASSERT_FALSE(v.ok()) << body;
    EXPECT_EQ(v.status().code(), Code::kCorrupt) << body << ": " << v.status().message();
  }
}

TEST(HttpEmbedderScripted, LongInputsAreCutOnAUtf8Boundary) {
  Script s;
  FakeServer srv(s);
  HttpOptions h = fast_options(srv.url());
  h.max_tokens = 2;  // 8 bytes
  auto e = open_http_embedder(h);
  ASSERT_TRUE(e.ok());
  // "aaaaaaa" + 3-byte character straddling byte 8: cut before it.
  auto v = e.value()->embed({"aaaaaaa\xe2\x82\xac tail"}, EmbedRole::kDocument);
  ASSERT_TRUE(v.ok()) << v.status().message();
  expect_fake_rows(v.value(), {"aaaaaaa"});
}

}  // namespace
}  // namespace pampax
