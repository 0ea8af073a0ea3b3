// The rerank stage of the search pipeline on a real index: which hits the reranker sees (and
// with what text), how they are reordered, the evidence they carry, the tail after `top`, file
// grouping, and errors. The reranker here is a scoring function chosen by each test (the real
// backends are tested in tests/embed/ and end to end in tests/integration/rerank_cli_test.cpp).
#include "search/rerank.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "../embed/embed_test_util.h"
#include "../test_util.h"
#include "core/engine.h"
#include "embed/gguf_reranker.h"
#include "search/searcher.h"

namespace pampax {
namespace {

using testing::TempDir;

void make_repo(const TempDir& d) {
  const char* topics[] = {"invoice", "payment", "session", "cache", "router", "parser"};
  for (int i = 0; i < 60; ++i) {
    std::string t = topics[i % 6], n = std::to_string(i);
    d.write("pkg/m" + std::to_string(i % 5) + "/f" + n + ".py",
            "def handle_" + t + "_" + n + "(value):\n    \"\"\"Handle the " + t +
                " value.\"\"\"\n    total = value * " + n + "\n    return total\n\n\n" +
                "def other_" + n + "(value):\n    return value\n");
  }
}

class RerankStage : public ::testing::Test {
 protected:
  void SetUp() override {
    make_repo(dir_);
    auto e = Engine::open(dir_.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(e.ok()) << e.status().message();
    engine_ = std::move(e).value();
    IndexOptions opt;
    opt.threads = 1;
    ASSERT_TRUE(engine_->index(opt).ok());
  }

  Result<std::vector<SearchHit>> search(const SearchRequest& req, RerankFn fn) {
    SearchOptions o;
    o.rerank = std::move(fn);
    Searcher s(engine_->store(), {}, o);
    return s.search(req);
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

// Scores a document by the number at the end of its path ("pkg/m3/f17.py" -> 17).
float file_number(const std::string& doc) {
  const size_t nl = doc.find('\n');
  const std::string path = doc.substr(0, nl);
  const size_t f = path.rfind("/f");
  return std::stof(path.substr(f + 2));
}

TEST_F(RerankStage, ReordersTheTopNAndKeepsTheTailAndEvidence) {
  SearchRequest req;
  req.query = "handle value";
  req.mode = SearchMode::kBm25;
  req.limit = 40;
  auto plain = search(req, {});
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_EQ(plain->size(), 40u);

  req.rerank_top = 10;
  std::vector<std::string> seen_docs;
  std::string seen_query;
  auto rr = search(req, [&](const std::string& q, const std::vector<std::string>& docs) {
    seen_query = q;
    seen_docs = docs;
    std::vector<float> s;
    for (const auto& d : docs) s.push_back(file_number(d));
    return Result<std::vector<float>>(s);
  });
  ASSERT_TRUE(rr.ok()) << rr.status().message();
  ASSERT_EQ(rr->size(), 40u);
  EXPECT_EQ(seen_query, "handle value");
  ASSERT_EQ(seen_docs.size(), 10u);  // exactly the top 10, in first-stage order
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(seen_docs[i].rfind((*plain)[i].path + "\n", 0), 0u) << seen_docs[i];
    EXPECT_NE(seen_docs[i].find("def "), std::string::npos) << "the chunk's text is included";
  }
  // The head is the same set, ordered by the reranker's score, with evidence.
  std::set<int64_t> head_plain, head_rr;
  for (size_t i = 0; i < 10; ++i) {
    head_plain.insert((*plain)[i].chunk_id);
    head_rr.insert((*rr)[i].chunk_id);
    const SearchHit& h = (*rr)[i];
    ASSERT_GT(h.evidence.rerank.rank, 0);
    EXPECT_EQ((*plain)[static_cast<size_t>(h.evidence.rerank.rank - 1)].chunk_id, h.chunk_id);
    EXPECT_EQ(h.evidence.rerank.score, file_number(h.path + "\n"));
    EXPECT_EQ(h.score, h.evidence.rerank.score);
    if (i > 0) {
      EXPECT_GE((*rr)[i - 1].score, h.score);
    }
  }
  EXPECT_EQ(head_plain, head_rr);
  // The tail keeps its first-stage order and carries no rerank evidence.
  for (size_t i = 10; i < 40; ++i) {
    EXPECT_EQ((*rr)[i].chunk_id, (*plain)[i].chunk_id) << i;
    EXPECT_EQ((*rr)[i].evidence.rerank.rank, 0);
  }
}

TEST_F(RerankStage, TopBeyondTheLimitWidensThePoolAndTiesKeepFirstStageOrder) {
  SearchRequest req;
  req.query = "handle value";
  req.mode = SearchMode::kBm25;
  req.limit = 5;
  req.rerank_top = 150;  // more than the default pool of 100
  size_t n_docs = 0;
  auto rr = search(req, [&](const std::string&, const std::vector<std::string>& docs) {
    n_docs = docs.size();
    return Result<std::vector<float>>(std::vector<float>(docs.size(), 1.0f));  // all tied
  });
  ASSERT_TRUE(rr.ok());
  EXPECT_GT(n_docs, 100u);  // 60 files x 2 chunks match "value"
  SearchRequest plain_req = req;
  auto plain = search(plain_req, {});
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(rr->size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*rr)[i].chunk_id, (*plain)[i].chunk_id);
    EXPECT_EQ((*rr)[i].evidence.rerank.rank, static_cast<int>(i) + 1);
  }
}

TEST_F(RerankStage, GroupByFileReranksFiles) {
  SearchRequest req;
  req.query = "handle value";
  req.mode = SearchMode::kBm25;
  req.group_by = GroupBy::kFile;
  req.limit = 8;
  req.rerank_top = 8;
  auto rr = search(req, [&](const std::string&, const std::vector<std::string>& docs) {
    std::vector<float> s;
    for (const auto& d : docs) s.push_back(-file_number(d));  // lowest file number first
    return Result<std::vector<float>>(s);
  });
  ASSERT_TRUE(rr.ok()) << rr.status().message();
  ASSERT_EQ(rr->size(), 8u);
  std::set<std::string> paths;
  for (size_t i = 0; i < rr->size(); ++i) {
    paths.insert((*rr)[i].path);
    if (i > 0) {
      EXPECT_LE(file_number((*rr)[i - 1].path + "\n"), file_number((*rr)[i].path + "\n"));
    }
  }
  EXPECT_EQ(paths.size(), 8u);  // still one hit per file
}

TEST_F(RerankStage, RerankerErrorsAndWrongCountsFailTheSearch) {
  SearchRequest req;
  req.query = "handle value";
  req.mode = SearchMode::kBm25;
  auto err = search(req, [](const std::string&, const std::vector<std::string>&) {
    return Result<std::vector<float>>(IoError("rerank request failed: HTTP 503"));
  });
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().code(), Code::kIoError);
  auto wrong = search(req, [](const std::string&, const std::vector<std::string>&) {
    return Result<std::vector<float>>(std::vector<float>{1.0f});
  });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kInternal);
}

