// The gguf backend against real llama.cpp and the generated MiniLM-shaped model.
#include "embed/gguf_embedder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "embed_test_util.h"
#include "../test_util.h"

namespace pampax {
namespace {

using testing::cosine;
using testing::norm;
using testing::row;

class GgufEmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(std::filesystem::exists(testing::test_gguf_path()))
        << testing::test_gguf_path() << " is missing: run scripts/bootstrap";
    GgufOptions o;
    o.model_path = testing::test_gguf_path();
    // One thread: ggml's threads meet at a spinning barrier after every op, which crawls when
    // the test machine is oversubscribed (ctest -j, other builds). Two threads are tested below.
    o.threads = 1;
    auto e = open_gguf_embedder(o);
    ASSERT_TRUE(e.ok()) << e.status().message();
    emb_ = std::move(e.value()).release();
  }
  static void TearDownTestSuite() {
    delete emb_;
    emb_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(emb_, nullptr); }

  static std::vector<float> embed(const std::vector<std::string>& texts) {
    auto r = emb_->embed(texts, EmbedRole::kDocument);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r.value() : std::vector<float>();
  }

  static Embedder* emb_;
};
Embedder* GgufEmbedderTest::emb_ = nullptr;

TEST_F(GgufEmbedderTest, InfoFromTheFile) {
  const EmbedderInfo& info = emb_->info();
  EXPECT_EQ(info.dim, 384);
  EXPECT_EQ(info.max_tokens, 512);
  EXPECT_EQ(info.model_id.rfind("gguf:minilm-l6-random-f16.gguf:", 0), 0u) << info.model_id;
  EXPECT_NE(info.model_id.find(":mean:384"), std::string::npos) << info.model_id;
}

TEST_F(GgufEmbedderTest, UnitNormDeterministicAndDistinct) {
  const auto texts = testing::sample_texts();
  const auto a = embed(texts);
  const auto b = embed(texts);
  ASSERT_EQ(a.size(), texts.size() * 384);
  EXPECT_EQ(a, b);  // bit-identical on repeat
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_NEAR(norm(row(a, 384, i)), 1.0, 1e-5) << i;
    for (size_t j = i + 1; j < texts.size(); ++j) {
      EXPECT_LT(cosine(row(a, 384, i), row(a, 384, j)), 0.999) << i << " vs " << j;
    }
  }
}

TEST_F(GgufEmbedderTest, SameVectorAloneOrPackedWithOthersAndOrderKept) {
  const auto texts = testing::sample_texts();
  std::vector<std::vector<float>> alone;
  for (const auto& t : texts) alone.push_back(embed({t}));
  const auto batch = embed(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_GE(cosine(alone[i], row(batch, 384, i)), 0.9999) << i;
  }
  // Reversed input: rows follow the input, not the internal length order.
  std::vector<std::string> rev(texts.rbegin(), texts.rend());
  const auto rb = embed(rev);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_GE(cosine(alone[texts.size() - 1 - i], row(rb, 384, i)), 0.9999) << i;
  }
}

TEST_F(GgufEmbedderTest, SmallTokenBudgetSplitsIntoManyPassesWithSameResults) {
  const auto texts = testing::sample_texts();
  const auto ref = embed(texts);
  GgufOptions o;
  o.model_path = testing::test_gguf_path();
  o.threads = 2;
  o.batch_tokens = 100;  // short texts share passes; the ~400-token one gets its own, whole
  auto small = open_gguf_embedder(o);
  ASSERT_TRUE(small.ok()) << small.status().message();
  EXPECT_EQ(small.value()->info().model_id, emb_->info().model_id);
  EXPECT_EQ(small.value()->info().max_tokens, 512);
  std::vector<std::string> many;
  for (int k = 0; k < 3; ++k) many.insert(many.end(), texts.begin(), texts.end());
  auto r = small.value()->embed(many, EmbedRole::kDocument);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (size_t i = 0; i < many.size(); ++i) {
    EXPECT_GE(cosine(row(ref, 384, i % texts.size()), row(r.value(), 384, i)), 0.9999) << i;
  }
}

