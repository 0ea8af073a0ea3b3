// The builtin embedder end to end: `pampax index` (the default, or `--embed builtin`) trains
// word vectors on the repository and embeds every chunk with them, hybrid search fuses them with
// the lexical arm (bug reports and identifiers stay lexical), a killed embedding pass resumes,
// and `--embed none` turns them off (also on a new index).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

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
          "    \"\"\"Keeps user sessions and their login tokens.\"\"\"\n"
          "    def refresh_token(self, user_id):\n"
          "        \"\"\"Issue a new login token for the user.\"\"\"\n"
          "        return self.tokens.issue(user_id)\n");
  std::string many;
  for (int i = 0; i < functions; ++i)
    many += "def helper_" + std::to_string(i) + "(rows):\n    \"\"\"Step " + std::to_string(i) +
            " of the csv pipeline: parse rows.\"\"\"\n    return [parse_row(r) for r in rows][" +
            std::to_string(i) + ":]\n\n\n";
  d.write("src/helpers.py", many);
  d.write("src/auth.py",
          "def check_password(user, password):\n"
          "    \"\"\"Verify a login password against the stored hash.\"\"\"\n"
          "    return hash_password(password) == user.password_hash\n");
  d.write("README.md", "# Demo\n\nSessions, login tokens and a csv pipeline.\n");
}

int64_t count(const std::filesystem::path& root, const std::string& sql) {
  auto db = Db::open((root / ".pampax" / "index.db").string(), Db::Mode::kReadOnly);
  if (!db.ok()) return -1;
  Stmt q = (*db)->must_prepare(sql);
  return q.step() ? q.col_int(0) : -1;
}

