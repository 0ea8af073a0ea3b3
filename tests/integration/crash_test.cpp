// Killing the indexer (the real `pampax` binary, SIGKILL) at any moment leaves an index that
// opens, passes integrity checks, and is completed by the next `pampax update` to exactly what
// a clean index of the same tree holds: same rows (files, text, chunks, symbols, refs, vectors)
// and the same search results (paths, lines, kinds, symbols and scores, in order; row ids
// differ between two indexes by construction and are not compared).
//
// Two scenarios, split into five tests of 10 trials with deterministic seeds
// (PAMPAX_CRASH_SEED changes them; PAMPAX_CRASH_TRIALS sets the trials per test; the defaults
// give 50 trials in all):
//   - lexical: 1,200 generated JS files, enough for hot terms, so every run that changes a
//     third of the files ends with a hot-term rebuild. Half the kills land anywhere in the
//     run, half after the parse/write pass has finished (the hot-term rebuild and the final
//     meta writes), aimed from the child's progress output.
//   - embedding: 16 files with `--embed gguf` (the test model, one chunk per embedding call
//     so a vector does not depend on which chunks shared its batch): half the kills anywhere,
//     half during the embedding pass.
// Every third trial starts from an empty directory, so kills also hit a first index.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "../process_util.h"
#include "../test_util.h"
#include "bg_process.h"
#include "store/index_store.h"
#include "util/hash.h"

