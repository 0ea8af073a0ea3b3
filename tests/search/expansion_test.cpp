#include "search/expansion.h"

#include <gtest/gtest.h>

namespace pampax {
namespace {

std::vector<TrainingPair> corpus() {
  std::vector<TrainingPair> pairs;
  // "iterable" always comes with __iter__ / hasattr; "sorted" with key= / lambda; among many
  // unrelated pairs, so these terms stay under the common-term cut (5% of pairs).
  for (int i = 0; i < 600; ++i) {
    std::string n = std::to_string(i);
    pairs.push_back({"Compute thing" + n + " quickly.", "def c" + n + "():\n    return w" + n + " + z" + n});
  }
  for (int i = 0; i < 20; ++i) {
    std::string n = std::to_string(i);
    pairs.push_back({"Check whether the value is iterable.",
                     "def f" + n + "(x):\n    return hasattr(x, '__iter__') or yieldish" + n});
    pairs.push_back({"Return the items sorted by name.",
                     "def g" + n + "(xs):\n    return sorted(xs, key=lambda v: v.name)"});
    pairs.push_back({"Open the config file.", "def h" + n + "(p):\n    return open(p).read()"});
  }
  return pairs;
}

TEST(Expansion, LearnsWhatWordsTranslateTo) {
  TranslationTable t = train_expansions(corpus());
  ASSERT_TRUE(t.count("~iter"));  // "iterable", in query form (marked Porter stem)
  auto has = [&](const std::string& word, const std::string& term) {
    for (const auto& [x, p] : t[word])
      if (x == term) return p > 0.01f;
    return false;
  };
  EXPECT_TRUE(has("~iter", "__iter__"));
  EXPECT_TRUE(has("~iter", "~hasattr"));
  EXPECT_TRUE(has("~sort", "~lambda"));
  EXPECT_FALSE(has("~iter", "~lambda"));
  EXPECT_FALSE(has("~sort", "__iter__"));
  for (const auto& [w, list] : t) {
    EXPECT_FALSE(w == "~the" || w == "is") << "stop words are not sources";
    for (size_t i = 1; i < list.size(); ++i) EXPECT_GE(list[i - 1].second, list[i].second);
  }
}

TEST(Expansion, PackRoundTrip) {
  std::vector<std::pair<std::string, float>> t = {{"__iter__", 0.5f}, {"yield", 0.125f}};
  EXPECT_EQ(pack_translations(t), "__iter__ 0.5 yield 0.125");
  auto back = unpack_translations(pack_translations(t));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].first, "__iter__");
  EXPECT_FLOAT_EQ(back[1].second, 0.125f);
  EXPECT_TRUE(unpack_translations("").empty());
}

TEST(Expansion, ExpandQueryAddsWeightedTermsOnce) {
  ParsedQuery q = parse_query("is it iterable");
  auto lookup = [](const std::string& w) -> std::vector<std::pair<std::string, float>> {
    if (w == "~iter") return {{"__iter__", 0.4f}, {"~yield", 0.2f}, {"~iter", 0.3f}};
    return {};
  };
  size_t before = q.terms.size();
  expand_query(q, lookup, ExpandOptions{});
  ASSERT_EQ(q.terms.size(), before + 2);  // "~iter" is already in the query
  EXPECT_EQ(q.terms[before].text, "__iter__");
  EXPECT_TRUE(q.terms[before].expansion);
  EXPECT_DOUBLE_EQ(q.terms[before].weight, 0.3);
  EXPECT_EQ(q.terms[before + 1].text, "~yield");
  EXPECT_DOUBLE_EQ(q.terms[before + 1].weight, 0.15);
  // Identifier queries and long bug reports are left alone.
  ParsedQuery id = parse_query("getIterable");
  expand_query(id, lookup, ExpandOptions{});
  for (const QueryTerm& t : id.terms) EXPECT_FALSE(t.expansion);
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += "iterable word" + std::to_string(i) + " ";
  ParsedQuery lq = parse_query(long_text);
  size_t n = lq.terms.size();
  expand_query(lq, lookup, ExpandOptions{});
  EXPECT_EQ(lq.terms.size(), n);
}

}  // namespace
}  // namespace pampax