TEST(Builtin, IndexEmbedsAndHybridUsesIt) {
  TempDir d;
  make_repo(d, 20);
  std::string root = d.path().string();
  ProcResult idx = pampax({"index", root, "-o", "json"});  // the default embedder
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  json e = parse(idx)["embeddings"];
  ASSERT_TRUE(e.is_object()) << idx.out;
  EXPECT_EQ(e["backend"], "builtin");
  std::string model = e["model"];
  EXPECT_EQ(model.rfind("builtin:ppmi-svd-d", 0), 0u) << model;
  EXPECT_EQ(e["reused"], 0);
  EXPECT_GT(e["embedded"].get<int64_t>(), 0);
  EXPECT_GT(count(d.path(), "SELECT count(*) FROM builtin_words"), 5);
  EXPECT_EQ(count(d.path(), "SELECT count(*) FROM embeddings WHERE model = '" + model + "'"),
            e["embedded"].get<int64_t>());

  ProcResult h = pampax({"search", "login token", "-p", root, "-o", "json", "--explain"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  json hj = parse(h);
  EXPECT_EQ(hj["mode"], "hybrid");
  EXPECT_TRUE(hj["warnings"].empty()) << hj["warnings"];
  ASSERT_FALSE(hj["results"].empty());
  EXPECT_EQ(hj["results"][0]["path"], "src/session.py");
  bool both = false;
  for (const json& r : hj["results"])
    both |= r["evidence"]["vector"].is_object() && r["evidence"]["lexical"].is_object();
  EXPECT_TRUE(both);
  ProcResult v = pampax({"search", "login token", "-p", root, "-o", "json", "--mode", "vector"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(parse(v)["mode"], "vector");
  // Each fusion can be asked for.
  for (const char* f : {"rrf", "weighted", "minmax"}) {
    ProcResult r = pampax({"search", "login token", "-p", root, "-o", "json", "--fusion", f});
    ASSERT_EQ(r.exit_code, 0) << f << r.err;
    EXPECT_FALSE(parse(r)["results"].empty());
  }
  EXPECT_NE(pampax({"search", "login", "-p", root, "--fusion", "max"}).exit_code, 0);

  // Unchanged: nothing is trained or embedded again (also when asked for by name).
  idx = pampax({"index", root, "-o", "json", "--embed", "builtin"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  e = parse(idx)["embeddings"];
  EXPECT_EQ(e["model"], model);
  EXPECT_EQ(e["embedded"], 0);

  // The same repository elsewhere gives the same model (training is deterministic).
  TempDir d2;
  make_repo(d2, 20);
  ProcResult idx2 = pampax({"index", d2.path().string(), "-o", "json", "--embed", "builtin"});
  ASSERT_EQ(idx2.exit_code, 0) << idx2.err;
  EXPECT_EQ(parse(idx2)["embeddings"]["model"], model);

  // --embed none turns it off, and it stays off.
  ASSERT_EQ(pampax({"index", root, "--embed", "none"}).exit_code, 0);
  EXPECT_EQ(count(d.path(), "SELECT count(*) FROM embeddings"), 0);
  d.write("src/extra.py", "def extra():\n    return 1\n");
  idx = pampax({"index", root, "-o", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_FALSE(parse(idx).contains("embeddings"));
  h = pampax({"search", "login token", "-p", root, "-o", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(parse(h)["mode"], "bm25");
  EXPECT_TRUE(h.err.empty()) << h.err;
  // --embed builtin turns it back on.
  idx = pampax({"index", root, "-o", "json", "--embed", "builtin"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_EQ(parse(idx)["embeddings"]["backend"], "builtin");
}

TEST(Builtin, EmbedNoneOnANewIndexStaysLexical) {
  TempDir d;
  make_repo(d, 5);
  std::string root = d.path().string();
  ProcResult idx = pampax({"index", root, "-o", "json", "--embed", "none"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_FALSE(parse(idx).contains("embeddings"));
  d.write("src/extra.py", "def extra():\n    return 1\n");
  idx = pampax({"index", root, "-o", "json"});  // the choice is remembered
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_FALSE(parse(idx).contains("embeddings"));
  EXPECT_EQ(count(d.path(), "SELECT count(*) FROM embeddings"), 0);
  EXPECT_EQ(count(d.path(), "SELECT count(*) FROM builtin_words"), 0);
  ProcResult h = pampax({"search", "login token", "-p", root, "-o", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(parse(h)["mode"], "bm25");
}

TEST(Builtin, BugReportsAndIdentifiersStayLexical) {
  TempDir d;
  make_repo(d, 20);
  std::string root = d.path().string();
  ASSERT_EQ(pampax({"index", root}).exit_code, 0);
  std::string report = "When I refresh the login token of a user whose session expired the store";
  for (int i = 0; i < 6; ++i) report += " keeps returning the old token and the password check fails again";
  auto ranked = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"search", report, "-p", root, "-o", "json", "-n", "20"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcResult r = pampax(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = parse(r);
    std::vector<std::string> ids;
    for (const json& h : j["results"]) ids.push_back(h["path"].get<std::string>() + ":" + h["start_line"].dump());
    return std::make_pair(j["mode"].get<std::string>(), ids);
  };
  // More than 40 words: the lexical arm alone, exactly the bm25 ranking.
  auto hybrid = ranked({}), bm25 = ranked({"--mode", "bm25"});
  EXPECT_EQ(hybrid.first, "bm25");
  EXPECT_FALSE(hybrid.second.empty());
  EXPECT_EQ(hybrid.second, bm25.second);
  // An explicit weight asks for fusion anyway.
  EXPECT_EQ(ranked({"--vector-weight", "0.5"}).first, "hybrid");
  // A single identifier stays lexical; a short question is hybrid.
  ProcResult id = pampax({"search", "refresh_token", "-p", root, "-o", "json"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(parse(id)["mode"], "bm25");
  ProcResult q = pampax({"search", "how do users log in", "-p", root, "-o", "json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(parse(q)["mode"], "hybrid");
}

TEST(Builtin, KilledEmbeddingResumes) {
  TempDir d;
  make_repo(d, 3000);
  std::string root = d.path().string();
  ASSERT_EQ(pampax({"index", root, "--no-embed"}).exit_code, 0);
  testing::BgProcess indexer({PAMPAX_BINARY, "index", root, "--embed", "builtin", "--embed-batch", "1"}, "/dev/null", "/dev/null");
  // Wait for a few committed batches, then kill.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && count(d.path(), "SELECT count(*) FROM embeddings") < 8)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  indexer.signal(SIGKILL);
  const int code = indexer.wait_exit(std::chrono::seconds(30));
  ASSERT_NE(code, INT32_MIN) << "the indexer did not exit after SIGKILL";
  const bool killed = code < 0;  // it may have finished before the kill
  int64_t kept = count(d.path(), "SELECT count(*) FROM embeddings");
  ASSERT_GE(kept, 8) << "the embedding pass did not commit in time";

  ProcResult idx = pampax({"index", root, "-o", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  json e = parse(idx)["embeddings"];
  EXPECT_EQ(e["previous_model"], "");  // the trained model was kept: a resume
  int64_t total = count(d.path(), "SELECT count(*) FROM embeddings");
  if (killed) {
    EXPECT_GE(e["reused"].get<int64_t>(), kept);
    EXPECT_EQ(e["embedded"].get<int64_t>(), total - kept);
  }
  ProcResult v = pampax({"search", "csv pipeline", "-p", root, "--mode", "vector", "-o", "json"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(parse(v)["warnings"].empty());
}

// Every vector of the index, by content hash, as bytes ("" on error).
std::string all_vectors(const std::filesystem::path& root) {
  auto db = Db::open((root / ".pampax" / "index.db").string(), Db::Mode::kReadOnly);
  if (!db.ok()) return "";
  Stmt q = (*db)->must_prepare("SELECT model, hash, vec FROM embeddings ORDER BY model, hash");
  std::string out;
  while (q.step()) {
    out += std::string(q.col_text(0)) + ":" + std::to_string(q.col_int(1)) + "=";
    out += std::string(q.col_blob(2));
  }
  return out;
}

// The embedding pass follows -j: on 1 and on 2 threads it stores bit-identical vectors.
TEST(Builtin, VectorsDoNotDependOnTheThreadCount) {
  TempDir a;
  make_repo(a, 300);
  ASSERT_EQ(pampax({"index", a.path().string(), "--no-embed", "-q"}).exit_code, 0);
  TempDir b;
  std::filesystem::copy(a.path(), b.path(), std::filesystem::copy_options::recursive |
                                                std::filesystem::copy_options::overwrite_existing);
  // Nothing left to parse: the runs differ only in the embedding pass's threads.
  ProcResult one = pampax({"index", a.path().string(), "-j", "1", "-o", "json"});
  ProcResult two = pampax({"index", b.path().string(), "-j", "2", "-o", "json"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 0) << two.err;
  json e1 = parse(one)["embeddings"], e2 = parse(two)["embeddings"];
  EXPECT_EQ(e1["model"], e2["model"]);
  EXPECT_GT(e1["embedded"].get<int64_t>(), 300);  // enough texts for 2 threads
  EXPECT_EQ(e1["embedded"], e2["embedded"]);
  std::string v1 = all_vectors(a.path()), v2 = all_vectors(b.path());
  EXPECT_GT(v1.size(), 300u * 128 * sizeof(float));
  EXPECT_TRUE(v1 == v2) << "the vectors differ between -j 1 and -j 2";
}

}  // namespace
}  // namespace pampax