namespace pampax {
namespace {

using json = nlohmann::json;
using testing::BgProcess;
using testing::run_process;
using testing::TempDir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

// A repository of `files` JS files. File i's text depends on (i, v) only, where v = variant
// for a third of the files (i % 3 == variant % 3) and 0 for the rest, so successive variants
// change a third of the files. Extra words drawn from a seeded generator vary the chunks'
// lengths and term sets, so equal BM25 scores (ties) stay rare.
void write_repo(const fs::path& root, int files, int variant) {
  const char* words[] = {"order", "invoice", "cart", "payment", "session", "token", "cache", "queue"};
  const char* extra[] = {"alpha", "bravo", "delta", "gamma", "kappa", "lambda", "sigma", "omega",
                         "vector", "matrix", "buffer", "stream", "socket", "header", "packet",
                         "frame", "ledger", "refund", "coupon", "basket", "ticket", "parcel"};
  for (int i = 0; i < files; ++i) {
    int v = (i % 3 == variant % 3) ? variant : 0;
    std::mt19937 gen(static_cast<uint32_t>(i * 7919 + v * 104729 + 17));
    auto pick = [&](int n) {
      std::string s;
      int k = static_cast<int>(gen() % static_cast<uint32_t>(n));
      for (int j = 0; j < k; ++j) s += std::string(" ") + extra[gen() % 22];
      return s;
    };
    std::string a = words[i % 8], b = words[(i / 8) % 8], n = std::to_string(i);
    std::string body = "// file " + n + " variant " + std::to_string(v) + pick(6) + "\nconst LIMIT_" +
                       n + " = " + std::to_string(i * 3) + ";\n\n/** Computes" + pick(5) +
                       ". */\nfunction compute_" + a + "_" + b + "_" + n +
                       "(input) {\n  // " + pick(8) + "\n  return input.map(x => x * " +
                       std::to_string(v + 2) + ");\n}\n\nclass " + a + "Service" + n +
                       " {\n  constructor(store) { this.store = store; /*" + pick(4) +
                       " */ }\n  find" + b + "(id) { return this.store.get(id) || '" + a + pick(3) +
                       "'; }\n}\n";
    write_file(root / ("src/m" + std::to_string(i / 50) + "/f" + n + ".js"), body);
  }
  // Variant-specific extra and removed files exercise adds and deletes.
  fs::remove(root / ("src/extra" + std::to_string(variant - 1) + ".js"));
  write_file(root / ("src/extra" + std::to_string(variant) + ".js"),
             "function extra_" + std::to_string(variant) + "() { return 'cache token'; }\n");
}

// Every chunk as (path, lines, kind, symbol, text) plus symbol, ref and file rows, and the
// vector of every chunk: the index's content, independent of row ids.
std::multiset<std::string> snapshot(const std::string& db_path) {
  auto store = IndexStore::open(db_path, Db::Mode::kReadOnly);
  EXPECT_TRUE(store.ok()) << store.status().message();
  std::multiset<std::string> rows;
  if (!store.ok()) return rows;
  Db& db = (*store)->db();
  const char* queries[] = {
      "SELECT f.path || ':' || c.start_line || '-' || c.end_line || ' ' || c.kind || ' ' || "
      "c.name || ' ' || c.qualified_name || ' ' || c.start_byte || '-' || c.end_byte || ' ' || "
      "c.doc || ' ' || c.hash FROM chunks c JOIN files f ON f.id=c.file_id",
      "SELECT f.path || ' text ' || hex(t.data) FROM file_text t JOIN files f ON f.id=t.file_id",
      "SELECT f.path || ' sym ' || s.qualified_name || ' ' || s.start_line FROM symbols s "
      "JOIN files f ON f.id=s.file_id",
      "SELECT f.path || ' ref ' || r.symbol_name || ' ' || r.lines FROM refs r JOIN files f ON "
      "f.id=r.file_id",
      "SELECT f.path || ' file ' || f.content_hash FROM files f",
      "SELECT f.path || ':' || c.start_byte || ' vec ' || coalesce(e.model, '-') || ' ' || "
      "coalesce(hex(e.vec), 'missing') FROM chunks c JOIN files f ON f.id=c.file_id "
      "LEFT JOIN embeddings e ON e.hash=c.hash WHERE EXISTS (SELECT 1 FROM embeddings)",
      "SELECT 'meta ' || key || '=' || value FROM meta WHERE key IN "
      "('embed_config','embed_model','index_format','schema_version','chunk_count','hot_min_df')",
      "SELECT 'hot ' || term || ' ' || df FROM hot_terms",
  };
  for (const char* sql : queries) {
    Stmt q = db.must_prepare(sql);
    while (q.step()) rows.insert(std::string(q.col_text(0)));
    EXPECT_TRUE(q.last_status().ok()) << q.last_status().message();
  }
  return rows;
}

// Search results as one line per hit: everything but the row id, the snippet and the arms'
// ranks. Chunks with equal scores come in row order, which differs between two indexes of the
// same tree, so within a run of equal scores the lines are sorted; when the limit cuts through
// such a run, only the hits strictly above the cut are compared.
std::vector<std::string> search_lines(const fs::path& root, const std::string& query,
                                      const std::string& mode) {
  auto r = run_process({PAMPAX_BINARY, "search", query, "-p", root.string(), "-o", "json", "-n",
                        "200", "--explain", "-m", mode});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out;
  json j;
  try {
    j = json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "search output is not JSON: " << e.what() << "\n" << r.err;
    return out;
  }
  json& hits = j["results"];
  if (hits.size() == 200) {
    double cut = hits.back()["score"];
    while (!hits.empty() && hits.back()["score"].get<double>() == cut) hits.erase(hits.size() - 1);
  }
  out.push_back("mode " + j["mode"].dump() + " warnings " + j["warnings"].dump());
  size_t run_start = out.size();
  double run_score = 0;
  for (json& h : hits) {
    double score = h["score"];
    if (out.size() > run_start && score != run_score) {
      std::sort(out.begin() + static_cast<std::ptrdiff_t>(run_start), out.end());
      run_start = out.size();
    }
    run_score = score;
    h.erase("id");
    h.erase("snippet");
    for (const char* arm : {"lexical", "vector"})
      if (h["evidence"][arm].is_object()) h["evidence"][arm].erase("rank");
    out.push_back(h.dump());
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(run_start), out.end());
  return out;
}

void expect_same_results(const fs::path& a, const fs::path& b, const std::string& q,
                         const std::string& mode) {
  auto ra = search_lines(a, q, mode), rb = search_lines(b, q, mode);
  EXPECT_EQ(ra.size(), rb.size()) << q;
  for (size_t i = 0; i < std::min(ra.size(), rb.size()); ++i) {
    if (ra[i] != rb[i]) {
      ADD_FAILURE() << "query '" << q << "' (" << mode << ") differs at line " << i << ":\n  updated: " << ra[i]
                    << "\n  clean:   " << rb[i];
      return;
    }
  }
}

enum class Aim { kAnywhere, kAfterParsing, kEmbedding };

struct Scenario {
  std::string name;
  int files = 0;
  std::vector<std::string> embed_flags;  // added to `pampax index`
  std::vector<std::string> update_flags; // added to `pampax update`
  std::vector<std::string> queries;
  // Compared per arm: hybrid fusion by reciprocal rank turns equal lexical scores, whose order
  // is row order, into different fused scores, even between two clean indexes of one tree.
  std::vector<std::string> modes = {"bm25"};
  Aim second_aim = Aim::kAnywhere;       // odd trials aim here
  std::string threads = "2";             // -j of every pampax run
  int default_trials = 0;
};

// Where the child was when it was killed, judged from its progress output.
std::string phase_of(BgProcess& p, bool exited_before) {
  if (exited_before) return "completed";
  std::string err = p.err();
  if (err.find("embedding [") != std::string::npos) return "embedding";
  if (err.find("took") != std::string::npos) return "after-parsing";  // hot terms, meta
  if (err.find("indexing [") != std::string::npos) return "parsing";
  return "start";  // scan, diff, deletions, schema
}

std::vector<std::string> index_cmd(const fs::path& root, const Scenario& s,
                                   const char* verb = "index") {
  std::vector<std::string> argv = {PAMPAX_BINARY, verb, root.string(), "-j", s.threads};
  const auto& extra = std::string(verb) == "index" ? s.embed_flags : s.update_flags;
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// Runs trials of scenario `s`; `part` selects the seed, so that the trials are split into
// several tests (each has its own time limit and ctest runs them in parallel).
void run_scenario(const Scenario& s, int part) {
  const char* env = std::getenv("PAMPAX_CRASH_TRIALS");
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer build runs the same trials on a 2-3x slower binary: fewer of them (the
  // release build runs all 50).
  const int default_trials = std::max(2, s.default_trials / 4);
#else
  const int default_trials = s.default_trials;
#endif
  const int trials = env ? std::max(1, std::atoi(env)) : default_trials;
  const char* seed_env = std::getenv("PAMPAX_CRASH_SEED");
  const uint32_t seed =
      (seed_env ? static_cast<uint32_t>(std::atoll(seed_env)) : 12345u) + static_cast<uint32_t>(part) * 1000u;
  TempDir work;
  const fs::path root = work / "repo", clean = work / "clean";
  const fs::path out = work / "child.out", err = work / "child.err";
  auto t_start = Clock::now();

  // How long one full run and its phases take here: kills are spread over those windows.
  write_repo(root, s.files, 0);
  auto t0 = Clock::now();
  std::vector<std::string> first = index_cmd(root, s);
  first.insert(first.end(), {"-o", "json", "--quiet"});
  auto r0 = run_process(first);
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  const double full_s = std::chrono::duration<double>(Clock::now() - t0).count();
  json rep = json::parse(r0.out);
  const double hot_s = rep["hot_terms_seconds"].get<double>();
  const double embed_s = rep.contains("embeddings") ? rep["embeddings"]["seconds"].get<double>() : 0;
  if (s.second_aim == Aim::kAfterParsing) {
    auto store = IndexStore::open((root / ".pampax/index.db").string(), Db::Mode::kReadOnly);
    ASSERT_TRUE(store.ok());
    Stmt q = (*store)->db().must_prepare("SELECT count(*) FROM hot_terms");
    ASSERT_TRUE(q.step());
    ASSERT_GT(q.col_int(0), 0) << "the repository has no hot terms";
  }
  fs::remove_all(root / ".pampax");

  std::mt19937 rng(seed);
  std::map<std::string, int> phases;
  for (int trial = 1; trial <= trials; ++trial) {
    Aim aim = trial % 2 ? s.second_aim : Aim::kAnywhere;
    write_repo(root, s.files, trial);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double u = unit(rng);
    SCOPED_TRACE(s.name + " trial " + std::to_string(trial) + " (seed " + std::to_string(seed) +
                 ", u " + std::to_string(u) + ")");
    // The killed run: `index` (with the scenario's embedder) on a first index or on changes;
    // --progress draws the bar that tells the phases apart.
    std::vector<std::string> argv = index_cmd(root, s);
    argv.push_back("--progress");
    BgProcess child(argv, out, err);
    auto until = [&](const char* marker) {
      testing::wait_until([&] { return !child.running() || child.err().find(marker) != std::string::npos; },
                          std::chrono::seconds(120));
    };
    double window = full_s * 1.1;
    if (aim == Aim::kAfterParsing) {
      until("took");
      window = std::max(hot_s * 1.2, 0.01);
    } else if (aim == Aim::kEmbedding) {
      until("embedding [");
      window = std::max(embed_s, 0.01);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(u * window * 1e6)));
    bool exited = !child.running();
    child.signal(SIGKILL);
    child.wait_exit(std::chrono::seconds(30));
    std::string phase = phase_of(child, exited);
    ++phases[phase];
    SCOPED_TRACE("killed in phase " + phase);

    // The killed index opens and is consistent.
    std::string db = (root / ".pampax/index.db").string();
    bool resumable = false;  // an index `update` accepts
    bool has_embedder = false;
    if (fs::exists(db)) {
      auto store = IndexStore::open(db, Db::Mode::kReadWrite);
      // Killed before the first schema commit: an empty database, reported as "no index yet".
      if (!store.ok() && store.status().code() == Code::kNotFound) {
        auto raw = Db::open(db, Db::Mode::kReadOnly);
        ASSERT_TRUE(raw.ok()) << raw.status().message();
        Stmt n = (*raw)->must_prepare("SELECT count(*) FROM sqlite_schema");
        ASSERT_TRUE(n.step());
        EXPECT_EQ(n.col_int(0), 0) << store.status().message();
      } else {
        ASSERT_TRUE(store.ok()) << store.status().message();
        auto check = (*store)->integrity_check();
        ASSERT_TRUE(check.ok()) << check.status().message();
        EXPECT_EQ(*check, "ok");
        resumable = true;
        has_embedder = (*store)->meta("embed_config").has_value();
      }
    }
    // The next update completes it. Without an index yet, or without the embedder recorded
    // (killed before the embedding pass began on a first index), the user runs the first
    // command again.
    bool use_update = resumable && (s.embed_flags.empty() || has_embedder);
    auto up = run_process(use_update ? index_cmd(root, s, "update") : index_cmd(root, s));
    ASSERT_EQ(up.exit_code, 0) << up.err;
    // Same content and results as a clean index of the same tree.
    fs::remove_all(clean);
    fs::copy(root, clean, fs::copy_options::recursive);
    fs::remove_all(clean / ".pampax");
    auto c = run_process(index_cmd(clean, s));
    ASSERT_EQ(c.exit_code, 0) << c.err;
    auto got = snapshot(db), want = snapshot((clean / ".pampax/index.db").string());
    if (got != want) {
      std::vector<std::string> only_got, only_want;
      std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(only_got));
      std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(only_want));
      ADD_FAILURE() << only_got.size() << " rows only in the updated index (first: "
                    << (only_got.empty() ? "" : only_got[0].substr(0, 300)) << "), "
                    << only_want.size() << " only in the clean one (first: "
                    << (only_want.empty() ? "" : only_want[0].substr(0, 300)) << ")";
    }
    for (const std::string& q : s.queries)
      for (const std::string& mode : s.modes) expect_same_results(root, clean, q, mode);
    if (::testing::Test::HasFatalFailure()) return;
    // Every third trial starts again from nothing, so kills also hit a first index.
    if (trial % 3 == 0) fs::remove_all(root / ".pampax");
  }
  double total = std::chrono::duration<double>(Clock::now() - t_start).count();
  std::string where;
  for (auto& [p, n] : phases) where += " " + p + "=" + std::to_string(n);
  std::fprintf(stderr, "crash %s: %d trials in %.1f s (full run %.2f s, hot terms %.3f s, embedding %.2f s); kills:%s\n",
               s.name.c_str(), trials, total, full_s, hot_s, embed_s, where.c_str());
  ::testing::Test::RecordProperty("kills", where);
  // The aimed kills reached their phase (a change of the progress output would silently stop
  // aiming them otherwise).
  if (trials >= 4) {
    if (s.second_aim == Aim::kAfterParsing) {
      EXPECT_GE(phases["after-parsing"], 1) << where;
    }
    if (s.second_aim == Aim::kEmbedding) {
      EXPECT_GE(phases["embedding"], 1) << where;
    }
  }
}

Scenario lexical() {
  Scenario s;
  s.name = "lexical";
  s.files = 1200;
  s.embed_flags = {"--embed", "none"};  // the builtin vectors are on by default
  s.queries = {"cache token", "find session", "return input map", "refund coupon ledger"};
  s.second_aim = Aim::kAfterParsing;
  s.default_trials = 10;
  return s;
}

Scenario embedding() {
  Scenario s;
  s.name = "embedding";
  s.files = 16;
  s.embed_flags = {"--embed", "gguf", "--model",
                   std::string(PAMPAX_SOURCE_DIR) + "/third_party/models/minilm-l6-random-f16.gguf",
                   "--embed-batch", "1"};
  s.update_flags = {"--embed-batch", "1"};
  s.modes = {"bm25", "vector"};
  // One thread: ggml's threads meet at a spinning barrier, which is very slow on a busy
  // machine, and the vectors do not depend on it.
  s.threads = "1";
  s.queries = {"cache token", "payment service"};
  s.second_aim = Aim::kEmbedding;
  s.default_trials = 10;
  return s;
}

// 3 x 10 lexical and 2 x 10 embedding trials: 50 in all, in five tests.
TEST(CrashSafety, KillIndexingAndHotTermRebuildPart1) { run_scenario(lexical(), 1); }
TEST(CrashSafety, KillIndexingAndHotTermRebuildPart2) { run_scenario(lexical(), 2); }
TEST(CrashSafety, KillIndexingAndHotTermRebuildPart3) { run_scenario(lexical(), 3); }
TEST(CrashSafety, KillEmbeddingPassPart1) { run_scenario(embedding(), 1); }
TEST(CrashSafety, KillEmbeddingPassPart2) { run_scenario(embedding(), 2); }

}  // namespace
}  // namespace pampax
