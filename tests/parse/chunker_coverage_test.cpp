// The tiling invariant (and the rest of the ParsedFile contract) on every fixture file of the
// repository and on hostile synthetic inputs, in every language.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "parse/chunker.h"
#include "parse/language.h"
#include "parse_test_util.h"

namespace pampax {
namespace {

using testing_parse::check_invariants;
using testing_parse::fixture_dir;
using testing_parse::read_file;

std::vector<std::string> fixture_files() {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(fixture_dir(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<Lang> all_langs() {
  std::vector<Lang> v;
  for (int i = 0; i < static_cast<int>(Lang::kCount); ++i) v.push_back(static_cast<Lang>(i));
  return v;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

ChunkOptions tiny_options() {
  ChunkOptions o;
  o.max_chunk_tokens = 24;
  o.group_tokens = 10;
  o.fallback_window_lines = 3;
  return o;
}

TEST(ChunkCoverage, EveryFixtureFileTilesExactly) {
  std::vector<std::string> files = fixture_files();
  ASSERT_GE(files.size(), 13u) << "fixtures not found under " << fixture_dir();
  std::vector<Lang> langs = all_langs();
  size_t rotate = 0;
  for (const std::string& path : files) {
    const std::string content = read_file(path);
    const Lang lang = detect_language(path, first_line(content));
    check_invariants(content, parse_file(path, content, lang), path);
    // Tiny budgets force every splitting path.
    check_invariants(content, parse_file(path, content, lang, tiny_options()), path + " (tiny)");
    // The wrong grammar must not break anything either.
    Lang other = langs[rotate++ % langs.size()];
    check_invariants(content, parse_file(path, content, other),
                     path + " as " + std::string(lang_name(other)));
    // Truncated in the middle: syntax errors.
    const std::string half = content.substr(0, content.size() / 2);
    check_invariants(half, parse_file(path, half, lang), path + " (truncated)");
    // CRLF line endings.
    std::string crlf;
    for (char c : content) {
      if (c == '\n') crlf.push_back('\r');
      crlf.push_back(c);
    }
    check_invariants(crlf, parse_file(path, crlf, lang), path + " (crlf)");
  }
}

struct Nasty {
  std::string name;
  std::string content;
  std::vector<Lang> langs = {};  // empty: every language (a few for big inputs)
};

std::vector<Nasty> nasty_inputs() {
  std::vector<Nasty> v;
  v.push_back({"empty", ""});
  v.push_back({"only newlines", std::string(50, '\n')});
  v.push_back({"whitespace", " \t \n   \n\t\t\r\n  "});
  v.push_back({"no trailing newline", "int main() { return 0; }"});
  v.push_back({"invalid utf-8",
               "\xff\xfe int f\xc3\x28() { return \xe2\x82; }\n\x80\x80 def g\xf0\x90(): pass\n"
               "class \xc0\xaf { }\n# \xed\xa0\x80 comment\n"});
  v.push_back(
      {"nul bytes", std::string("int a;\0\0 int b() { return 0; }\n\0def x():\n  pass\0\n", 48)});
  {
    std::string line = "x = ";
    while (line.size() < 200000) line += "alpha + beta * ";
    v.push_back({"200k line with spaces", line + "\n" + "int after(void) { return 1; }\n"});
    v.push_back({"200k char identifier", std::string(200000, 'a') + "\n"});
    v.push_back({"200k line in function",
                 "function f() {\n  return [" + std::string(200000, '1') + "];\n}\n"});
  }
  {
    std::string braces = "int f(void) {\n";
    for (int i = 0; i < 500; ++i) braces += "{ ";
    braces += "x();";
    for (int i = 0; i < 500; ++i) braces += "} ";
    braces += "\n}\n";
    v.push_back({"500-deep braces", braces});
    v.push_back({"500 unclosed braces", std::string(500, '{') + "\n" + std::string(500, '(')});
    std::string parens = "x = ";
    for (int i = 0; i < 500; ++i) parens += "(";
    parens += "1";
    for (int i = 0; i < 500; ++i) parens += ")";
    v.push_back({"500-deep parens", parens + "\n"});
    std::string defs;
    for (int i = 0; i < 500; ++i) {
      defs += std::string(i * 2, ' ') + "def f" + std::to_string(i) + "():\n";
    }
    defs += std::string(1000, ' ') + "return 1\n";
    v.push_back({"500-deep python defs", defs});
    std::string classes;
    for (int i = 0; i < 500; ++i) classes += "class C" + std::to_string(i) + " { ";
    classes += "void m() { call(); }";
    for (int i = 0; i < 500; ++i) classes += " }\n";
    v.push_back({"500-deep classes", classes});
  }
  {
    std::mt19937 rng(42);
    std::string bytes(16 * 1024, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    v.push_back({"random bytes", bytes});
    const char* toks[] = {"def ", "class ", "fn ", "func ", "{", "}",     "(",      ")",
                          ";",    "\n",     "  ",  "if ",   "x", "foo",   "=",      "\"",
                          "'",    "/*",     "*/",  "//",    "#", "end\n", "<?php ", "<div>",
                          "=>",   "::",     ",",   "[",     "]", "\t",    "`",      "$("};
    std::string code;
    while (code.size() < 32 * 1024) code += toks[rng() % (sizeof(toks) / sizeof(toks[0]))];
    v.push_back({"random tokens", code});
  }
  {
    std::string many;
    for (int i = 0; i < 1000; ++i) {
      many += "static int f" + std::to_string(i) + "(int x) { return g(x) + " + std::to_string(i) +
              "; }\n";
    }
    v.push_back({"1000 small functions", many});
  }
  {
    // Minified code: thousands of definitions on one line (must stay linear).
    std::string js, c;
    for (int i = 0; i < 20000; ++i) {
      js += "function f" + std::to_string(i) + "(a){return g(a)+" + std::to_string(i) + "}/* c */";
      c += "int f" + std::to_string(i) + "(int a){return g(a);} /* c */ ";
    }
    // Only in their own grammar: error recovery of other grammars on them is slow (and is
    // bounded by the parse timeout, tested elsewhere).
    v.push_back(
        {"minified js line", js + "\n", {Lang::kJavaScript, Lang::kTypeScript, Lang::kUnknown}});
    v.push_back({"minified c line", c, {Lang::kC, Lang::kCpp, Lang::kMarkdown}});
  }
  v.push_back({"truncated code",
               "class Foo {\n  public:\n  int bar(int x) {\n    if (x > 0) {\n      return baz(x"});
  v.push_back(
      {"markdown fences", "# T\n```\n# not heading\n" + std::string(300, '\n') + "## Real\n"});
  return v;
}

TEST(ChunkCoverage, NastyInputsInEveryLanguage) {
  // Big inputs (200 KB lines, deep Python nesting) run in a few grammars only: tree-sitter
  // alone needs ~0.1-1.5 s per grammar on them in a Debug build.
  const std::vector<Lang> few = {Lang::kC,    Lang::kPython,   Lang::kJavaScript,
                                 Lang::kRust, Lang::kMarkdown, Lang::kUnknown};
  for (const Nasty& n : nasty_inputs()) {
    const std::vector<Lang> langs =
        !n.langs.empty() ? n.langs : (n.content.size() < 100000 ? all_langs() : few);
    for (Lang lang : langs) {
      const std::string what = n.name + " as " + std::string(lang_name(lang));
      check_invariants(n.content, parse_file("nasty", n.content, lang), what);
      if (n.content.size() < 100000) {
        check_invariants(n.content, parse_file("nasty", n.content, lang, tiny_options()),
                         what + " (tiny)");
      }
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(ChunkCoverage, LongLinesAreCutInsideTheLine) {
  const std::string line(200000, 'a');
  ParsedFile pf = parse_file("long.txt", line, Lang::kUnknown);
  check_invariants(line, pf, "long.txt");
  EXPECT_GT(pf.chunks.size(), 10u);
  // +1: a cut inside a word run restarts the count.
  for (const Chunk& c : pf.chunks) EXPECT_LE(c.tokens, ChunkOptions{}.max_chunk_tokens + 1);
}

TEST(ChunkCoverage, ConcurrentParsesAreIndependent) {
  const std::string a = read_file(fixture_dir() + "/parse/sample.cpp");
  const std::string b = read_file(fixture_dir() + "/parse/sample.py");
  const ParsedFile ra = parse_file("a.cpp", a, Lang::kCpp);
  const ParsedFile rb = parse_file("b.py", b, Lang::kPython);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const bool use_a = (i + t) % 2 == 0;
        ParsedFile r =
            use_a ? parse_file("a.cpp", a, Lang::kCpp) : parse_file("b.py", b, Lang::kPython);
        const ParsedFile& want = use_a ? ra : rb;
        if (r.chunks.size() != want.chunks.size() || r.symbols.size() != want.symbols.size() ||
            r.refs.size() != want.refs.size()) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace pampax