TEST_F(GgufEmbedderTest, EmptyTextIsAZeroRowAndEmptyInputIsEmptyOutput) {
  const auto v = embed({"alpha", "", "beta"});
  ASSERT_EQ(v.size(), 3u * 384);
  EXPECT_EQ(norm(row(v, 384, 1)), 0.0);
  EXPECT_NEAR(norm(row(v, 384, 0)), 1.0, 1e-5);
  EXPECT_TRUE(embed({}).empty());
}

TEST_F(GgufEmbedderTest, OverLongInputIsTruncatedNotAnError) {
  std::string head;
  for (int i = 0; i < 700; ++i) head += "token" + std::to_string(i % 50) + " ";
  // Differences beyond the first 512 tokens are cut away: both embed the same prefix.
  const auto v = embed({head + "tail one", head + "a completely different tail", "short"});
  ASSERT_EQ(v.size(), 3u * 384);
  EXPECT_NEAR(norm(row(v, 384, 0)), 1.0, 1e-5);
  EXPECT_GE(cosine(row(v, 384, 0), row(v, 384, 1)), 0.99999);
}

TEST_F(GgufEmbedderTest, MaxTokensOptionTruncatesEarlier) {
  GgufOptions o;
  o.model_path = testing::test_gguf_path();
  o.threads = 1;
  o.max_tokens = 8;
  auto e = open_gguf_embedder(o);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e.value()->info().max_tokens, 8);
  // [CLS] + 6 words + [SEP]: the texts differ only after the sixth word.
  auto r = e.value()->embed({"one two three four five six seven eight",
                             "one two three four five six nine ten eleven"},
                            EmbedRole::kDocument);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GE(cosine(row(r.value(), 384, 0), row(r.value(), 384, 1)), 0.99999);
  auto full = embed({"one two three four five six seven eight",
                     "one two three four five six nine ten eleven"});
  EXPECT_LT(cosine(row(full, 384, 0), row(full, 384, 1)), 0.9999);
}

TEST_F(GgufEmbedderTest, QueryPrefixChangesQueriesAndTheModelId) {
  GgufOptions o;
  o.model_path = testing::test_gguf_path();
  o.threads = 1;
  o.batch_tokens = 600;  // capacity 640, 160 sequences: llama.cpp needs n_seq_max | n_ubatch
  o.query_prefix = "query: ";
  auto e = open_gguf_embedder(o);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_NE(e.value()->info().model_id, emb_->info().model_id);
  auto q = e.value()->embed({"find the parser"}, EmbedRole::kQuery);
  auto d = e.value()->embed({"find the parser"}, EmbedRole::kDocument);
  ASSERT_TRUE(q.ok() && d.ok());
  EXPECT_LT(cosine(q.value(), d.value()), 0.9999);
  EXPECT_GE(cosine(d.value(), embed({"find the parser"})), 0.9999);
}

