// The Engine's embedding pass with the builtin embedder on a real index: which embedder an
// index run uses when none is named (Engine::index_embedder / embed_after_index /
// disable_embeddings), and the commit policy of the default batches (a cancelled pass keeps
// every batch it finished, and the next pass resumes after them).
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "../test_util.h"
#include "core/engine.h"

namespace pampax {
namespace {

using testing::TempDir;

// `files` Python files of 10 functions each (one chunk a function), sharing words.
void write_repo(const TempDir& d, int files) {
  for (int f = 0; f < files; ++f) {
    std::string text;
    for (int i = 0; i < 10; ++i) {
      const std::string n = std::to_string(f * 10 + i);
      text += "def parse_rows_" + n + "(path):\n    \"\"\"Read the csv file and parse row " + n +
              ".\"\"\"\n    return [r.split(',') for r in open(path)][" + n + ":]\n\n\n";
    }
    d.write("pkg/m" + std::to_string(f) + ".py", text);
  }
}

std::unique_ptr<Engine> indexed(const TempDir& d) {
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  EXPECT_TRUE(e.ok()) << e.status().message();
  if (!e.ok()) return nullptr;
  IndexOptions io;
  io.threads = 2;
  auto r = (*e)->index(io);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(e).value();
}

int64_t count(Engine& e, const std::string& sql) {
  Stmt q = e.store().db().must_prepare(sql);
  return q.step() ? q.col_int(0) : -1;
}

TEST(EmbedPass, TheEngineChoosesBuiltinForANewIndexAndHonoursTheOptOut) {
  TempDir d;
  write_repo(d, 3);
  auto e = indexed(d);
  ASSERT_TRUE(e);
  auto c = e->index_embedder();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->backend, "builtin");  // never chose: the default
  // embed() with no embedder named uses that choice and remembers it.
  auto r = e->embed(EmbedOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->backend, "builtin");
  EXPECT_EQ(r->embedded, 30);
  EXPECT_EQ(e->store().meta("embed_config").value_or(""), R"({"backend":"builtin"})");

  ASSERT_TRUE(e->disable_embeddings().ok());
  EXPECT_EQ(count(*e, "SELECT count(*) FROM embeddings"), 0);
  c = e->index_embedder();
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->enabled());
  auto after = e->embed_after_index(EmbedOptions{});
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_FALSE(after->has_value());  // opted out: nothing done
  EXPECT_EQ(count(*e, "SELECT count(*) FROM embeddings"), 0);
  auto refused = e->embed(EmbedOptions{});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("turned off"), std::string::npos) << refused.status().message();
  // Naming an embedder turns them on again.
  EmbedOptions named;
  named.config.backend = "builtin";
  after = e->embed_after_index(named);
  ASSERT_TRUE(after.ok()) << after.status().message();
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->embedded, 30);
}

// Cancels the pass once the first batch is reported.
class CancelAfterFirstBatch : public ProgressSink {
 public:
  explicit CancelAfterFirstBatch(std::atomic<bool>& cancel) : cancel_(cancel) {}
  void start(const std::string&, uint64_t) override {}
  void advance(uint64_t done, uint64_t) override {
    if (done > 0) cancel_ = true;
  }
  void finish() override {}

 private:
  std::atomic<bool>& cancel_;
};

TEST(EmbedPass, CancelledDefaultBatchesAreCommittedAndResumed) {
  TempDir d;
  write_repo(d, 250);  // 2,500 chunks: three builtin batches of 1,024
  auto e = indexed(d);
  ASSERT_TRUE(e);
  ASSERT_EQ(count(*e, "SELECT count(*) FROM chunks"), 2500);
  std::atomic<bool> cancel{false};
  CancelAfterFirstBatch sink(cancel);
  EmbedOptions eo;
  eo.batch = 0;  // the backend's batches, committed about once a second
  eo.progress = &sink;
  eo.cancel = &cancel;
  auto r = e->embed(eo);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCancelled) << r.status().message();
  // The first batch was committed before returning (the transaction stays open between commits
  // otherwise), also as seen by another connection.
  EXPECT_EQ(count(*e, "SELECT count(*) FROM embeddings"), 1024);
  {
    auto reader = Engine::open(d.path(), Engine::Mode::kRead);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(count(**reader, "SELECT count(*) FROM embeddings"), 1024);
  }
  EmbedOptions resume;
  resume.batch = 0;
  auto again = e->embed(resume);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->previous_model, "");  // same model: a resume
  EXPECT_EQ(again->reused, 1024);
  EXPECT_EQ(again->embedded, 2500 - 1024);
  EXPECT_EQ(count(*e, "SELECT count(*) FROM embeddings"), 2500);
}

}  // namespace
}  // namespace pampax
