// Query rewriting: language hints (pure) and spelling correction (against a doc-count table).
#include "search/query_rewrite.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace pampax {
namespace {

TEST(LanguageHints, LanguageWordsOfAQuestionBecomeAHint) {
  QueryRewrite rw = language_hints("Python check if a file exists");
  EXPECT_EQ(rw.text, "  check if a file exists");
  ASSERT_EQ(rw.languages.size(), 1u);
  EXPECT_EQ(rw.languages[0], "python");

  rw = language_hints("read json in python3 or in javascript?");
  EXPECT_EQ(rw.text, "read json in   or in  ?");
  EXPECT_EQ(rw.languages, (std::vector<std::string>{"python", "javascript"}));

  rw = language_hints("how to sort a map in golang.");
  EXPECT_EQ(rw.languages, (std::vector<std::string>{"go"}));
  EXPECT_EQ(rw.text.find("golang"), std::string::npos);
}

TEST(LanguageHints, NamesAndLoneLanguageWordsStay) {
  for (const char* q : {"setup.py python-dateutil python_path", "run src/python/x", "python",
                        "how to python", "c++ templates", "PythonInterpreter path"}) {
    QueryRewrite rw = language_hints(q);
    EXPECT_EQ(rw.text, q) << q;
    EXPECT_TRUE(rw.languages.empty()) << q;
  }
}

TEST(LanguageHints, BugReportsAreNotRewritten) {
  std::string report;
  for (int i = 0; i < 45; ++i) report += "python crashes when parsing ";
  QueryRewrite rw = language_hints(report);
  EXPECT_EQ(rw.text, report);
  EXPECT_TRUE(rw.languages.empty());
}

// Doc counts from a table; counts every call.
struct Counts {
  std::map<std::string, int64_t> df;
  int calls = 0;
  std::vector<bool> candidate_calls;  // the `candidates` flag of each call
  DocCountFn fn() {
    return [this](const std::vector<std::string>& terms, bool candidates) -> Result<std::vector<int64_t>> {
      ++calls;
      candidate_calls.push_back(candidates);
      std::vector<int64_t> out;
      for (const std::string& t : terms) {
        auto it = df.find(t);
        out.push_back(it == df.end() ? 0 : it->second);
      }
      return out;
    };
  }
};

TEST(SpellingCorrection, UnknownWordsBecomeTheMostFrequentWordOneEditAway) {
  Counts c;
  c.df = {{"permissions", 7}, {"permission", 9}, {"file", 40}, {"check", 12}, {"submissions", 30}};
  QueryRewrite rw;
  rw.text = "check file permisions";
  ASSERT_TRUE(correct_spelling(&rw, c.fn()).ok());
  // "permission" is two edits away; "permissions" one.
  EXPECT_EQ(rw.text, "check file permissions");
  ASSERT_EQ(rw.corrections.size(), 1u);
  EXPECT_EQ(rw.corrections[0].typed, "permisions");
  EXPECT_EQ(rw.corrections[0].searched, "permissions");
  // check, file: known (exact counts); permisions and its stem: unknown (exact counts), then
  // its candidates (which a filter may answer).
  EXPECT_EQ(c.candidate_calls, (std::vector<bool>{false, false, false, true}));

  rw = {};
  c.df["stirng"] = 0;
  c.df["string"] = 50;
  c.df["sting"] = 60;  // also one edit away from "stirng" and more frequent: it wins
  rw.text = "Stirng split";
  ASSERT_TRUE(correct_spelling(&rw, c.fn()).ok());
  EXPECT_EQ(rw.text, "sting split");
}

TEST(SpellingCorrection, KnownRareAndNonWordsStay) {
  Counts c;
  c.df = {{"~pars", 3}, {"tokenizer", 1}, {"tokenizers", 1}};
  for (const char* q : {"parsing",       // known by its stem
                        "tokeniser",     // the only neighbour is in one chunk: too rare
                        "getUser",       // an identifier
                        "do_thing",      // an identifier
                        "setup.pyy",     // part of a dotted name
                        "abc", "xyz1"}) {  // too short; not letters only
    QueryRewrite rw;
    rw.text = q;
    ASSERT_TRUE(correct_spelling(&rw, c.fn()).ok());
    EXPECT_EQ(rw.text, q) << q;
    EXPECT_TRUE(rw.corrections.empty()) << q;
  }
}

TEST(SpellingCorrection, LookupErrorsAreReturned) {
  QueryRewrite rw;
  rw.text = "anything here";
  Status st = correct_spelling(&rw, [](const std::vector<std::string>&, bool) -> Result<std::vector<int64_t>> {
    return Internal("disk gone");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(rw.text, "anything here");
}

}  // namespace
}  // namespace pampax
