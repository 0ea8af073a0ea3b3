#include "search/fusion.h"

#include <gtest/gtest.h>

namespace pampax {
namespace {

TEST(Fusion, RrfSumsReciprocalRanks) {
  std::vector<ArmHit> lex = {{1, 9.0}, {2, 5.0}, {3, 1.0}};
  std::vector<ArmHit> vec = {{3, 0.9}, {4, 0.8}, {1, 0.1}};
  FusionOptions o;  // RRF, k = 60
  auto c = fuse(lex, vec, o);
  ASSERT_EQ(c.size(), 4u);
  // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie, lower id first); 2: 1/62; 4: 1/62.
  EXPECT_EQ(c[0].chunk_id, 1);
  EXPECT_EQ(c[1].chunk_id, 3);
  EXPECT_DOUBLE_EQ(c[0].fused, 1.0 / 61 + 1.0 / 63);
  EXPECT_DOUBLE_EQ(c[0].fused, c[1].fused);
  EXPECT_EQ(c[0].lexical.rank, 1);
  EXPECT_EQ(c[0].vector.rank, 3);
  EXPECT_EQ(c[2].chunk_id, 2);
  EXPECT_EQ(c[2].vector.rank, 0);
  EXPECT_EQ(c[3].chunk_id, 4);
  EXPECT_EQ(c[3].lexical.rank, 0);

  o.vector_weight = 0;  // only the lexical order remains
  c = fuse(lex, vec, o);
  EXPECT_EQ(c[0].chunk_id, 1);
  EXPECT_EQ(c[1].chunk_id, 2);
  EXPECT_EQ(c[2].chunk_id, 3);
}

TEST(Fusion, WeightedNormalisesEachArmByItsBest) {
  std::vector<ArmHit> lex = {{1, 10.0}, {2, 5.0}};
  std::vector<ArmHit> vec = {{2, 0.5}, {3, 0.25}};
  FusionOptions o;
  o.method = FusionOptions::Method::kWeighted;
  auto c = fuse(lex, vec, o);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].chunk_id, 2);  // 0.5 + 1.0
  EXPECT_DOUBLE_EQ(c[0].fused, 1.5);
  EXPECT_EQ(c[1].chunk_id, 1);
  EXPECT_DOUBLE_EQ(c[1].fused, 1.0);
  EXPECT_DOUBLE_EQ(c[2].fused, 0.5);
}

TEST(Fusion, SingleArmKeepsItsScores) {
  auto c = fuse({{7, 3.5}, {8, 2.0}}, {}, FusionOptions{});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[0].fused, 3.5);
  EXPECT_EQ(c[1].chunk_id, 8);
  c = fuse({}, {{9, 0.7}}, FusionOptions{});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_DOUBLE_EQ(c[0].fused, 0.7);
  EXPECT_EQ(c[0].vector.rank, 1);
}

}  // namespace
}  // namespace pampax
