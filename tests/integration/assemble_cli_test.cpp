// `pampax assemble` and `pampax context` end to end: the real binary on a repository built on
// disk, output counted with the real tokenizer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "../cli_util.h"
#include "../test_util.h"
#include "assemble/assembler.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::ProcResult;
using testing::run_process;
using testing::pampax;
using testing::parse;
using testing::TempDir;

size_t count_tokens(const std::string& text, TokenizerKind k = TokenizerKind::kCl100k) {
  auto t = shared_tokenizer(k);
  EXPECT_TRUE(t.ok());
  return t.ok() ? (*t)->count(text) : 0;
}

class AssembleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    d_.write("src/auth/session.py",
             "import os\n\n"
             "class SessionStore:\n"
             "    \"\"\"Keeps user sessions in memory.\"\"\"\n\n"
             "    def refresh_token(self, user_id):\n"
             "        \"\"\"Issue a new token for the user.\"\"\"\n"
             "        return make_token(16)\n\n"
             "def make_token(n):\n"
             "    return os.urandom(n)\n");
    d_.write("src/net/http_server.cpp",
             "#include <string>\n\n"
             "// Parses one HTTP request line.\n"
             "int parseRequestLine(const std::string& line) {\n"
             "  return line.size() > 3 ? 1 : 0;\n"
             "}\n");
    d_.write("docs/guide.md", "# Guide\n\nHow to rotate the session token safely.\n");
    ProcResult idx = pampax({"index", root(), "-q", "--embed", "none"});
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
  }
  std::string root() const { return d_.path().string(); }
  TempDir d_;
};

