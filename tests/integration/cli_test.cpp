// End-to-end tests of the pampax binary on small repositories built on disk.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "../cli_util.h"
#include "../test_util.h"
#include "store/db.h"
#include "store/index_store.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::ProcResult;
using testing::run_process;
using testing::pampax;
using testing::parse;
using testing::TempDir;

void make_repo(const TempDir& d) {
  d.write("src/auth/session.py",
          "import os\n\n"
          "class SessionStore:\n"
          "    \"\"\"Keeps user sessions in memory.\"\"\"\n\n"
          "    def refresh_token(self, user_id):\n"
          "        \"\"\"Issue a new token for the user.\"\"\"\n"
          "        return os.urandom(16)\n\n"
          "def validate_password(password):\n"
          "    return len(password) >= 12\n");
  d.write("src/net/http_server.cpp",
          "#include <string>\n\n"
          "// Parses one HTTP request line.\n"
          "int parseRequestLine(const std::string& line) {\n"
          "  return line.size() > 3 ? 1 : 0;\n"
          "}\n\n"
          "class HttpServer {\n public:\n  void listen(int port);\n};\n");
  d.write("docs/guide.md", "# Guide\n\nHow to rotate the session token safely.\n");
  d.write(".gitignore", "build/\n*.log\n");
  d.write("build/generated.py", "def should_not_be_indexed(): pass\n");
  d.write("debug.log", "refresh_token refresh_token\n");
}

