// The gguf rerank backend with the generated cross-encoder (scripts/gen-test-gguf: BERT,
// all-MiniLM-L6-v2 shapes, real WordPiece vocabulary, rank pooling, random weights): scores
// are finite, deterministic, independent of batching and of the other documents.
#include "embed/gguf_reranker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "embed/gguf_embedder.h"
#include "embed_test_util.h"

namespace pampax {
namespace {

// Scores of one pair computed in differently packed passes differ by float rounding: llama.cpp
// picks kernels (and attention lengths) by the shape of the pass, F16 rounding of activations
// then differs, and six random layers amplify it to about 0.001 on scores near 1. A one-token
// change of a document moves its score by 0.04 or more, so 0.005 still tells pairs apart.
constexpr float kScoreTolerance = 0.005f;

void expect_close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], kScoreTolerance) << what << " document " << i;
}

class GgufRerankerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(std::filesystem::exists(testing::test_reranker_path()))
        << "run scripts/bootstrap (scripts/gen-test-gguf writes the test reranker)";
    GgufRerankOptions o;
    o.model_path = testing::test_reranker_path();
    o.threads = 1;
    auto r = open_gguf_reranker(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    reranker_ = std::move(r).value().release();
  }
  static void TearDownTestSuite() {
    delete reranker_;
    reranker_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(reranker_, nullptr); }

  static Reranker* reranker_;
};
Reranker* GgufRerankerTest::reranker_ = nullptr;

const char* kQuery = "parse the gitignore patterns of a repository";

TEST_F(GgufRerankerTest, IdentityNamesTheFileAndRankPooling) {
  const RerankerInfo& info = reranker_->info();
  EXPECT_EQ(info.model_id.rfind("gguf:minilm-l6-rerank-random-f16.gguf:", 0), 0u) << info.model_id;
  EXPECT_EQ(info.model_id.substr(info.model_id.size() - 5), ":rank") << info.model_id;
  EXPECT_EQ(info.max_tokens, 512);  // the model's training context
}

TEST_F(GgufRerankerTest, ScoresAreFiniteDeterministicAndDependOnQueryAndDocument) {
  const auto docs = testing::sample_texts();
  auto a = reranker_->score(kQuery, docs);
  auto b = reranker_->score(kQuery, docs);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  ASSERT_EQ(a->size(), docs.size());
  EXPECT_EQ(*a, *b);  // same input, same passes: bit-identical
  for (float s : *a) EXPECT_TRUE(std::isfinite(s));
  // Random weights still tell different inputs apart.
  std::vector<float> sorted = *a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "tied scores";
  auto other = reranker_->score("sum two numbers", docs);
  ASSERT_TRUE(other.ok());
  size_t differ = 0;
  for (size_t i = 0; i < docs.size(); ++i) differ += std::fabs((*a)[i] - (*other)[i]) > kScoreTolerance;
  EXPECT_EQ(differ, docs.size());
}

