// Context assembly over real indexes: the budget property (hundreds of random queries and
// budgets, counted with the real tokenizers over the exact rendered text), selection
// (widening, enclosing class signatures, callee definitions, merging, dedupe, degradation) and
// the markdown / JSON shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "../embed/embed_test_util.h"
#include "../test_util.h"
#include "assemble/assembler.h"
#include "assemble/render.h"
#include "core/engine.h"

namespace pampax {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::TempDir;

std::unique_ptr<Engine> index_dir(const fs::path& root) {
  auto e = Engine::open(root, Engine::Mode::kWrite);
  EXPECT_TRUE(e.ok()) << e.status().message();
  if (!e.ok()) return nullptr;
  IndexOptions o;
  o.threads = 1;
  auto r = (*e)->index(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(e).value();
}

const Tokenizer& tokenizer(TokenizerKind k) {
  auto t = shared_tokenizer(k);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return **t;
}

// ---------------------------------------------------------------------------------------
// Budget property on a real repository: pampax's own sources plus the multi-language parse
// fixtures, indexed from a copy.

class AssembleBudget : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    fs::copy(fs::path(PAMPAX_SOURCE_DIR) / "src", dir_->path() / "src",
             fs::copy_options::recursive);
    fs::copy(fs::path(PAMPAX_SOURCE_DIR) / "tests" / "fixtures" / "parse",
             dir_->path() / "fixtures", fs::copy_options::recursive);
    engine_ = index_dir(dir_->path()).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete dir_;
  }
  static TempDir* dir_;
  static Engine* engine_;
};
TempDir* AssembleBudget::dir_ = nullptr;
Engine* AssembleBudget::engine_ = nullptr;

// The smallest reference any candidate of `query` could be rendered as (markdown, no header).
int64_t min_reference_tokens(Engine& e, const AssembleRequest& base) {
  AssembleRequest big = base;
  big.budget = 1000000;
  big.format = BundleFormat::kMarkdown;
  auto b = assemble(e, big);
  if (!b.ok()) return -1;
  const Tokenizer& tok = tokenizer(base.tokenizer);
  Bundle probe;
  probe.evidence = base.evidence;
  probe.chrome = 0;
  int64_t best = -1;
  for (BundleItem it : b->items) {
    it.detail = Detail::kReference;
    it.text.clear();
    it.tokens = 0;
    probe.items = {it};
    int64_t n = static_cast<int64_t>(tok.count(render_markdown(probe)));
    if (best < 0 || n < best) best = n;
  }
  return best;
}

