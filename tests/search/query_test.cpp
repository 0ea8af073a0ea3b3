#include "search/query.h"

#include <gtest/gtest.h>

namespace pampax {
namespace {

std::vector<std::string> texts(const ParsedQuery& q) {
  std::vector<std::string> out;
  for (const QueryTerm& t : q.terms) out.push_back(t.text);
  return out;
}

TEST(ParseQuery, IdentifierKeepsWholeAndParts) {
  ParsedQuery q = parse_query("getUserName");
  EXPECT_TRUE(q.identifier_like);
  EXPECT_EQ(texts(q), (std::vector<std::string>{"getusername", "~get", "~user", "~name"}));
  EXPECT_TRUE(q.terms[0].whole);
  EXPECT_FALSE(q.terms[1].whole);
}

TEST(ParseQuery, QuestionsDropStopWords) {
  ParsedQuery q = parse_query("How does the indexer handle deleted files?");
  EXPECT_FALSE(q.identifier_like);
  EXPECT_EQ(texts(q), (std::vector<std::string>{"~index", "~handl", "~delet", "~file"}));  // marked Porter stems
}

TEST(ParseQuery, OnlyStopWordsAreStillSearched) {
  EXPECT_EQ(texts(parse_query("this")), (std::vector<std::string>{"~thi"}));  // the stem of "this"
}

TEST(ParseQuery, RepeatedWordsAreCounted) {
  ParsedQuery q = parse_query("cache miss; the cache is cold, cache");
  ASSERT_FALSE(q.terms.empty());
  EXPECT_EQ(q.terms[0].text, "~cach");
  EXPECT_EQ(q.terms[0].occurrences, 3);
}

// Every form of a word meets at its stem, and stop words are judged before stemming
// ("using" is a stop word even though its stem "us" is not).
TEST(ParseQuery, PlainWordsAreStemmedIdentifiersKeptWhole) {
  ParsedQuery q = parse_query("parsing parses parsed using parseConfigFiles");
  EXPECT_EQ(texts(q), (std::vector<std::string>{"~pars", "parseconfigfiles", "~config", "~file"}));
  EXPECT_EQ(q.terms[0].occurrences, 4);  // parsing, parses, parsed and the "parse" part
}

TEST(ParseQuery, LongTextsKeepWordsAsTyped) {
  std::string text = "parsing fails";
  EXPECT_TRUE(parse_query(text).stemmed);
  for (int i = 0; i < kStemmedQueryMaxWords; ++i) text += " word" + std::to_string(i);
  ParsedQuery q = parse_query(text);
  EXPECT_FALSE(q.stemmed);
  EXPECT_EQ(q.words, kStemmedQueryMaxWords + 2);
  EXPECT_EQ(q.terms[0].text, "parsing");
  EXPECT_EQ(q.terms[1].text, "fails");
}

TEST(ParseQuery, EmptyAndPunctuationOnly) {
  EXPECT_TRUE(parse_query("").terms.empty());
  EXPECT_TRUE(parse_query("  ?!.. ").terms.empty());
}

TEST(FtsOrExpression, QuotesAndEscapes) {
  EXPECT_EQ(fts_or_expression({"a", "b\"c"}), "\"a\" OR \"b\"\"c\"");
  EXPECT_EQ(fts_or_expression({}), "");
}

}  // namespace
}  // namespace pampax
