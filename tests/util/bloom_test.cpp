#include "util/bloom.h"

#include <gtest/gtest.h>

#include <string>

namespace pampax {
namespace {

std::string word(int i, char tag) { return std::string(1, tag) + std::to_string(i * 7919) + "x"; }

TEST(BloomFilter, NoFalseNegativesAndFewFalsePositives) {
  BloomFilter f(10000);
  for (int i = 0; i < 10000; ++i) f.add(word(i, 'a'));
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(f.may_contain(word(i, 'a'))) << i;
  int false_positives = 0;
  for (int i = 0; i < 10000; ++i) false_positives += f.may_contain(word(i, 'b'));
  EXPECT_LT(false_positives, 300);  // ~1% expected at 10 bits an item
  EXPECT_FALSE(BloomFilter(0).may_contain("anything"));
}

TEST(BloomFilter, SerializesAndRejectsDamage) {
  BloomFilter f(100);
  f.add("socket");
  f.add("select");
  std::string b = f.serialize();
  auto g = BloomFilter::parse(b);
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->may_contain("socket"));
  EXPECT_TRUE(g->may_contain("select"));
  EXPECT_EQ(g->serialize(), b);
  EXPECT_FALSE(BloomFilter::parse(""));
  EXPECT_FALSE(BloomFilter::parse("PBF1"));
  EXPECT_FALSE(BloomFilter::parse(b.substr(0, b.size() - 1)));
  std::string bad = b;
  bad[0] = 'X';
  EXPECT_FALSE(BloomFilter::parse(bad));
}

}  // namespace
}  // namespace pampax