// A decoder embedder (qwen3 architecture, causal attention, last-token pooling, EOS appended)
// in the style of Qwen3-Embedding: the KV-cache path of llama.cpp.
TEST(GgufDecoderEmbedder, LastTokenPoolingPackedAndTruncated) {
  GgufOptions o;
  o.model_path = std::string(PAMPAX_SOURCE_DIR) + "/third_party/models/qwen3-tiny-random.gguf";
  o.threads = 1;
  o.batch_tokens = 128;
  auto e = open_gguf_embedder(o);
  ASSERT_TRUE(e.ok()) << e.status().message();
  Embedder& emb = *e.value();
  EXPECT_EQ(emb.info().dim, 64);
  EXPECT_EQ(emb.info().max_tokens, 1024);
  EXPECT_NE(emb.info().model_id.find(":last:64"), std::string::npos) << emb.info().model_id;

  const auto texts = testing::sample_texts();
  auto batch = emb.embed(texts, EmbedRole::kDocument);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  for (size_t i = 0; i < texts.size(); ++i) {
    auto alone = emb.embed({texts[i]}, EmbedRole::kDocument);
    ASSERT_TRUE(alone.ok());
    EXPECT_NEAR(norm(alone.value()), 1.0, 1e-5);
    EXPECT_GE(cosine(alone.value(), row(batch.value(), 64, i)), 0.9999) << i;
    for (size_t j = i + 1; j < texts.size(); ++j) {
      EXPECT_LT(cosine(row(batch.value(), 64, i), row(batch.value(), 64, j)), 0.999);
    }
  }

  // Truncation keeps the appended EOS last, where the pooling reads.
  o.max_tokens = 6;
  auto t = open_gguf_embedder(o);
  ASSERT_TRUE(t.ok()) << t.status().message();
  auto v = t.value()->embed({"alpha beta gamma delta epsilon zeta eta theta",
                             "alpha beta gamma delta epsilon one two three four"},
                            EmbedRole::kDocument);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_GE(cosine(row(v.value(), 64, 0), row(v.value(), 64, 1)), 0.99999);
}

TEST(GgufEmbedderErrors, MissingFile) {
  GgufOptions o;
  o.model_path = "/nonexistent/model.gguf";
  auto e = open_gguf_embedder(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kNotFound);
  EXPECT_NE(e.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(GgufEmbedderErrors, NotAGgufFile) {
  testing::TempDir dir;
  dir.write("model.gguf", "this is not a model, just some text\n");
  GgufOptions o;
  o.model_path = (dir / "model.gguf").string();
  auto e = open_gguf_embedder(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("not a GGUF file"), std::string::npos)
      << e.status().message();
}

TEST(GgufEmbedderErrors, TruncatedGguf) {
  testing::TempDir dir;
  std::string head = testing::read_all(testing::test_gguf_path()).substr(0, 4096);
  dir.write("cut.gguf", head);
  GgufOptions o;
  o.model_path = (dir / "cut.gguf").string();
  auto e = open_gguf_embedder(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kCorrupt) << e.status().message();
}

TEST(GgufEmbedderErrors, GgufWithoutPoolingIsNotAnEmbeddingModel) {
  // llama.cpp's vocabulary-only BERT file: a valid GGUF with no pooling type and no weights.
  GgufOptions o;
  o.model_path =
      std::string(PAMPAX_SOURCE_DIR) + "/third_party/llama/src/models/ggml-vocab-bert-bge.gguf";
  auto e = open_gguf_embedder(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kUnsupported);
  EXPECT_NE(e.status().message().find("not an embedding model"), std::string::npos)
      << e.status().message();
}

TEST(GgufEmbedderErrors, BadOptions) {
  GgufOptions o;
  o.model_path = testing::test_gguf_path();
  o.max_tokens = 1;
  auto e = open_gguf_embedder(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  o.max_tokens = 0;
  o.batch_tokens = 4;
  e = open_gguf_embedder(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
}

TEST(GgufEmbedderLogging, StdoutAndStderrStayQuiet) {
  if (const char* lv = std::getenv("PAMPAX_LOG"); lv && std::string(lv) == "debug") {
    GTEST_SKIP() << "PAMPAX_LOG=debug enables llama.cpp's log";
  }
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  {
    GgufOptions o;
    o.model_path = testing::test_gguf_path();
    o.threads = 1;
    auto e = open_gguf_embedder(o);
    if (e.ok()) (void)e.value()->embed({"hello world"}, EmbedRole::kDocument);
    GgufOptions bad;
    bad.model_path = std::string(PAMPAX_SOURCE_DIR) +
                     "/third_party/llama/src/models/ggml-vocab-bert-bge.gguf";
    (void)open_gguf_embedder(bad);
  }
  const std::string out = ::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
}

}  // namespace
}  // namespace pampax