TEST_F(AssembleCli, MarkdownWithinBudget) {
  ProcResult r = pampax({"assemble", "refresh token", "--path", root(), "--budget", "600"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# Context: refresh token\n", 0), 0u) << r.out;
  EXPECT_LE(count_tokens(r.out), 600u);
  EXPECT_NE(r.out.find(std::to_string(count_tokens(r.out)) + "/600 tokens (cl100k_base)"),
            std::string::npos)
      << "the header reports the exact count of the printed text\n"
      << r.out;
  EXPECT_NE(r.out.find("## src/auth/session.py:"), std::string::npos);
  EXPECT_NE(r.out.find("```python\n"), std::string::npos);
  EXPECT_EQ(r.out.find("> hit #"), std::string::npos) << "evidence only with --evidence";
  ProcResult e = pampax({"assemble", "-q", "refresh token", "-p", root(), "-b", "600",
                         "--evidence", "--markdown"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("> hit #1"), std::string::npos) << e.out;
  EXPECT_LE(count_tokens(e.out), 600u);
}

TEST_F(AssembleCli, JsonWithEveryTokenizer) {
  for (auto [name, kind] : {std::pair{"cl100k", TokenizerKind::kCl100k},
                            std::pair{"o200k", TokenizerKind::kO200k},
                            std::pair{"estimate", TokenizerKind::kEstimate}}) {
    ProcResult r = pampax({"assemble", "--query", "session token", "--path", root(), "--budget",
                           "300", "--tokenizer", name, "--output", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json j = parse(r);
    EXPECT_EQ(j["budget"], 300);
    EXPECT_EQ(j["tokens"].get<size_t>(), count_tokens(r.out, kind)) << name;
    EXPECT_LE(j["tokens"].get<int>(), 300);
    EXPECT_EQ(j["tokenizer"], std::string(tokenizer_name(kind)));
    ASSERT_TRUE(j["items"].is_array());
    EXPECT_FALSE(j["items"].empty());
  }
}

TEST_F(AssembleCli, TinyBudgetsAndBadInput) {
  ProcResult tiny = pampax({"assemble", "refresh token", "-p", root(), "--budget", "3"});
  ASSERT_EQ(tiny.exit_code, 0) << tiny.err;
  EXPECT_EQ(tiny.out, "");
  EXPECT_NE(tiny.err.find("nothing fits in 3 tokens"), std::string::npos) << tiny.err;

  ProcResult small = pampax({"assemble", "refresh token", "-p", root(), "--budget", "25"});
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_FALSE(small.out.empty());
  EXPECT_LE(count_tokens(small.out), 25u) << small.out;

  ProcResult json_tiny = pampax({"assemble", "refresh token", "-p", root(), "--budget", "5", "-o", "json"});
  EXPECT_EQ(json_tiny.exit_code, 2);
  EXPECT_EQ(json_tiny.out, "");
  EXPECT_NE(json_tiny.err.find("smallest JSON bundle"), std::string::npos) << json_tiny.err;

  ProcResult empty = pampax({"assemble", "-p", root()});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty query"), std::string::npos);
  ProcResult bad_tok = pampax({"assemble", "x", "-p", root(), "--tokenizer", "gpt2"});
  EXPECT_EQ(bad_tok.exit_code, 2);
  ProcResult bad_budget = pampax({"assemble", "x", "-p", root(), "--budget", "0"});
  EXPECT_EQ(bad_budget.exit_code, 2);
  ProcResult bad_lang = pampax({"assemble", "x", "-p", root(), "--lang", "klingon"});
  EXPECT_EQ(bad_lang.exit_code, 2);
  EXPECT_NE(bad_lang.err.find("unknown language 'klingon'"), std::string::npos);
  ProcResult no_index = pampax({"assemble", "x", "-p", (d_.path() / "src").string()});
  EXPECT_EQ(no_index.exit_code, 1);
  EXPECT_NE(no_index.err.find("pampax index"), std::string::npos) << no_index.err;
  ProcResult stdin_q = pampax({"assemble", "-", "-p", root(), "-o", "json"}, "parse request line");
  ASSERT_EQ(stdin_q.exit_code, 0) << stdin_q.err;
  EXPECT_EQ(parse(stdin_q)["items"][0]["path"], "src/net/http_server.cpp");
  ProcResult help = pampax({"assemble", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--budget", "--tokenizer", "--evidence", "--markdown", "--output",
                           "--lang", "--path-glob", "--kind", "--mode", "--pack", "--no-pack"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
}

TEST_F(AssembleCli, ContextPacksScopeSearchAndAssemble) {
  ProcResult none = pampax({"context", "list", "-p", root()});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("no context packs"), std::string::npos);

  d_.write(".pampax/packs/server.toml",
           "description = \"The HTTP server\"\npaths = [\"src/net/*\"]\nbudget = 200\n");
  d_.write(".pampax/packs/auth.toml", "paths = \"src/auth/*\"\nlangs = [\"py\"]\n");
  ProcResult list = pampax({"context", "list", "-p", root()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("server"), std::string::npos);
  EXPECT_NE(list.out.find("The HTTP server"), std::string::npos);

  ProcResult use = pampax({"context", "use", "server", "-p", root()});
  ASSERT_EQ(use.exit_code, 0) << use.err;
  ProcResult show = pampax({"context", "show", "-p", root(), "-o", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json sj = parse(show);
  EXPECT_EQ(sj["name"], "server");
  EXPECT_EQ(sj["active"], true);
  EXPECT_EQ(sj["paths"], json::array({"src/net/*"}));
  EXPECT_EQ(sj["budget"], 200);

  // search: the active pack scopes it; flags and --no-pack override it.
  ProcResult s = pampax({"search", "token", "-p", root(), "-o", "json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  json sr = parse(s);
  for (const json& h : sr["results"]) EXPECT_EQ(h["path"], "src/net/http_server.cpp");
  ProcResult s2 = pampax({"search", "token", "-p", root(), "-o", "json", "--no-pack"});
  ASSERT_EQ(s2.exit_code, 0);
  std::set<std::string> paths;
  json sr2 = parse(s2);
  for (const json& h : sr2["results"]) paths.insert(h["path"].get<std::string>());
  EXPECT_TRUE(paths.count("src/auth/session.py")) << s2.out << s2.err;
  ProcResult s3 = pampax({"search", "token", "-p", root(), "-o", "json", "--path-glob", "src/auth/*"});
  ASSERT_EQ(s3.exit_code, 0);
  json sr3 = parse(s3);
  for (const json& h : sr3["results"]) EXPECT_EQ(h["path"], "src/auth/session.py");

  // assemble: the pack's scope and budget; --budget and --pack override them.
  ProcResult a = pampax({"assemble", "token request", "-p", root(), "-o", "json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  json aj = parse(a);
  EXPECT_EQ(aj["budget"], 200);
  for (const json& it : aj["items"]) EXPECT_EQ(it["path"], "src/net/http_server.cpp");
  ProcResult a2 = pampax({"assemble", "token request", "-p", root(), "-o", "json", "--pack",
                          "auth", "--budget", "900"});
  ASSERT_EQ(a2.exit_code, 0) << a2.err;
  json a2j = parse(a2);
  EXPECT_EQ(a2j["budget"], 900);
  ASSERT_FALSE(a2j["items"].empty());
  for (const json& it : a2j["items"]) EXPECT_EQ(it["path"], "src/auth/session.py");

  // A pack that breaks while active: clear errors with file and line, and a way out.
  d_.write(".pampax/packs/server.toml", "description = \"x\"\nbudget = -4\n");
  ProcResult broken = pampax({"search", "token", "-p", root()});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("server.toml:2"), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("pampax context clear"), std::string::npos) << broken.err;
  ProcResult blist = pampax({"context", "list", "-p", root()});
  EXPECT_EQ(blist.exit_code, 1);
  EXPECT_NE(blist.err.find("server.toml:2"), std::string::npos) << blist.err;
  EXPECT_NE(blist.out.find("auth"), std::string::npos) << "valid packs are still listed";
  ProcResult abroken = pampax({"assemble", "token", "-p", root()});
  EXPECT_EQ(abroken.exit_code, 1);
  EXPECT_NE(abroken.err.find("server.toml:2"), std::string::npos) << abroken.err;
  ProcResult bad_use = pampax({"context", "use", "nope", "-p", root()});
  EXPECT_EQ(bad_use.exit_code, 1);
  EXPECT_NE(bad_use.err.find("no pack 'nope'"), std::string::npos) << bad_use.err;

  ProcResult clear = pampax({"context", "clear", "-p", root()});
  ASSERT_EQ(clear.exit_code, 0) << clear.err;
  ProcResult after = pampax({"search", "token", "-p", root(), "-o", "json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  ProcResult ctx_help = pampax({"context", "--help"});
  EXPECT_EQ(ctx_help.exit_code, 0);
  EXPECT_NE(ctx_help.out.find("list"), std::string::npos);
}

}  // namespace
}  // namespace pampax