TEST_F(AssembleBudget, NeverOverBudgetOverRandomQueriesAndBudgets) {
  ASSERT_NE(engine_, nullptr);
  // Queries: symbol names and words from the index, alone, paired, and as sentences.
  auto syms = engine_->store().find_symbols("e", NameMatch::kContains, "", {}, 400);
  ASSERT_TRUE(syms.ok());
  std::vector<std::string> names;
  for (const SymbolRow& s : *syms) names.push_back(s.name);
  ASSERT_GT(names.size(), 50u);
  const std::vector<std::string> words = {
      "parse", "token", "budget", "search", "index", "file", "error", "vector", "hash",
      "how are chunks stored", "read the config", "ring buffer", "walk the tree", "zstd",
      "render markdown", "symbol", "query", "class", "json", "```"};
  std::mt19937 rng(12345);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  const std::vector<int64_t> fixed_budgets = {1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 120, 200};
  const TokenizerKind kinds[] = {TokenizerKind::kCl100k, TokenizerKind::kO200k,
                                 TokenizerKind::kEstimate};
  int cases = 0, empty = 0, nonempty_small = 0, json_refused = 0;
  for (int i = 0; i < 320; ++i) {
    AssembleRequest req;
    switch (rng() % 4) {
      case 0: req.query = pick(names); break;
      case 1: req.query = pick(names) + " " + pick(words); break;
      case 2: req.query = pick(words); break;
      default: req.query = pick(words) + " " + pick(names) + " " + pick(words); break;
    }
    req.budget = rng() % 3 == 0 ? fixed_budgets[rng() % fixed_budgets.size()]
                                : static_cast<int64_t>(1 + rng() % (i % 5 == 0 ? 12000 : 1500));
    req.tokenizer = kinds[rng() % 3];
    req.format = rng() % 3 == 0 ? BundleFormat::kJson : BundleFormat::kMarkdown;
    req.evidence = rng() % 2 == 0;
    req.candidates = 10;
    req.callees = rng() % 4 != 0;
    SCOPED_TRACE("query '" + req.query + "' budget " + std::to_string(req.budget) + " " +
                 std::string(tokenizer_name(req.tokenizer)) +
                 (req.format == BundleFormat::kJson ? " json" : " markdown") +
                 (req.evidence ? " evidence" : ""));
    auto b = assemble(*engine_, req);
    if (!b.ok() && b.status().message().find("no searchable words") != std::string::npos) {
      EXPECT_EQ(b.status().code(), Code::kInvalidArgument);
      continue;  // e.g. "```": the search says so
    }
    if (!b.ok()) {
      // Only JSON may refuse, and only a budget below its fixed fields.
      ASSERT_EQ(req.format, BundleFormat::kJson) << b.status().message();
      ASSERT_EQ(b.status().code(), Code::kInvalidArgument) << b.status().message();
      EXPECT_NE(b.status().message().find("smallest JSON bundle"), std::string::npos);
      EXPECT_LT(req.budget, 400);
      ++json_refused;
      continue;
    }
    ++cases;
    const Tokenizer& tok = tokenizer(req.tokenizer);
    int64_t n = static_cast<int64_t>(tok.count(b->text));
    ASSERT_LE(n, req.budget) << b->text;
    ASSERT_EQ(n, b->tokens) << "the bundle reports its own size";
    ASSERT_EQ(b->text, render_bundle(*b)) << "text is the rendering of the bundle";
    if (req.format == BundleFormat::kJson) {
      json j = json::parse(b->text);
      EXPECT_EQ(j["tokens"].get<int64_t>(), n);
    }
    if (b->items.empty()) {
      ++empty;
      int64_t min_ref = min_reference_tokens(*engine_, req);
      if (req.format == BundleFormat::kMarkdown) {
        EXPECT_TRUE(min_ref < 0 || min_ref > req.budget)
            << "a reference of " << min_ref << " tokens would have fitted";
      }
    } else if (req.budget <= 50) {
      ++nonempty_small;
    }
  }
  EXPECT_GT(cases, 250);
  EXPECT_GT(empty, 0) << "tiny budgets were exercised";
  EXPECT_GT(nonempty_small, 0) << "small budgets still carry references";
  std::printf("budget property: %d bundles (%d empty, %d non-empty at <= 50 tokens), %d JSON "
              "refusals\n", cases, empty, nonempty_small, json_refused);
}

TEST_F(AssembleBudget, SmallerBudgetsNeverGrowTheBundle) {
  AssembleRequest req;
  req.query = "tokenizer byte pair merge ranks";
  req.candidates = 16;
  int64_t prev_tokens = 1 << 30;
  size_t full_items_8000 = 0;
  for (int64_t budget : {8000, 2000, 600, 150, 40}) {
    req.budget = budget;
    auto x = assemble(*engine_, req);
    ASSERT_TRUE(x.ok()) << x.status().message();
    EXPECT_LE(x->tokens, budget);
    EXPECT_LE(x->tokens, prev_tokens);
    EXPECT_FALSE(x->items.empty()) << budget;
    prev_tokens = x->tokens;
    size_t full = 0;
    for (const BundleItem& it : x->items) full += it.detail == Detail::kFull;
    if (budget == 8000) full_items_8000 = full;
  }
  EXPECT_GE(full_items_8000, 3u);
}

