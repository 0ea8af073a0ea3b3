#include "util/ident.h"

#include <gtest/gtest.h>

#include <tuple>

namespace pampax {
namespace {

using Parts = std::vector<std::string>;

TEST(SplitIdentifier, CaseStyles) {
  EXPECT_EQ(split_identifier("getUserName"), (Parts{"get", "user", "name"}));
  EXPECT_EQ(split_identifier("GetUserName"), (Parts{"get", "user", "name"}));
  EXPECT_EQ(split_identifier("get_user_name"), (Parts{"get", "user", "name"}));
  EXPECT_EQ(split_identifier("get-user-name"), (Parts{"get", "user", "name"}));
  EXPECT_EQ(split_identifier("HTTPServer"), (Parts{"http", "server"}));
  EXPECT_EQ(split_identifier("parseHTTPRequest"), (Parts{"parse", "http", "request"}));
  EXPECT_EQ(split_identifier("utf8Decode"), (Parts{"utf", "8", "decode"}));
  EXPECT_EQ(split_identifier("MAX_SIZE"), (Parts{"max", "size"}));
  EXPECT_EQ(split_identifier("sha256"), (Parts{"sha", "256"}));
}

TEST(SplitIdentifier, SinglePartGivesNothing) {
  EXPECT_TRUE(split_identifier("parse").empty());
  EXPECT_TRUE(split_identifier("Parse").empty());
  EXPECT_TRUE(split_identifier("URL").empty());
  EXPECT_TRUE(split_identifier("").empty());
}

// Symbol names are not always identifiers ("<lambda>", "operator()", "a b"): punctuation
// separates parts and never stalls the splitter.
TEST(SplitIdentifier, PunctuationSeparates) {
  EXPECT_EQ(split_identifier("operator()"), (Parts{}));
  EXPECT_EQ(split_identifier("<lambda>"), (Parts{}));
  EXPECT_EQ(split_identifier("foo.barBaz"), (Parts{"foo", "bar", "baz"}));
  EXPECT_EQ(split_identifier("a b<c>"), (Parts{"a", "b", "c"}));
  EXPECT_EQ(split_identifier("(){}"), (Parts{}));
}

struct Term {
  std::string text;
  bool colocated;
  bool operator==(const Term&) const = default;
};

std::vector<Term> terms_of(std::string_view s) {
  std::vector<Term> out;
  for_each_term(s, [&](std::string_view t, bool c, int, int) { out.push_back({std::string(t), c}); });
  return out;
}

TEST(ForEachTerm, WholeWordThenColocatedParts) {
  auto t = terms_of("int getUserName(x);");
  std::vector<Term> want = {{"int", false}, {"getusername", false}, {"get", true},
                            {"user", true}, {"name", true},         {"x", false}};
  EXPECT_EQ(t, want);
}

TEST(ForEachTerm, DunderNamesAlsoGiveTheBareWord) {
  auto t = terms_of("__init__");
  std::vector<Term> want = {{"__init__", false}, {"init", true}};
  EXPECT_EQ(t, want);
}

TEST(ForEachTerm, OffsetsPointAtTheWord) {
  std::string s = "  fooBar+baz";
  std::vector<std::tuple<std::string, int, int>> seen;
  for_each_term(s, [&](std::string_view t, bool, int b, int e) { seen.emplace_back(std::string(t), b, e); });
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], std::make_tuple(std::string("foobar"), 2, 8));
  EXPECT_EQ(seen[3], std::make_tuple(std::string("baz"), 9, 12));
}

TEST(ForEachTerm, Utf8AndInvalidBytesStayInsideWords) {
  auto t = terms_of("caf\xc3\xa9 na\xffve");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].text, "caf\xc3\xa9");
  EXPECT_EQ(t[1].text, "na\xffve");
}

TEST(ForEachTerm, VeryLongWordsAreTruncated) {
  std::string w(1000, 'a');
  auto t = terms_of(w);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].text.size(), 64u);
}

}  // namespace
}  // namespace pampax