TEST(Cli, IndexInfoAndSearchJson) {
  TempDir d;
  make_repo(d);
  ProcResult idx = pampax({"index", d.path().string(), "--output", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  json rep = parse(idx);
  EXPECT_EQ(rep["files_indexed"], 4);  // 3 sources + .gitignore; build/ and *.log ignored

  ProcResult info = pampax({"info", "--path", d.path().string(), "-o", "json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  json i = parse(info);
  EXPECT_EQ(i["files"], 4);
  EXPECT_GT(i["chunks"].get<int>(), 3);
  EXPECT_GT(i["symbols"].get<int>(), 3);
  EXPECT_EQ(i["languages"]["python"], 1);
  EXPECT_EQ(i["languages"]["cpp"], 1);
  EXPECT_EQ(i["schema_version"], kSchemaVersion);
  EXPECT_FALSE(i["last_update"].get<std::string>().empty());

  ProcResult s = pampax({"search", "--query", "refresh token", "--path", d.path().string(),
                         "--output", "json", "--limit", "3"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  json j = parse(s);
  ASSERT_TRUE(j["results"].is_array());
  ASSERT_GE(j["results"].size(), 1u);
  json top = j["results"][0];
  EXPECT_EQ(top["path"], "src/auth/session.py");
  for (const char* key : {"id", "path", "start_line", "end_line", "kind", "symbol", "lang",
                          "score", "snippet"})
    EXPECT_TRUE(top.contains(key)) << key;
  EXPECT_EQ(top["lang"], "python");
  // A small class stays one chunk: the hit is the class, and the snippet shows the method.
  EXPECT_EQ(top["symbol"], "SessionStore");
  EXPECT_NE(top["snippet"].get<std::string>().find("refresh_token"), std::string::npos);
  EXPECT_LE(top["start_line"].get<int>(), top["end_line"].get<int>());
  for (const json& r : j["results"]) EXPECT_NE(r["path"], "debug.log");
  EXPECT_TRUE(s.err.empty()) << s.err;  // stdout carries results, stderr stays quiet
}

TEST(Cli, QueryFromPositionalFileAndStdin) {
  TempDir d;
  make_repo(d);
  ASSERT_EQ(pampax({"index", d.path().string(), "--embed", "none"}).exit_code, 0);
  d.write("query.txt", "When I call parseRequestLine with an empty line the HttpServer crashes.\n");
  std::vector<ProcResult> runs = {
      pampax({"search", "parseRequestLine", "-p", d.path().string(), "-o", "json"}),
      pampax({"search", "--query-file", (d / "query.txt").string(), "-p", d.path().string(), "-o", "json"}),
      pampax({"search", "--query-file", "-", "-p", d.path().string(), "-o", "json"},
             "parseRequestLine crashes on empty input"),
      pampax({"search", "-", "-p", d.path().string(), "-o", "json"}, "parse request line"),
  };
  for (const ProcResult& r : runs) {
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json j = parse(r);
    ASSERT_GE(j["results"].size(), 1u) << r.out;
    EXPECT_EQ(j["results"][0]["path"], "src/net/http_server.cpp");
  }
}

TEST(Cli, FiltersNarrowResults) {
  TempDir d;
  make_repo(d);
  ASSERT_EQ(pampax({"index", d.path().string(), "--embed", "none"}).exit_code, 0);
  auto paths = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"search", "session token", "-p", d.path().string(), "-o", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcResult r = pampax(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> out;
    json j = parse(r);
    for (const json& h : j["results"]) out.insert(h["path"]);
    return out;
  };
  EXPECT_EQ(paths({}), (std::set<std::string>{"src/auth/session.py", "docs/guide.md"}));
  EXPECT_EQ(paths({"--lang", "md"}), (std::set<std::string>{"docs/guide.md"}));
  EXPECT_EQ(paths({"--path-glob", "src/*"}), (std::set<std::string>{"src/auth/session.py"}));
  ProcResult bad = pampax({"search", "x", "-p", d.path().string(), "--lang", "klingon"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown language"), std::string::npos);
}

TEST(Cli, UpdateProcessesOnlyChanges) {
  TempDir d;
  make_repo(d);
  ASSERT_EQ(pampax({"index", d.path().string(), "--embed", "none"}).exit_code, 0);
  // Nothing changed: nothing indexed.
  json none = parse(pampax({"update", d.path().string(), "-o", "json"}));
  EXPECT_EQ(none["files_indexed"], 0);
  EXPECT_EQ(none["files_unchanged"], 4);

  d.write("src/new_module.py", "def brand_new_function():\n    return 42\n");
  d.write("src/auth/session.py", "def rotate_credentials():\n    pass\n");
  std::filesystem::remove(d / "docs/guide.md");
  ProcResult up = pampax({"update", d.path().string(), "-o", "json"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  json u = parse(up);
  EXPECT_EQ(u["files_indexed"], 2);
  EXPECT_EQ(u["files_deleted"], 1);

  auto top_path = [&](const std::string& q) -> std::string {
    json j = parse(pampax({"search", q, "-p", d.path().string(), "-o", "json"}));
    return j["results"].empty() ? "" : j["results"][0]["path"].get<std::string>();
  };
  EXPECT_EQ(top_path("brand_new_function"), "src/new_module.py");
  EXPECT_EQ(top_path("rotate_credentials"), "src/auth/session.py");
  EXPECT_EQ(top_path("refresh_token"), "");  // old content is gone
  EXPECT_EQ(top_path("safely"), "");   // deleted file is gone
}

TEST(Cli, SkipsBinaryHugeAndKeepsInvalidUtf8) {
  TempDir d;
  d.write("ok.py", "def fine():\n    pass\n");
  d.write("blob.bin", std::string("\x7f" "ELF\0\0\0binary", 13));
  d.write("huge.txt", std::string(2 << 20, 'a'));
  d.write("latin1.c", "/* caf\xe9 */ int na\xefve_counter(void) { return 1; }\n");
  ProcResult r = pampax({"index", d.path().string(), "-o", "json", "--embed", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = parse(r);
  std::map<std::string, std::string> skipped;
  for (const json& s : j["skipped"]) skipped[s["path"]] = s["reason"];
  EXPECT_EQ(skipped["blob.bin"], "binary");
  EXPECT_EQ(skipped["huge.txt"], "too_large");
  EXPECT_EQ(j["files_indexed"], 2);
  ProcResult s = pampax({"search", "counter", "-p", d.path().string(), "-o", "json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  json sj = parse(s);  // must be valid JSON despite invalid UTF-8 in the source
  ASSERT_EQ(sj["results"].size(), 1u);
  EXPECT_EQ(sj["results"][0]["path"], "latin1.c");
  // Text output names the skipped files with --verbose.
  ProcResult v = pampax({"index", d.path().string(), "--force", "--verbose"});
  EXPECT_NE(v.out.find("huge.txt"), std::string::npos) << v.out;
}

// An index written by a build with another index format is refused by readers and rebuilt
// by `pampax index`, never searched with mismatched tokens.
TEST(Cli, OtherIndexFormatIsRebuilt) {
  TempDir d;
  make_repo(d);
  ASSERT_EQ(pampax({"index", d.path().string()}).exit_code, 0);
  {
    auto db = Db::open((d.path() / ".pampax" / "index.db").string(), Db::Mode::kReadWrite);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("UPDATE meta SET value = '1' WHERE key = 'index_format'").ok());
  }
  ProcResult s = pampax({"search", "refresh token", "-p", d.path().string()});
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_NE(s.err.find("another version of pampax"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("pampax index"), std::string::npos) << s.err;
  ProcResult idx = pampax({"index", d.path().string(), "-o", "json"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_NE(idx.err.find("rebuilding"), std::string::npos) << idx.err;
  EXPECT_EQ(parse(idx)["files_indexed"], 4);
  s = pampax({"search", "refresh token", "-p", d.path().string(), "-o", "json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(parse(s)["results"][0]["path"], "src/auth/session.py");
}

// Short queries match every form of a word; exact words do not match other forms.
TEST(Cli, StemsMatchOtherFormsOnlyForStemmedQueries) {
  TempDir d;
  d.write("a.py", "def load():\n    \"\"\"Parses the settings.\"\"\"\n");
  d.write("b.py", "def unit():\n    return 1\n");
  ASSERT_EQ(pampax({"index", d.path().string()}).exit_code, 0);
  auto paths = [&](const std::string& q) {
    ProcResult s = pampax({"search", q, "-p", d.path().string(), "-o", "json", "--mode", "bm25"});
    EXPECT_EQ(s.exit_code, 0) << s.err;
    std::set<std::string> out;
    json j = parse(s);  // kept alive: iterating a temporary's member would dangle
    for (const json& r : j["results"]) out.insert(r["path"].get<std::string>());
    return out;
  };
  EXPECT_EQ(paths("parsing"), (std::set<std::string>{"a.py"}));
  EXPECT_EQ(paths("setting"), (std::set<std::string>{"a.py"}));
  EXPECT_EQ(paths("units"), (std::set<std::string>{"b.py"}));
  // Over 40 words the query keeps words as typed: "parsing" alone no longer finds "parses".
  std::string long_q = "parsing";
  for (int i = 0; i < 45; ++i) long_q += std::string(" zzq") + char('a' + i % 26) + char('a' + i / 26);
  EXPECT_TRUE(paths(long_q).empty());
}

TEST(Cli, ClearErrors) {
  TempDir d;
  d.write("a.py", "x = 1\n");
  ProcResult no_index = pampax({"search", "x", "-p", d.path().string()});
  EXPECT_EQ(no_index.exit_code, 1);
  EXPECT_NE(no_index.err.find("pampax index"), std::string::npos) << no_index.err;
  EXPECT_TRUE(no_index.out.empty());

  ProcResult no_update = pampax({"update", d.path().string()});
  EXPECT_EQ(no_update.exit_code, 1);
  EXPECT_NE(no_update.err.find("pampax index"), std::string::npos) << no_update.err;

  ProcResult missing = pampax({"index", (d / "nope").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;

  ProcResult empty = pampax({"search", "", "-p", d.path().string()});
  EXPECT_EQ(empty.exit_code, 2);

  ASSERT_EQ(pampax({"index", d.path().string()}).exit_code, 0);
  // Overwrite the database with garbage: a clear error that says how to rebuild.
  d.write(".pampax/index.db", std::string(16384, 'G'));
  std::filesystem::remove(d / ".pampax/index.db-wal");
  std::filesystem::remove(d / ".pampax/index.db-shm");
  ProcResult corrupt = pampax({"search", "x", "-p", d.path().string()});
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.err.find("Rebuild"), std::string::npos) << corrupt.err;

  ProcResult help = pampax({"search", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--query-file"), std::string::npos);
}

// A question that names a language ranks that language's code first and does not search the
// word; a word the index lacks is searched as the indexed word one typo away; --literal turns
// both off. Reported in the JSON answer.
TEST(Cli, QuestionsAreRewrittenAndSayHow) {
  TempDir d;
  d.write("py/settings.py",
          "def load_settings(path):\n"
          "    \"\"\"Read the configuration file and return its settings.\"\"\"\n"
          "    with open(path) as f:\n"
          "        return f.read()\n");
  d.write("js/settings.js",
          "// Read the configuration file and return its settings.\n"
          "function loadSettings(path) {\n"
          "  return require('fs').readFileSync(path, 'utf8');\n"
          "}\n");
  d.write("notes/python.txt", "python python python: notes about python\n");
  ProcResult idx = pampax({"index", d.path().string(), "--embed", "none", "-q"});
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  auto search = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"search", "-p", d.path().string(), "-o", "json", "-n", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcResult r = pampax(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse(r);
  };
  for (auto [lang, path] : {std::pair{"python", "py/settings.py"}, std::pair{"javascript", "js/settings.js"}}) {
    json j = search({std::string(lang) + " read the configuration file"});
    ASSERT_TRUE(j.contains("language_hint")) << j.dump();
    EXPECT_EQ(j["language_hint"], json::array({lang}));
    ASSERT_FALSE(j["results"].empty());
    EXPECT_EQ(j["results"][0]["path"], path) << j.dump();
    EXPECT_FALSE(j.contains("corrections"));
  }
  // As typed, "python" is a search word: the notes that say nothing else are found too.
  auto paths = [](const json& j) {
    std::set<std::string> out;
    for (const json& r : j["results"]) out.insert(r["path"].get<std::string>());
    return out;
  };
  json literal = search({"python read the configuration file", "--literal"});
  EXPECT_FALSE(literal.contains("language_hint"));
  EXPECT_TRUE(paths(literal).count("notes/python.txt")) << literal.dump();
  EXPECT_FALSE(paths(search({"python read the configuration file"})).count("notes/python.txt"));

  json fixed = search({"read the configuraton file"});
  ASSERT_TRUE(fixed.contains("corrections")) << fixed.dump();
  EXPECT_EQ(fixed["corrections"], json::parse(R"([{"typed":"configuraton","searched":"configuration"}])"));
  ASSERT_FALSE(fixed["results"].empty());
  json as_typed = search({"configuraton", "--literal"});
  EXPECT_TRUE(as_typed["results"].empty()) << as_typed.dump();

  // Text output: the notes go to stderr, the results to stdout.
  ProcResult text = pampax({"search", "-p", d.path().string(), "python read the configuraton file"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.err.find("'configuraton' is not in the index; searched 'configuration'"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("'python' taken as a language hint"), std::string::npos) << text.err;
  EXPECT_EQ(text.out.find("note:"), std::string::npos);
}

}  // namespace
}  // namespace pampax
