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
  EXPECT_EQ(texts(q), (std::vector<std::string>{"getusername", "get", "user", "name"}));
  EXPECT_TRUE(q.terms[0].whole);
  EXPECT_FALSE(q.terms[1].whole);
}

TEST(ParseQuery, QuestionsDropStopWords) {
  ParsedQuery q = parse_query("How does the indexer handle deleted files?");
  EXPECT_FALSE(q.identifier_like);
  EXPECT_EQ(texts(q), (std::vector<std::string>{"indexer", "handle", "deleted", "files"}));
}

TEST(ParseQuery, OnlyStopWordsAreStillSearched) {
  EXPECT_EQ(texts(parse_query("this")), (std::vector<std::string>{"this"}));
}

TEST(ParseQuery, RepeatedWordsAreCounted) {
  ParsedQuery q = parse_query("cache miss; the cache is cold, cache");
  ASSERT_FALSE(q.terms.empty());
  EXPECT_EQ(q.terms[0].text, "cache");
  EXPECT_EQ(q.terms[0].occurrences, 3);
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
