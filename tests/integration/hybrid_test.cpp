// Hybrid search end to end: the pampax binary with the real gguf backend (llama.cpp running
// the generated MiniLM-shaped model), embeddings stored in the index, vector and hybrid modes,
// the content-keyed cache, model changes and resuming a killed embedding pass.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "../embed/embed_test_util.h"
#include "../cli_util.h"
#include "bg_process.h"
#include "../test_util.h"
#include "store/db.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::ProcResult;
using testing::run_process;
using testing::pampax;
using testing::parse;
using testing::TempDir;

void make_repo(const TempDir& d, int functions) {
  d.write("src/session.py",
          "class SessionStore:\n"
          "    \"\"\"Keeps user sessions.\"\"\"\n"
          "    def refresh_token(self, user_id):\n"
          "        return user_id * 2\n");
  std::string many;
  for (int i = 0; i < functions; ++i)
    many += "def helper_" + std::to_string(i) + "(x):\n    \"\"\"Step " + std::to_string(i) +
            " of the pipeline.\"\"\"\n    return x + " + std::to_string(i) + "\n\n\n";
  d.write("src/helpers.py", many);
  d.write("README.md", "# Demo\n\nSessions and tokens.\n");
}

int64_t count_vectors(const std::filesystem::path& root) {
  auto db = Db::open((root / ".pampax" / "index.db").string(), Db::Mode::kReadOnly);
  if (!db.ok()) return -1;
  Stmt q = (*db)->must_prepare("SELECT count(*) FROM embeddings");
  return q.step() ? q.col_int(0) : -1;
}

class Hybrid : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::test_gguf_path();
    ASSERT_TRUE(std::filesystem::exists(model_)) << model_ << " is missing: run scripts/bootstrap";
  }
  std::string model_;
};