// ---------------------------------------------------------------------------------------
// Selection on a small hand-made repository.

std::string long_method(const std::string& name, const std::string& verb) {
  std::string s = "    def " + name + "(self, items):\n        \"\"\"" + verb +
                  " every item of the batch.\"\"\"\n        total = 0\n";
  for (int i = 0; i < 28; ++i)
    s += "        total += items[" + std::to_string(i) + "] * " + std::to_string(i + 3) +
         "  # step " + std::to_string(i) + " of " + verb + "\n";
  return s + "        return total\n\n";
}

class AssembleSelection : public ::testing::Test {
 protected:
  void SetUp() override {
    // A class big enough to be split into per-method chunks.
    dir_.write("pkg/ledger.py", "import math\n\n\nclass LedgerBook:\n    \"\"\"Double-entry book.\"\"\"\n\n" +
                                    long_method("reconcile_accounts", "reconcile") +
                                    long_method("summarize_entries", "summarize") +
                                    long_method("archive_entries", "archive"));
    dir_.write("pkg/pipeline.py",
               "from pkg.util import scrub_label\n\n\n"
               "def run_widget_pipeline(widgets):\n"
               "    \"\"\"Runs the widget pipeline.\"\"\"\n"
               "    cleaned = [scrub_label(w) for w in widgets]\n"
               "    return cleaned\n");
    dir_.write("pkg/gizmo.py",
               "import os\n\n\n"
               "def first_adjacent_gizmo(x):\n"
               "    return x + 1\n"
               "def second_adjacent_gizmo(x):\n"
               "    return x + 2\n");
    dir_.write("pkg/util.py",
               "def scrub_label(w):\n"
               "    \"\"\"Trims and lowercases a name.\"\"\"\n"
               "    return w.strip().lower()\n\n\n"
               "def unrelated_helper():\n    return 42\n");
    dir_.write("docs/fences.md",
               "# Fences\n\nExample with a fence inside:\n\n```python\nprint('quux_fence_marker')\n```\n\n"
               "And a longer one: ```` quux_fence_marker ````\n");
    engine_ = index_dir(dir_.path());
    ASSERT_NE(engine_, nullptr);
  }

