// `pampax search --rerank ...` end to end: the binary with the generated cross-encoder in
// process (gguf) and behind a real llama-server --reranking (http); both must give the same
// order and scores. Plus the flag errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../embed/embed_test_util.h"
#include "../embed/llama_server.h"
#include "../cli_util.h"
#include "../test_util.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::ProcResult;
using testing::run_process;
using testing::pampax;
using testing::parse;
using testing::TempDir;

void make_repo(const TempDir& d) {
  d.write("src/session.py",
          "class SessionStore:\n"
          "    \"\"\"Keeps user sessions.\"\"\"\n"
          "    def refresh_token(self, user_id):\n"
          "        return user_id * 2\n\n\n"
          "def drop_session(store, user_id):\n"
          "    \"\"\"Forget a user's session token.\"\"\"\n"
          "    store.pop(user_id)\n");
  std::string many;
  for (int i = 0; i < 12; ++i)
    many += "def token_helper_" + std::to_string(i) + "(x):\n    \"\"\"Token step " +
            std::to_string(i) + " of the session pipeline.\"\"\"\n    return x + " +
            std::to_string(i) + "\n\n\n";
  d.write("src/helpers.py", many);
  d.write("README.md", "# Demo\n\nSessions and tokens.\n");
}

class RerankCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(testing::test_reranker_path())) << "run scripts/bootstrap";
    make_repo(dir_);
    root_ = dir_.path().string();
    ProcResult idx = pampax({"index", root_, "-q"});
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
  }
  json search(std::vector<std::string> extra) {
    std::vector<std::string> args = {"search", "session token", "-p", root_, "-o", "json",
                                     "--explain", "-n", "6"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcResult r = pampax(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << "\nstderr: " << r.err;
    return j;
  }
  TempDir dir_;
  std::string root_;
};

TEST_F(RerankCli, GgufAndHttpRerankAgree) {
  json plain = search({});
  json local = search({"--rerank", "gguf", "--rerank-model", testing::test_reranker_path(),
                       "--rerank-top", "10"});
  ASSERT_EQ(local["results"].size(), 6u);
  ASSERT_EQ(plain["results"].size(), 6u);
  std::vector<int> pre_ranks;
  for (size_t i = 0; i < 6; ++i) {
    const json& r = local["results"][i];
    ASSERT_TRUE(r["evidence"]["rerank"].is_object()) << r.dump();
    pre_ranks.push_back(r["evidence"]["rerank"]["pre_rank"]);
    EXPECT_LE(pre_ranks.back(), 10);
    EXPECT_DOUBLE_EQ(r["score"].get<double>(), r["evidence"]["rerank"]["score"].get<double>());
    if (i > 0) {
      EXPECT_GE(local["results"][i - 1]["score"].get<double>(), r["score"].get<double>());
    }
    EXPECT_TRUE(plain["results"][i]["evidence"]["rerank"].is_null());
  }
  std::sort(pre_ranks.begin(), pre_ranks.end());
  EXPECT_EQ(std::adjacent_find(pre_ranks.begin(), pre_ranks.end()), pre_ranks.end());

  TempDir logs;
  testing::LlamaServer server;
  const std::string log = (logs / "llama-server.log").string();
  ASSERT_TRUE(server.start(testing::test_reranker_path(), "--reranking", log))
      << testing::read_all(log);
  for (const char* api : {"cohere", "tei"}) {
    json remote = search({"--rerank", "http", "--rerank-url", server.url(), "--rerank-api", api,
                          "--rerank-top", "10"});
    ASSERT_EQ(remote["results"].size(), 6u) << api;
    for (size_t i = 0; i < 6; ++i) {
      // Same scores within float rounding; near-ties could swap, so compare by chunk.
      const json& r = remote["results"][i];
      bool found = false;
      for (const json& l : local["results"]) {
        if (l["id"] != r["id"]) continue;
        found = true;
        EXPECT_NEAR(l["score"].get<double>(), r["score"].get<double>(), 0.005) << api << " " << i;
        EXPECT_EQ(l["evidence"]["rerank"]["pre_rank"], r["evidence"]["rerank"]["pre_rank"]);
      }
      EXPECT_TRUE(found) << api << ": " << r.dump();
    }
  }
}

TEST_F(RerankCli, ExplainTextShowsTheRerank) {
  ProcResult r = pampax({"search", "session token", "-p", root_, "--explain", "--rerank", "gguf",
                         "--rerank-model", testing::test_reranker_path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" rerank "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(was #"), std::string::npos) << r.out;
}

TEST_F(RerankCli, FlagErrors) {
  ProcResult no_model = pampax({"search", "token", "-p", root_, "--rerank", "gguf"});
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_NE(no_model.err.find("--rerank gguf needs --rerank-model"), std::string::npos) << no_model.err;

  ProcResult no_backend = pampax({"search", "token", "-p", root_, "--rerank-url", "http://x"});
  EXPECT_EQ(no_backend.exit_code, 2);
  EXPECT_NE(no_backend.err.find("need --rerank gguf or --rerank http"), std::string::npos)
      << no_backend.err;

  ProcResult embedder = pampax({"search", "token", "-p", root_, "--rerank", "gguf",
                                "--rerank-model", testing::test_gguf_path()});
  EXPECT_EQ(embedder.exit_code, 1);
  EXPECT_NE(embedder.err.find("is not a reranker"), std::string::npos) << embedder.err;

  ProcResult missing = pampax({"search", "token", "-p", root_, "--rerank", "gguf",
                               "--rerank-model", "/nonexistent/r.gguf"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not found: /nonexistent/r.gguf"), std::string::npos) << missing.err;

  const std::string url = "http://127.0.0.1:" + std::to_string(testing::free_port());
  ProcResult down = pampax({"search", "token", "-p", root_, "--rerank", "http", "--rerank-url", url});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("cannot reach " + url + "/v1/rerank"), std::string::npos) << down.err;

  ProcResult bad_top = pampax({"search", "token", "-p", root_, "--rerank-top", "0"});
  EXPECT_EQ(bad_top.exit_code, 2);
}

}  // namespace
}  // namespace pampax