TEST_F(RerankStage, EngineOpensTheConfiguredGgufRerankerAndReportsBadOnes) {
  SearchRequest req;
  req.query = "invoice value";
  req.mode = SearchMode::kBm25;
  req.limit = 5;
  req.rerank.backend = "gguf";
  req.rerank.model_path = testing::test_reranker_path();
  req.rerank.threads = 1;
  auto r = engine_->search(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->hits.size(), 5u);
  // The scores are the model's for (query, rerank_text(chunk)).
  GgufRerankOptions o;
  o.model_path = testing::test_reranker_path();
  o.threads = 1;
  auto model = open_gguf_reranker(o);
  ASSERT_TRUE(model.ok());
  std::vector<int64_t> ids;
  for (const SearchHit& h : r->hits) ids.push_back(h.chunk_id);
  auto rows = engine_->store().get_chunks(ids);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const SearchHit& h = r->hits[i];
    auto row = std::find_if(rows->begin(), rows->end(), [&](const ChunkRow& c) { return c.id == h.chunk_id; });
    ASSERT_NE(row, rows->end());
    auto s = (*model)->score(req.query, {rerank_text(*row)});
    ASSERT_TRUE(s.ok());
    EXPECT_NEAR(h.evidence.rerank.score, (*s)[0], 0.005) << i;
    EXPECT_GT(h.evidence.rerank.rank, 0);
    if (i > 0) {
      EXPECT_GE(r->hits[i - 1].score, h.score);
    }
  }
  req.rerank.model_path = testing::test_gguf_path();  // an embedding model
  auto bad = engine_->search(req);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kUnsupported);
  EXPECT_NE(bad.status().message().find("cannot open the reranker"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace pampax