TEST_F(Hybrid, EmbedSearchCacheAndModelChange) {
  TempDir d;
  make_repo(d, 6);
  std::string root = d.path().string();
  ProcResult idx = pampax({"index", root, "-o", "json", "--embed", "gguf", "--model", model_, "-j", "2"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  json e = parse(idx)["embeddings"];
  int64_t chunks = e["chunks"];
  EXPECT_GT(chunks, 6);
  EXPECT_EQ(e["dim"], 384);
  EXPECT_EQ(e["reused"], 0);
  EXPECT_GT(e["embedded"].get<int64_t>(), 0);
  EXPECT_LE(e["embedded"].get<int64_t>(), chunks);  // identical chunks share one vector
  std::string model_id = e["model"];
  ProcResult info = pampax({"info", "-p", root, "-o", "json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  json ij = parse(info)["embeddings"];
  EXPECT_EQ(ij["model"], model_id);
  EXPECT_EQ(ij["dim"], 384);
  EXPECT_EQ(ij["chunks"], chunks);
  EXPECT_EQ(ij["embedder"].get<std::string>().rfind("gguf ", 0), 0u) << ij["embedder"];

  // Vector mode: every result comes from the vector arm.
  ProcResult v = pampax({"search", "token refresh for a user", "-p", root, "-o", "json", "--mode",
                         "vector", "--explain", "-n", "5"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  json vj = parse(v);
  EXPECT_EQ(vj["mode"], "vector");
  ASSERT_EQ(vj["results"].size(), 5u);
  for (const json& r : vj["results"]) {
    EXPECT_TRUE(r["evidence"]["vector"].is_object());
    EXPECT_TRUE(r["evidence"]["lexical"].is_null());
  }
  // Hybrid: both arms are fused; the lexical match is found.
  ProcResult h = pampax({"search", "refresh_token", "-p", root, "-o", "json", "--explain"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  json hj = parse(h);
  EXPECT_EQ(hj["mode"], "hybrid");
  EXPECT_TRUE(hj["warnings"].empty()) << hj["warnings"];
  ASSERT_FALSE(hj["results"].empty());
  EXPECT_EQ(hj["results"][0]["path"], "src/session.py");
  bool any_both = false;
  for (const json& r : hj["results"])
    any_both |= r["evidence"]["vector"].is_object() && r["evidence"]["lexical"].is_object();
  EXPECT_TRUE(any_both);

  // The embedder is remembered; nothing is embedded twice.
  idx = pampax({"index", root, "-o", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  e = parse(idx)["embeddings"];
  EXPECT_EQ(e["embedded"], 0);
  EXPECT_EQ(e["reused"], chunks);
  EXPECT_EQ(e["model"], model_id);

  // A copied (or renamed) file reuses its vectors: the cache is keyed by content.
  std::filesystem::copy_file(d.path() / "src/session.py", d.path() / "src/session_copy.py");
  idx = pampax({"update", root, "-o", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  e = parse(idx)["embeddings"];
  EXPECT_EQ(e["embedded"], 0);
  EXPECT_GT(e["chunks"].get<int64_t>(), chunks);

  // An edited function is embedded again, alone.
  d.write("src/session.py",
          "class SessionStore:\n"
          "    \"\"\"Keeps user sessions.\"\"\"\n"
          "    def refresh_token(self, user_id):\n"
          "        return user_id * 3\n");
  idx = pampax({"update", root, "-o", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  e = parse(idx)["embeddings"];
  EXPECT_GE(e["embedded"].get<int64_t>(), 1);
  EXPECT_LE(e["embedded"].get<int64_t>(), 2);

  // Another model (same weights, another file: another identity) recomputes everything and
  // says so; the old vectors are dropped, never mixed.
  std::string other = (d.path() / "other-model.gguf").string();
  std::filesystem::copy_file(model_, other);
  idx = pampax({"index", root, "-o", "json", "--embed", "gguf", "--model", other});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  e = parse(idx)["embeddings"];
  EXPECT_NE(e["model"], model_id);
  EXPECT_EQ(e["previous_model"].get<std::string>().rfind(model_id, 0), 0u) << e["previous_model"];
  EXPECT_EQ(e["reused"], 0);
  EXPECT_NE(idx.err.find("embedding model changed"), std::string::npos) << idx.err;
  EXPECT_EQ(count_vectors(d.path()), e["embedded"].get<int64_t>());

  // The model file disappears: hybrid answers lexically and says why; vector mode refuses.
  std::filesystem::remove(other);
  h = pampax({"search", "refresh_token", "-p", root, "-o", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  hj = parse(h);
  EXPECT_EQ(hj["mode"], "bm25");
  ASSERT_EQ(hj["warnings"].size(), 1u);
  EXPECT_NE(h.err.find("lexical results only"), std::string::npos) << h.err;
  v = pampax({"search", "refresh_token", "-p", root, "--mode", "vector"});
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.err.find("vector search is not available"), std::string::npos) << v.err;

  // Turning embeddings off.
  idx = pampax({"index", root, "--embed", "none"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_EQ(count_vectors(d.path()), 0);
  h = pampax({"search", "refresh_token", "-p", root, "-o", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(parse(h)["mode"], "bm25");
  EXPECT_TRUE(h.err.empty()) << h.err;
}

TEST_F(Hybrid, NoEmbeddingsMeansClearErrors) {
  TempDir d;
  make_repo(d, 2);
  ASSERT_EQ(pampax({"index", d.path().string(), "--embed", "none"}).exit_code, 0);
  ProcResult v = pampax({"search", "token", "-p", d.path().string(), "--mode", "vector"});
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.err.find("pampax index --embed"), std::string::npos) << v.err;
  ProcResult h = pampax({"search", "token", "-p", d.path().string(), "-o", "json"});
  ASSERT_EQ(h.exit_code, 0);
  EXPECT_EQ(parse(h)["mode"], "bm25");
  EXPECT_TRUE(h.err.empty()) << h.err;  // no embeddings configured: nothing to warn about
  ProcResult bad = pampax({"index", d.path().string(), "--embed", "gguf"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--model"), std::string::npos) << bad.err;
  bad = pampax({"index", d.path().string(), "--embed", "gguf", "--model", "/nonexistent.gguf"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("/nonexistent.gguf"), std::string::npos) << bad.err;
  bad = pampax({"search", "token", "-p", d.path().string(), "--mode", "fuzzy"});
  EXPECT_NE(bad.exit_code, 0);
}

// A killed embedding pass keeps what it committed; the next run embeds only the rest.
TEST_F(Hybrid, KilledEmbeddingResumes) {
  TempDir d;
  make_repo(d, 150);
  std::string root = d.path().string();
  ASSERT_EQ(pampax({"index", root, "--no-embed"}).exit_code, 0);
  testing::BgProcess indexer({PAMPAX_BINARY, "index", root, "--embed", "gguf", "--model", model_, "--embed-batch", "4", "-j", "2"}, "/dev/null", "/dev/null");
  // Wait for a few committed batches, then kill.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && count_vectors(d.path()) < 8)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  indexer.signal(SIGKILL);
  const int code = indexer.wait_exit(std::chrono::seconds(30));
  ASSERT_NE(code, INT32_MIN) << "the indexer did not exit after SIGKILL";
  const bool killed = code < 0;  // it may have finished before the kill
  int64_t kept = count_vectors(d.path());
  ASSERT_GE(kept, 8) << "the embedding pass did not commit in time";

  ProcResult idx = pampax({"index", root, "-o", "json", "--embed", "gguf", "--model", model_});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  json e = parse(idx)["embeddings"];
  EXPECT_EQ(e["previous_model"], "");  // same model: a resume, not a change
  int64_t total = count_vectors(d.path());
  if (killed) {
    EXPECT_GE(e["reused"].get<int64_t>(), kept);
    EXPECT_EQ(e["embedded"].get<int64_t>(), total - kept);
  }
  ProcResult v = pampax({"search", "pipeline step", "-p", root, "--mode", "vector", "-o", "json"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(parse(v)["warnings"].empty());
}

}  // namespace
}  // namespace pampax