TEST_F(GgufRerankerTest, OneByOneEqualsBatched) {
  const auto docs = testing::sample_texts();
  auto batched = reranker_->score(kQuery, docs);
  ASSERT_TRUE(batched.ok()) << batched.status().message();
  std::vector<float> single;
  for (const auto& d : docs) {
    auto s = reranker_->score(kQuery, {d});
    ASSERT_TRUE(s.ok()) << s.status().message();
    ASSERT_EQ(s->size(), 1u);
    single.push_back((*s)[0]);
  }
  expect_close(*batched, single, "one by one");

  // A budget so small that every pair gets a pass of its own, and a large one.
  for (int budget : {8, 2048}) {
    GgufRerankOptions o;
    o.model_path = testing::test_reranker_path();
    o.threads = 2;
    o.batch_tokens = budget;
    auto r = open_gguf_reranker(o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ((*r)->info().model_id, reranker_->info().model_id);
    auto s = (*r)->score(kQuery, docs);
    ASSERT_TRUE(s.ok()) << s.status().message();
    expect_close(*batched, *s, budget == 8 ? "budget 8" : "budget 2048");
  }
}

TEST_F(GgufRerankerTest, OneTokenChangesMoveScoresBeyondTheTolerance) {
  auto s = reranker_->score(kQuery, {"def add(a, b): return a + b", "def add(a, b): return a - b",
                                     "def add(a, b): return a + b."});
  ASSERT_TRUE(s.ok());
  EXPECT_GT(std::fabs((*s)[0] - (*s)[1]), 2 * kScoreTolerance);
  EXPECT_GT(std::fabs((*s)[0] - (*s)[2]), 2 * kScoreTolerance);
}

TEST_F(GgufRerankerTest, InputOrderDoesNotMatter) {
  auto docs = testing::sample_texts();
  auto fwd = reranker_->score(kQuery, docs);
  ASSERT_TRUE(fwd.ok());
  std::vector<std::string> rev(docs.rbegin(), docs.rend());
  auto back = reranker_->score(kQuery, rev);
  ASSERT_TRUE(back.ok());
  std::vector<float> unreversed(back->rbegin(), back->rend());
  expect_close(*fwd, unreversed, "reversed");
  // Duplicates score the same wherever they sit.
  auto dup = reranker_->score(kQuery, {docs[2], docs[0], docs[2]});
  ASSERT_TRUE(dup.ok());
  EXPECT_NEAR((*dup)[0], (*dup)[2], kScoreTolerance);
  EXPECT_NEAR((*dup)[0], (*fwd)[2], kScoreTolerance);
}

TEST_F(GgufRerankerTest, LongDocumentsAreCutToTheModelContext) {
  // Two documents of ~1,500 tokens that differ only after the first 3,000 bytes: past the 512
  // tokens a pair may hold, so they score the same; a third differing early scores otherwise.
  std::string head;
  for (int i = 0; i < 150; ++i) head += "value_" + std::to_string(i) + " = compute(value) ";
  const std::string a = head + "alpha beta gamma delta";
  const std::string b = head + "completely different tail text";
  const std::string c = "early difference " + head;
  auto s = reranker_->score(kQuery, {a, b, c, "short one"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_FLOAT_EQ((*s)[0], (*s)[1]);
  EXPECT_GT(std::fabs((*s)[0] - (*s)[2]), kScoreTolerance);
  // A very long query keeps half the pair; the document still counts.
  std::string long_query;
  for (int i = 0; i < 400; ++i) long_query += "word" + std::to_string(i) + " ";
  auto q = reranker_->score(long_query, {"def add(a, b): return a + b", "SELECT 1"});
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_GT(std::fabs((*q)[0] - (*q)[1]), kScoreTolerance);
}

TEST_F(GgufRerankerTest, EmptyInputs) {
  auto none = reranker_->score(kQuery, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto empty_doc = reranker_->score(kQuery, {""});  // [CLS] query [SEP] [SEP]: still a score
  ASSERT_TRUE(empty_doc.ok()) << empty_doc.status().message();
  EXPECT_TRUE(std::isfinite((*empty_doc)[0]));
  auto empty_query = reranker_->score("  \n", {"x"});
  ASSERT_FALSE(empty_query.ok());
  EXPECT_EQ(empty_query.status().code(), Code::kInvalidArgument);
}

TEST_F(GgufRerankerTest, ControlTokenTextInDocumentsIsText) {
  // "[SEP]" typed in a document must not end the pair early: it is tokenised as text.
  auto s = reranker_->score(kQuery, {"a [SEP] b", "a b"});
  ASSERT_TRUE(s.ok());
  EXPECT_GT(std::fabs((*s)[0] - (*s)[1]), kScoreTolerance);
}

TEST(GgufRerankerErrors, EmbeddingModelsAreNotRerankersAndViceVersa) {
  GgufRerankOptions o;
  o.model_path = testing::test_gguf_path();
  auto r = open_gguf_reranker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnsupported);
  EXPECT_NE(r.status().message().find("is not a reranker"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("mean pooling"), std::string::npos) << r.status().message();

  GgufOptions e;
  e.model_path = testing::test_reranker_path();
  auto emb = open_gguf_embedder(e);
  ASSERT_FALSE(emb.ok());
  EXPECT_EQ(emb.status().code(), Code::kUnsupported);
  EXPECT_NE(emb.status().message().find("is a reranker"), std::string::npos)
      << emb.status().message();
}

TEST(GgufRerankerErrors, MissingFileAndBadOptions) {
  GgufRerankOptions o;
  o.model_path = "/nonexistent/rerank.gguf";
  auto r = open_gguf_reranker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  o.model_path = testing::test_reranker_path();
  o.batch_tokens = 4;
  r = open_gguf_reranker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  o.batch_tokens = 512;
  o.max_tokens = 3;  // [CLS] q [SEP] d [SEP] needs at least 5
  r = open_gguf_reranker(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().message();
}

}  // namespace
}  // namespace pampax