  Bundle run(const std::string& q, int64_t budget, BundleFormat f = BundleFormat::kJson,
             bool callees = true, int candidates = 0, bool evidence = true) {
    AssembleRequest req;
    req.candidates = candidates;
    req.query = q;
    req.budget = budget;
    req.format = f;
    req.callees = callees;
    req.evidence = evidence;
    auto b = assemble(*engine_, req);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? std::move(b).value() : Bundle{};
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

const BundleItem* find_item(const Bundle& b, const std::string& symbol) {
  for (const BundleItem& it : b.items)
    if (it.symbol == symbol) return &it;
  return nullptr;
}

TEST_F(AssembleSelection, EnclosingClassSignatureForAMethodHit) {
  Bundle b = run("summarize_entries", 4000, BundleFormat::kJson, true, 1);
  const BundleItem* m = find_item(b, "LedgerBook.summarize_entries");
  ASSERT_NE(m, nullptr) << b.text;
  EXPECT_EQ(m->detail, Detail::kFull);
  EXPECT_EQ(m->evidence.reason, "hit");
  EXPECT_EQ(m->evidence.search_rank, 1);
  EXPECT_TRUE(m->evidence.symbol_match);
  const BundleItem* cls = nullptr;
  for (const BundleItem& it : b.items)
    if (it.symbol == "LedgerBook" && it.evidence.reason == "enclosing") cls = &it;
  ASSERT_NE(cls, nullptr) << b.text;
  EXPECT_EQ(cls->detail, Detail::kSignature);
  EXPECT_EQ(cls->evidence.reason, "enclosing");
  EXPECT_NE(cls->text.find("class LedgerBook"), std::string::npos) << cls->text;
  EXPECT_NE(std::find(cls->evidence.relations.begin(), cls->evidence.relations.end(),
                      "encloses LedgerBook.summarize_entries"),
            cls->evidence.relations.end());
  // The class header comes before the method in the same file's items.
  EXPECT_LT(cls - &b.items[0], m - &b.items[0]);
}

TEST_F(AssembleSelection, CalleeDefinitionsWhenTheBudgetAllows) {
  Bundle b = run("run_widget_pipeline", 4000);
  const BundleItem* callee = find_item(b, "scrub_label");
  ASSERT_NE(callee, nullptr) << b.text;
  EXPECT_EQ(callee->path, "pkg/util.py");
  EXPECT_NE(std::find(callee->evidence.relations.begin(), callee->evidence.relations.end(),
                      "called by run_widget_pipeline"),
            callee->evidence.relations.end());
  // Without callees it is not there (no hit of its own for this query).
  Bundle without = run("run_widget_pipeline", 4000, BundleFormat::kJson, false);
  EXPECT_EQ(find_item(without, "scrub_label"), nullptr) << without.text;
  // Unrelated code of the same file is not pulled in.
  EXPECT_EQ(find_item(b, "unrelated_helper"), nullptr);
}

TEST_F(AssembleSelection, AdjacentRangesMergeAndNothingIsShownTwice) {
  Bundle b = run("adjacent gizmo", 4000);
  // first_adjacent_gizmo (lines 4-5) and second_adjacent_gizmo (6-7) touch: one item.
  int gizmo_items = 0;
  for (const BundleItem& it : b.items)
    if (it.path == "pkg/gizmo.py" && it.detail == Detail::kFull && it.start_line <= 6 &&
        it.end_line >= 5) {
      ++gizmo_items;
      EXPECT_LE(it.start_line, 4u);
      EXPECT_GE(it.end_line, 7u);
      EXPECT_NE(it.text.find("def first_adjacent_gizmo"), std::string::npos);
      EXPECT_NE(it.text.find("def second_adjacent_gizmo"), std::string::npos);
      bool merged = false;
      for (const std::string& r : it.evidence.relations) merged |= r.rfind("merged with", 0) == 0;
      EXPECT_TRUE(merged) << json::array({it.evidence.relations}).dump();
    }
  EXPECT_EQ(gizmo_items, 1) << b.text;
  // No line of a file is shown in full twice; no range appears twice.
  std::set<std::tuple<std::string, uint32_t, uint32_t>> seen;
  std::map<std::string, std::vector<std::pair<uint32_t, uint32_t>>> full;
  for (const BundleItem& it : b.items) {
    EXPECT_TRUE(seen.insert({it.path, it.start_line, it.end_line}).second) << it.path;
    if (it.detail == Detail::kFull) full[it.path].push_back({it.start_line, it.end_line});
  }
  for (auto& [path, ranges] : full) {
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
      EXPECT_GT(ranges[i].first, ranges[i - 1].second + 1) << path << ": overlapping or adjacent";
  }
}

TEST_F(AssembleSelection, DegradesFullThenSignatureThenReference) {
  // The method's detail as the budget shrinks: never more detail with less budget, and all
  // three levels are seen.
  std::vector<int> levels;  // by increasing budget; -1 = absent
  std::set<int> seen;
  for (int64_t budget = 10; budget <= 1000; budget += 10) {
    AssembleRequest req;
    req.query = "reconcile_accounts";
    req.budget = budget;
    req.callees = false;
    req.candidates = 1;
    auto b = assemble(*engine_, req);
    ASSERT_TRUE(b.ok());
    const BundleItem* m = find_item(*b, "LedgerBook.reconcile_accounts");
    int level = m ? static_cast<int>(m->detail) : -1;
    if (!levels.empty()) {
      EXPECT_GE(level, levels.back()) << "budget " << budget;
    }
    levels.push_back(level);
    seen.insert(level);
    if (m && m->detail == Detail::kSignature) {
      EXPECT_NE(m->text.find("def reconcile_accounts(self, items)"), std::string::npos);
      EXPECT_NE(m->text.find("reconcile every item"), std::string::npos) << "doc comment kept";
    }
  }
  EXPECT_TRUE(seen.count(0) && seen.count(1) && seen.count(2))
      << "saw " << seen.size() << " levels";
}

TEST_F(AssembleSelection, MarkdownShapeAndFencesSurviveBackticks) {
  Bundle b = run("quux_fence_marker", 3000, BundleFormat::kMarkdown);
  const std::string& md = b.text;
  EXPECT_EQ(md.rfind("# Context: quux_fence_marker\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("/3000 tokens (cl100k_base)"), std::string::npos);
  EXPECT_NE(md.find("\nContents:\n1. `docs/fences.md:"), std::string::npos) << md;
  EXPECT_NE(md.find("\n## docs/fences.md:"), std::string::npos);
  EXPECT_NE(md.find("\n> hit #1"), std::string::npos) << "evidence line";
  // The code holds runs of 3 and 4 backticks: the fence has 5, and the block is intact.
  size_t open = md.find("\n`````markdown\n");
  ASSERT_NE(open, std::string::npos) << md;
  size_t body = open + std::string("\n`````markdown\n").size();
  size_t close = md.find("\n`````\n", body);
  if (close == std::string::npos) close = md.find("\n`````", body);
  ASSERT_NE(close, std::string::npos);
  std::string code = md.substr(body, close + 1 - body);
  EXPECT_EQ(code, testing::read_all(dir_ / "docs/fences.md").substr(0, code.size()));
  EXPECT_NE(code.find("```python"), std::string::npos);
  EXPECT_EQ(md.back(), '\n');
  EXPECT_NE(md.substr(md.size() - 2), "\n\n");
  // Language tags.
  Bundle py = run("run_widget_pipeline", 3000, BundleFormat::kMarkdown);
  EXPECT_NE(py.text.find("```python\n"), std::string::npos) << py.text;
}

TEST_F(AssembleSelection, JsonShape) {
  Bundle b = run("run_widget_pipeline", 3000);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(b.text);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"query", "tokenizer", "budget", "tokens", "mode",
                                            "candidates", "items", "omitted", "warnings"}));
  EXPECT_EQ(j["query"], "run_widget_pipeline");
  EXPECT_EQ(j["tokenizer"], "cl100k_base");
  EXPECT_EQ(j["budget"], 3000);
  EXPECT_EQ(j["mode"], "bm25");
  ASSERT_GE(j["items"].size(), 2u);
  for (const auto& it : j["items"]) {
    for (const char* k : {"path", "start_line", "end_line", "symbol", "kind", "lang", "detail",
                          "tokens", "hash", "text", "evidence"})
      EXPECT_TRUE(it.contains(k)) << k;
    EXPECT_EQ(it["hash"].get<std::string>().size(), 16u);
    const auto& e = it["evidence"];
    for (const char* k : {"reason", "search_rank", "lexical", "semantic", "score",
                          "symbol_match", "matched_terms", "relations"})
      EXPECT_TRUE(e.contains(k)) << k;
    std::string d = it["detail"];
    EXPECT_TRUE(d == "full" || d == "signature" || d == "reference") << d;
    if (d == "reference") {
      EXPECT_EQ(it["text"], "");
    }
    EXPECT_EQ(it["tokens"].get<int64_t>(),
              static_cast<int64_t>(tokenizer(TokenizerKind::kCl100k).count(it["text"].get<std::string>())));
  }
  const auto& first = j["items"][0];
  EXPECT_EQ(first["symbol"], "run_widget_pipeline");
  EXPECT_EQ(first["evidence"]["search_rank"], 1);
  EXPECT_EQ(first["evidence"]["lexical"]["rank"], 1);
  EXPECT_TRUE(first["evidence"]["semantic"].is_null());
  EXPECT_NE(first["text"].get<std::string>().find("\ndef run_widget_pipeline(widgets):\n"),
            std::string::npos);
  EXPECT_TRUE(j["omitted"].contains("items") && j["omitted"].contains("full_tokens") &&
              j["omitted"].contains("degraded"));
}

TEST_F(AssembleSelection, TinyBudgets) {
  for (int64_t budget : {1, 3, 6}) {
    Bundle b = run("run_widget_pipeline", budget, BundleFormat::kMarkdown, true, 0, false);
    EXPECT_EQ(b.text, "") << budget;
    EXPECT_TRUE(b.items.empty());
  }
  Bundle r = run("run_widget_pipeline", 20, BundleFormat::kMarkdown, true, 0, false);
  ASSERT_EQ(r.items.size(), 1u) << r.text;
  EXPECT_EQ(r.items[0].detail, Detail::kReference);
  EXPECT_EQ(r.chrome, 0);
  AssembleRequest req;
  req.query = "run_widget_pipeline";
  req.budget = 10;
  req.format = BundleFormat::kJson;
  auto j = assemble(*engine_, req);
  EXPECT_EQ(j.status().code(), Code::kInvalidArgument);
  req.budget = 0;
  EXPECT_EQ(assemble(*engine_, req).status().code(), Code::kInvalidArgument);
  req.budget = 100;
  req.query = "  ";
  EXPECT_EQ(assemble(*engine_, req).status().code(), Code::kInvalidArgument);
}

TEST_F(AssembleSelection, ScopeLimitsHitsAndCallees) {
  AssembleRequest req;
  req.query = "run_widget_pipeline scrub_label";
  req.budget = 4000;
  req.format = BundleFormat::kJson;
  req.scope.path_globs = {"pkg/pipeline*"};
  auto b = assemble(*engine_, req);
  ASSERT_TRUE(b.ok());
  ASSERT_FALSE(b->items.empty());
  for (const BundleItem& it : b->items) EXPECT_EQ(it.path, "pkg/pipeline.py");
  req.scope.path_globs = {"pkg/pipeline*", "pkg/util*"};  // two globs: filtered on results
  b = assemble(*engine_, req);
  ASSERT_TRUE(b.ok());
  std::set<std::string> paths;
  for (const BundleItem& it : b->items) paths.insert(it.path);
  EXPECT_EQ(paths, (std::set<std::string>{"pkg/pipeline.py", "pkg/util.py"}));
}

TEST(AssembleHybrid, SemanticEvidenceWithEmbeddings) {
  std::string model = testing::test_gguf_path();
  ASSERT_TRUE(fs::exists(model)) << model << " is missing: run scripts/bootstrap";
  TempDir d;
  d.write("src/session.py",
          "class SessionStore:\n    \"\"\"Keeps user sessions.\"\"\"\n"
          "    def refresh_token(self, user_id):\n        return user_id * 2\n");
  d.write("src/other.py", "def compute_total(values):\n    return sum(values)\n");
  auto e = index_dir(d.path());
  ASSERT_NE(e, nullptr);
  EmbedOptions eo;
  eo.config.backend = "gguf";
  eo.config.model_path = model;
  eo.config.threads = 1;
  auto er = e->embed(eo);
  ASSERT_TRUE(er.ok()) << er.status().message();
  AssembleRequest req;
  req.query = "refresh the session token";
  req.budget = 2000;
  req.format = BundleFormat::kJson;
  auto b = assemble(*e, req);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->mode, SearchMode::kHybrid);
  bool semantic = false;
  for (const BundleItem& it : b->items) semantic |= it.evidence.vector.rank > 0;
  EXPECT_TRUE(semantic) << b->text;
  json j = json::parse(b->text);
  EXPECT_EQ(j["mode"], "hybrid");
}

}  // namespace
}  // namespace pampax
