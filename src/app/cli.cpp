#include "app/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cmd_bench.h"
#include "app/cmd_ops.h"
#include "app/cmd_mcp.h"
#include "app/cmd_assemble.h"
#include "app/cmd_watch.h"
#include "app/output.h"
#include "core/engine.h"
#include "core/query_cache.h"
#include "parse/language.h"
#include "views/json_views.h"

namespace pampax {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return dump_json(j); }

int fail(const Status& st) { return fail_status(st); }

struct Common {
  std::string path = ".";
  std::string output = "text";
  bool verbose = false;
};

void add_common(CLI::App* cmd, Common& c, bool path_positional) {
  if (path_positional)
    cmd->add_option("path", c.path, "Repository root (default: current directory)");
  cmd->add_option("--path,-p", c.path, "Repository root (default: current directory)");
  cmd->add_option("--output,-o", c.output, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_flag("--verbose,-v", c.verbose, "Show more detail (e.g. every skipped file)");
}

struct IndexArgs {
  bool force = false, progress = false, quiet = false, reembed = false, no_embed = false,
       expansions = false;
  uint64_t max_kib = 0;
  int threads = 0, embed_batch = 0;
  std::string embed, model, embed_url, embed_model, embed_api = "openai";
};

// Embedding settings from the flags; backend "none" when no --embed was given.
Result<EmbedConfig> embed_config_from(const IndexArgs& a) {
  EmbedConfig cfg;
  if (a.embed.empty()) {
    if (!a.model.empty() || !a.embed_url.empty())
      return InvalidArgument("--model and --embed-url need --embed gguf or --embed http");
    return cfg;
  }
  cfg.backend = a.embed;
  cfg.threads = a.threads;
  if (a.embed == "gguf") {
    if (a.model.empty()) return InvalidArgument("--embed gguf needs --model FILE.gguf");
    std::error_code ec;
    std::filesystem::path m = std::filesystem::absolute(a.model, ec);
    cfg.model_path = ec ? a.model : m.lexically_normal().string();
  } else if (a.embed == "http") {
    if (a.embed_url.empty()) return InvalidArgument("--embed http needs --embed-url URL");
    cfg.url = a.embed_url;
    cfg.model = a.embed_model;
    cfg.api = a.embed_api;
  }
  return cfg;
}

int cmd_index(const Common& c, bool update, const IndexArgs& a) {
  const bool force = a.force, progress_flag = a.progress, quiet = a.quiet;
  const uint64_t max_size_kib = a.max_kib;
  const int threads = a.threads;
  auto embed_cfg = embed_config_from(a);
  if (!embed_cfg.ok()) return fail(embed_cfg.status());
  Engine::Mode mode = Engine::Mode::kWrite;
  if (update) {
    // `update` on a tree without an index is a mistake worth naming.
    auto probe = Engine::open(c.path, Engine::Mode::kRead);
    if (!probe.ok()) return fail(probe.status());
  }
  auto engine = Engine::open(c.path, mode);
  if (!engine.ok()) return fail(engine.status());
  IndexOptions opt;
  opt.force = force;
  opt.threads = threads;
  opt.train_expansions = a.expansions;
  if (max_size_kib) opt.scan.max_file_size = max_size_kib * 1024;
  StderrProgressBar bar;
  bool show_progress = !quiet && (progress_flag || ::isatty(STDERR_FILENO));
  if (show_progress) opt.progress = &bar;
  auto r = (*engine)->index(opt);
  if (!r.ok()) return fail(r.status());
  const IndexReport& rep = *r;
  // Embeddings: with --embed, else the index's own choice, decided by the Engine for every
  // entry point (Engine::index_embedder: remembered, or builtin on a new index). `--embed
  // none` opts the index out, `--no-embed` skips the pass this time.
  std::optional<EmbedReport> emb;
  if (a.embed == "none" && !a.no_embed) {
    Status st = (*engine)->disable_embeddings();
    if (!st.ok()) return fail(st);
  } else if (!a.no_embed) {
    EmbedOptions eo;
    eo.config = *embed_cfg;
    eo.reembed = a.reembed;
    eo.batch = a.embed_batch;
    eo.threads = threads;
    if (show_progress) eo.progress = &bar;
    auto e = (*engine)->embed_after_index(eo);
    if (!e.ok()) return fail(e.status());
    emb = std::move(e).value();
    if (emb && !emb->previous_model.empty())
      std::fprintf(stderr, "pampax: the embedding model changed (%s -> %s|%d): all vectors were recomputed\n",
                   emb->previous_model.c_str(), emb->model_id.c_str(), emb->dim);
  }
  double secs = std::max(rep.seconds, 1e-9);
  if (c.output == "json") {
    json j = {{"root", (*engine)->root().string()},
              {"files_seen", rep.files_seen},
              {"files_indexed", rep.files_indexed},
              {"files_unchanged", rep.files_unchanged},
              {"files_touched", rep.files_touched},
              {"files_deleted", rep.files_deleted},
              {"fallback_files", rep.fallback_files},
              {"chunks", rep.chunks},
              {"symbols", rep.symbols},
              {"refs", rep.refs},
              {"bytes", rep.bytes},
              {"lines", rep.lines},
              {"seconds", rep.seconds},
              {"hot_terms_seconds", rep.hot_terms_seconds},
              {"files_per_second", static_cast<double>(rep.files_indexed) / secs},
              {"mb_per_second", static_cast<double>(rep.bytes) / 1e6 / secs},
              {"lines_per_second", static_cast<double>(rep.lines) / secs}};
    json skipped = json::array();
    for (const SkipNote& s : rep.skipped)
      skipped.push_back({{"path", s.path}, {"reason", s.reason}, {"detail", s.detail}});
    j["skipped"] = skipped;
    j["warnings"] = rep.warnings;
    j["parser_upgrade"] = rep.parser_upgrade;
    if (emb)
      j["embeddings"] = {{"model", emb->model_id}, {"backend", emb->backend}, {"dim", emb->dim},
                         {"chunks", emb->chunks}, {"reused", emb->reused},
                         {"embedded", emb->embedded}, {"seconds", emb->seconds},
                         {"previous_model", emb->previous_model}};
    std::cout << dump(j) << "\n";
    return 0;
  }
  std::printf(
      "indexed %llu files (%llu unchanged, %llu deleted): %llu chunks, %llu symbols in %.2f s\n"
      "  %.0f files/s, %.1f MB/s, %.0f lines/s\n",
      static_cast<unsigned long long>(rep.files_indexed),
      static_cast<unsigned long long>(rep.files_unchanged + rep.files_touched),
      static_cast<unsigned long long>(rep.files_deleted),
      static_cast<unsigned long long>(rep.chunks), static_cast<unsigned long long>(rep.symbols),
      rep.seconds, static_cast<double>(rep.files_indexed) / secs,
      static_cast<double>(rep.bytes) / 1e6 / secs, static_cast<double>(rep.lines) / secs);
  if (!rep.skipped.empty()) {
    std::map<std::string, int> by_reason;
    for (const SkipNote& s : rep.skipped) ++by_reason[s.reason];
    std::string parts;
    for (auto& [reason, n] : by_reason)
      parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + reason;
    std::printf("  skipped %zu files (%s)%s\n", rep.skipped.size(), parts.c_str(),
                c.verbose ? ":" : "; --verbose lists them");
    if (c.verbose)
      for (const SkipNote& s : rep.skipped)
        std::printf("    %s: %s (%s)\n", s.path.c_str(), s.reason.c_str(), s.detail.c_str());
  }
  if (emb)
    std::printf("  embeddings (%s, %d-d): %lld new, %lld reused of %lld chunks in %.2f s\n",
                emb->model_id.c_str(), emb->dim, static_cast<long long>(emb->embedded),
                static_cast<long long>(emb->reused), static_cast<long long>(emb->chunks), emb->seconds);
  if (rep.parser_upgrade)
    std::fprintf(stderr, "pampax: note: this index was made by an older parser; every file was parsed again\n");
  if (rep.fallback_files)
    std::printf("  %llu files had syntax the grammar could not parse; indexed as plain text\n",
                static_cast<unsigned long long>(rep.fallback_files));
  if (c.verbose)
    for (const std::string& w : rep.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  return 0;
}

int cmd_info(const Common& c) {
  auto engine = Engine::open(c.path, Engine::Mode::kRead);
  if (!engine.ok()) return fail(engine.status());
  auto r = (*engine)->info();
  if (!r.ok()) return fail(r.status());
  const IndexInfo& i = *r;
  if (c.output == "json") {
    json j = views::info_json(i);
    std::cout << dump(j) << "\n";
    return 0;
  }
  std::printf("root:        %s\nindex:       %s (%s; source %s, %llu lines)\n", i.root.c_str(),
              i.db_path.c_str(), human_bytes(static_cast<double>(i.db_bytes)).c_str(),
              human_bytes(static_cast<double>(i.source_bytes)).c_str(),
              static_cast<unsigned long long>(i.source_lines));
  std::printf("files:       %lld\nchunks:      %lld\nsymbols:     %lld\nlast update: %s\n",
              static_cast<long long>(i.counts.files), static_cast<long long>(i.counts.chunks),
              static_cast<long long>(i.counts.symbols),
              i.last_update.empty() ? "never completed" : i.last_update.c_str());
  std::printf("languages:  ");
  for (auto& [l, n] : i.counts.languages) std::printf(" %s %lld", l.c_str(), static_cast<long long>(n));
  std::printf("\n");
  if (!i.embedder.empty() || !i.embed_model.empty())
    std::printf("embeddings:  %s: %lld of %lld chunks (%s, %d-d)\n",
                i.embedder.empty() ? "off" : i.embedder.c_str(),
                static_cast<long long>(i.embedded_chunks), static_cast<long long>(i.counts.chunks),
                i.embed_model.c_str(), i.embed_dim);
  else
    std::printf("embeddings:  none (lexical search; add them with pampax index --embed gguf --model FILE)\n");
  return 0;
}

struct SearchArgs {
  std::string query, query_file, lang, glob, kind, mode = "hybrid", group_by = "symbol", fusion;
  int limit = 10;
  bool explain = false, no_boosts = false, expand = false, no_cache = false, literal = false;
  std::string rerank, rerank_model, rerank_url, rerank_api = "cohere";
  int rerank_top = 50;
  std::string pack;                            // context pack (app/cmd_assemble.h)
  bool no_pack = false, mode_given = false;
  double vector_weight = -1;
};

// Rerank settings from the flags; backend "none" when no --rerank was given.
Result<RerankConfig> rerank_config_from(const SearchArgs& a) {
  RerankConfig cfg;
  if (a.rerank.empty() || a.rerank == "none") {
    if (!a.rerank_model.empty() || !a.rerank_url.empty())
      return InvalidArgument("--rerank-model and --rerank-url need --rerank gguf or --rerank http");
    return cfg;
  }
  cfg.backend = a.rerank;
  if (a.rerank == "gguf") {
    if (a.rerank_model.empty()) return InvalidArgument("--rerank gguf needs --rerank-model FILE.gguf");
    cfg.model_path = a.rerank_model;
  } else {
    if (a.rerank_url.empty()) return InvalidArgument("--rerank http needs --rerank-url URL");
    cfg.url = a.rerank_url;
    cfg.model = a.rerank_model;
    cfg.api = a.rerank_api;
  }
  return cfg;
}

int cmd_search(const Common& c, SearchArgs a) {
  std::string& query = a.query;
  const std::string& query_file = a.query_file;
  const std::string& lang = a.lang;
  if (!query_file.empty()) {
    std::stringstream ss;
    if (query_file == "-") {
      ss << std::cin.rdbuf();
    } else {
      std::ifstream in(query_file, std::ios::binary);
      if (!in) return fail(NotFound("cannot read query file " + query_file));
      ss << in.rdbuf();
    }
    query = ss.str();
  } else if (query == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    query = ss.str();
  }
  if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
    std::fprintf(stderr,
                 "pampax: error: empty query. Pass it as an argument, with --query, or with "
                 "--query-file FILE (- for stdin).\n");
    return 2;
  }
  SearchRequest req;
  req.query = query;
  req.limit = a.limit;
  if (!parse_search_mode(a.mode, &req.mode)) {
    std::fprintf(stderr, "pampax: error: unknown --mode '%s' (hybrid, bm25, vector, symbol)\n",
                 a.mode.c_str());
    return 2;
  }
  req.boosts = !a.no_boosts;
  req.expand = a.expand;
  req.rewrite = !a.literal;
  req.fusion = a.fusion;
  req.vector_weight = a.vector_weight;
  if (!parse_group_by(a.group_by, &req.group_by)) {
    std::fprintf(stderr, "pampax: error: unknown --group-by '%s' (symbol, none, file)\n", a.group_by.c_str());
    return 2;
  }
  if (!lang.empty()) {
    Lang l = lang_from_name(lang);
    if (l == Lang::kCount) {
      std::fprintf(stderr, "pampax: error: unknown language '%s'\n", lang.c_str());
      return 2;
    }
    req.filters.lang = std::string(lang_name(l));
  }
  req.filters.path_glob = a.glob;
  req.filters.kind = a.kind;
  auto rerank = rerank_config_from(a);
  if (!rerank.ok()) {
    std::fprintf(stderr, "pampax: error: %s\n", rerank.status().message().c_str());
    return 2;
  }
  req.rerank = *rerank;
  req.rerank_top = a.rerank_top;
  auto engine = Engine::open(c.path, Engine::Mode::kRead);
  if (!engine.ok()) return fail(engine.status());
  if (a.no_cache) {
    QueryCacheOptions off = (*engine)->query_cache().options();
    off.enabled = false;
    (*engine)->query_cache().set_options(off);
  }
  // The context pack (--pack, or the active one) scopes the search; flags override it.
  ScopeFlags sf;
  if (!req.filters.lang.empty()) sf.langs = {req.filters.lang};
  if (!a.glob.empty()) sf.globs = {a.glob};
  if (!a.kind.empty()) sf.kinds = {a.kind};
  sf.pack = a.pack;
  sf.no_pack = a.no_pack;
  auto scope = resolve_scope((*engine)->root(), sf);
  if (!scope.ok()) return fail(scope.status());
  if (scope->pack && !a.mode_given && !scope->pack->mode.empty())
    parse_search_mode(scope->pack->mode, &req.mode);
  req.filters = {};
  auto resp = search_in_scope(**engine, req, scope->scope);
  if (!resp.ok()) return fail(resp.status());
  for (const std::string& w : resp->warnings) std::fprintf(stderr, "pampax: warning: %s\n", w.c_str());
  if (c.output != "json") {
    for (const SpellingCorrection& s : resp->corrections)
      std::fprintf(stderr, "pampax: note: '%s' is not in the index; searched '%s' (--literal: as typed)\n",
                   s.typed.c_str(), s.searched.c_str());
    for (const std::string& l : resp->languages)
      std::fprintf(stderr, "pampax: note: '%s' taken as a language hint, not a search word\n", l.c_str());
  }
  const std::vector<SearchHit>* r = &resp->hits;
  if (c.output == "json") {
    json results = json::array();
    for (const SearchHit& h : *r) {
      json item = views::search_hit_json(h, req.group_by, a.explain);
      results.push_back(std::move(item));
    }
    json j = {{"query", query.size() > 200 ? query.substr(0, 200) + "..." : query},
              {"mode", search_mode_name(resp->mode)},
              {"group_by", a.group_by},
              {"warnings", resp->warnings},
              {"results", results}};
    views::add_rewrite_json(j, *resp);
    std::cout << dump(j) << "\n";
    return 0;
  }
  if (r->empty()) {
    std::printf("no results\n");
    return 0;
  }
  int n = 0;
  for (const SearchHit& h : *r) {
    std::printf("%d. %s:%u-%u  %s%s%s  (%.3g)\n", ++n, h.path.c_str(), h.start_line, h.end_line,
                h.kind.c_str(), h.symbol.empty() ? "" : " ", h.symbol.c_str(), h.score);
    if (h.symbol_end_line)
      std::printf("     best of %d pieces of %s (lines %u-%u)\n", h.grouped, h.symbol.c_str(),
                  h.symbol_start_line, h.symbol_end_line);
    if (a.explain) {
      const Evidence& e = h.evidence;
      std::string why;
      if (e.lexical.rank) why += " lexical #" + std::to_string(e.lexical.rank);
      if (e.vector.rank) why += " vector #" + std::to_string(e.vector.rank);
      char buf[64];
      std::snprintf(buf, sizeof buf, " fused %.4g", e.fused);
      why += buf;
      for (const Boost& b : e.boosts) {
        std::snprintf(buf, sizeof buf, " x%.2f %s", b.factor, b.name.c_str());
        why += buf;
      }
      if (e.rerank.rank) {
        std::snprintf(buf, sizeof buf, " rerank %.4g (was #%d)", e.rerank.score, e.rerank.rank);
        why += buf;
      }
      if (!e.matched_terms.empty()) {
        why += " terms:";
        for (const std::string& t : e.matched_terms) why += " " + t;
      }
      std::printf("     why:%s\n", why.c_str());
    }
    std::istringstream lines(h.snippet);
    std::string line;
    while (std::getline(lines, line)) std::printf("     %s\n", line.c_str());
  }
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"pampax: local code search for people and AI agents.\n"
               "Index a repository once (`pampax index`), then search it (`pampax search QUERY`)."};
  app.set_version_flag("--version", std::string("pampax ") + PAMPAX_VERSION);
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::help);

  Common common;
  IndexArgs ia;
  auto add_index_opts = [&](CLI::App* cmd) {
    add_common(cmd, common, true);
    cmd->add_flag("--progress", ia.progress, "Show a progress bar even when stderr is not a terminal");
    cmd->add_flag("--quiet,-q", ia.quiet, "No progress bar");
    cmd->add_option("--max-file-kib", ia.max_kib, "Skip files larger than this (default 1024 KiB)");
    cmd->add_option("--threads,-j", ia.threads, "Parse threads, and the threads of the embedding pass (builtin, gguf compute) (default: all cores)");
    cmd->add_option("--embed", ia.embed,
                    "Embeddings for hybrid search: builtin (word vectors learned from the "
                    "repository itself at index time, no model needed), gguf (a local "
                    "model file, --model), http (an embedding server, --embed-url), or none "
                    "(turn them off). Default: builtin. Remembered by the index: later runs keep embeddings up "
                    "to date")
        ->check(CLI::IsMember({"builtin", "gguf", "http", "none"}));
    cmd->add_option("--model", ia.model, "gguf: the embedding model file (.gguf)");
    cmd->add_option("--embed-url", ia.embed_url,
                    "http: server base URL, e.g. http://127.0.0.1:8080 (OpenAI-compatible) or "
                    "http://127.0.0.1:11434 with --embed-api ollama; API key from $PAMPAX_EMBED_API_KEY");
    cmd->add_option("--embed-model", ia.embed_model, "http: model name to request");
    cmd->add_option("--embed-api", ia.embed_api, "http: openai or ollama")
        ->check(CLI::IsMember({"openai", "ollama"}))
        ->capture_default_str();
    cmd->add_option("--embed-batch", ia.embed_batch,
                    "Chunks per embedding call and per commit (smaller: finer resume points); 0: the "
                    "embedder's default (64, builtin 1024)")
        ->check(CLI::Range(0, 4096))
        ->capture_default_str();
    cmd->add_flag("--train-expansions", ia.expansions,
                  "Experimental: learn the query-expansion table used by `search --expand` "
                  "(with the hot-term lists, i.e. when many files changed; costs memory on "
                  "large trees)");
    cmd->add_flag("--reembed", ia.reembed, "Recompute every vector (normally only missing ones)");
    cmd->add_flag("--no-embed", ia.no_embed, "Skip the embedding pass this time (lexical index only)");
  };
  CLI::App* index = app.add_subcommand(
      "index", "Index a repository (incremental when an index exists; --force re-parses all)");
  add_index_opts(index);
  index->add_flag("--force", ia.force, "Re-parse every file even when unchanged");
  CLI::App* update = app.add_subcommand(
      "update", "Re-index only added, changed and deleted files of an existing index");
  add_index_opts(update);

  CLI::App* info = app.add_subcommand("info", "Show what the index holds");
  add_common(info, common, true);

  SearchArgs sa;
  CLI::App* search = app.add_subcommand("search", "Search the index (hybrid: lexical + vector when the index has embeddings)");
  search->add_option("query", sa.query, "What to look for: words, identifiers, or a whole bug "
                                        "report ('-' reads stdin)");
  search->add_option("--query,-q", sa.query, "Same as the positional query");
  search->add_option("--query-file", sa.query_file, "Read the query from FILE ('-' for stdin)");
  add_common(search, common, false);
  search->add_option("--limit,-n", sa.limit, "Number of results")->check(CLI::Range(1, 1000))
      ->capture_default_str();
  search->add_option("--mode,-m", sa.mode,
                     "hybrid (lexical + vector, fused), bm25 (lexical only), vector, or symbol "
                     "(identifier lookup in symbol names)")
      ->capture_default_str();
  search->add_option("--group-by", sa.group_by,
                     "symbol: the pieces of a symbol too long for one chunk are one result "
                     "(its best piece); none: every chunk is a result; file: one result per "
                     "file, scored by its best chunks (for \"which file\" questions)")
      ->capture_default_str();
  search->add_flag("--explain", sa.explain,
                   "Show why each result ranks where it does (arm ranks, boosts, matched terms)");
  search->add_flag("--no-boosts", sa.no_boosts,
                   "Rank by the arms' fused scores alone: no file-class priors, symbol or path "
                   "boosts (for comparisons)");
  search->add_flag("--literal", sa.literal,
                   "Search the words as typed. By default a question (up to 40 words) is "
                   "rewritten: a language it names (\"python ...\") ranks that language's code "
                   "first instead of matching the word, and a word the index does not contain "
                   "is replaced by the indexed word one typo away (both are reported: JSON "
                   "language_hint and corrections, or a note on stderr)");
  search->add_flag("--expand", sa.expand,
                   "Experimental: add code terms that the repository's doc comments associate "
                   "with the query's words (off by default: it did not help on CoSQA)");
  search->add_option("--rerank", sa.rerank,
                     "Rescore the best results with a cross-encoder reranker: gguf (a local "
                     "rerank model, --rerank-model FILE.gguf) or http (a rerank server, "
                     "--rerank-url); none (default) keeps the first-stage order")
      ->check(CLI::IsMember({"gguf", "http", "none"}));
  search->add_option("--rerank-model", sa.rerank_model,
                     "gguf: the reranker file (.gguf, rank pooling, e.g. a converted "
                     "ms-marco-MiniLM-L-6-v2 or bge-reranker); http: the model name to request");
  search->add_option("--rerank-url", sa.rerank_url,
                     "http: rerank server base URL, e.g. http://127.0.0.1:8080; API key from "
                     "$PAMPAX_RERANK_API_KEY, else $PAMPAX_EMBED_API_KEY");
  search->add_option("--rerank-api", sa.rerank_api,
                     "http: cohere (POST /v1/rerank {model, query, documents}; also Jina and "
                     "llama-server) or tei (POST /rerank {query, texts})")
      ->check(CLI::IsMember({"cohere", "jina", "tei"}))
      ->capture_default_str();
  search->add_option("--rerank-top", sa.rerank_top,
                     "How many of the best first-stage results (files with --group-by file) "
                     "the reranker rescores; results after them keep their order")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  search->add_option("--fusion", sa.fusion,
                     "How hybrid mode merges the lexical and vector arms: rrf (reciprocal rank, "
                     "k=60), weighted (scores over each arm's best) or minmax (scores scaled to "
                     "each arm's range). Default: minmax for the builtin vectors, rrf otherwise")
      ->check(CLI::IsMember({"rrf", "weighted", "minmax"}));
  search->add_option("--vector-weight", sa.vector_weight,
                     "Weight of the vector arm against the lexical arm's 1 in hybrid fusion "
                     "(default 1)")
      ->check(CLI::Range(0.0, 100.0));
  search->add_option("--lang", sa.lang, "Only this language (e.g. python, cpp, ts)");
  search->add_option("--path-glob", sa.glob, "Only paths matching this glob (e.g. 'src/*')");
  search->add_option("--kind", sa.kind, "Only this chunk kind (function, method, class, ...)");
  search->add_option("--pack", sa.pack,
                     "Use this context pack (.pampax/packs/NAME.toml) instead of the active one");
  search->add_flag("--no-pack", sa.no_pack, "Ignore the active context pack");
  search->add_flag("--no-cache", sa.no_cache,
                   "Compute the answer even when the query cache holds it (and do not store it)");

  // Operations: db, cache, metrics, report, health (app/cmd_ops.cpp).
  OpsCommands ops(app);

  // ---- MCP (stdio) and HTTP server: src/app/cmd_mcp.cpp ----
  McpArgs ma;
  auto add_server_opts = [&](CLI::App* cmd) {
    cmd->add_option("--path,-p", ma.path, "Repository root to serve (default: current directory)");
    cmd->add_option("--max-tokens", ma.max_tokens,
                    "Default cap on each tool result, in tokens (estimated); a call may pass "
                    "its own max_tokens")
        ->check(CLI::Range(200, 200000))
        ->capture_default_str();
  };
  CLI::App* mcp_cmd = app.add_subcommand(
      "mcp", "Serve the index to an AI agent over MCP (JSON-RPC on stdin/stdout; logs on stderr)");
  add_server_opts(mcp_cmd);
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "HTTP server: web page at /, JSON API under /api/, Prometheus /metrics, MCP "
               "over Streamable HTTP at /mcp (loopback only by default; PAMPAX_TOKEN in the "
               "environment makes every API, metrics and MCP request need 'Authorization: "
               "Bearer <token>', and is required to listen on another address)");
  add_server_opts(serve_cmd);
  serve_cmd->add_option("--host", ma.host,
                        "Address to listen on (default 127.0.0.1; another address exposes the "
                        "index to the network and is refused unless PAMPAX_TOKEN is set)")
      ->capture_default_str();
  serve_cmd->add_option("--port", ma.port, "TCP port (0: any free port, printed on stderr)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve_cmd->add_option("--allow-origin", ma.allow_origins,
                        "Also accept browser requests from this Origin (e.g. "
                        "https://tool.example); loopback origins are always accepted");

  // Assembly and context packs (app/cmd_assemble.cpp).
  auto assemble_cmds = add_assemble_commands(app);

  WatchArgs wa;
  CLI::App* watch = add_watch_command(app, wa);

  // Benchmark suite (app/cmd_bench.cpp).
  BenchArgs ba;
  CLI::App* bench_cmd = add_bench_command(app, ba);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*index) return cmd_index(common, false, ia);
    if (*update) {
      ia.force = false;
      return cmd_index(common, true, ia);
    }
    if (*info) return cmd_info(common);
    if (*search) {
      sa.mode_given = search->count("--mode") > 0;
      return cmd_search(common, sa);
    }
    if (auto rc = run_assemble_commands(*assemble_cmds)) return *rc;
    if (int rc = ops.run(); rc >= 0) return rc;
    if (*mcp_cmd) return run_mcp_stdio(ma);
    if (*serve_cmd) return run_http_serve(ma);
    if (*watch) return cmd_watch(wa);
    if (*bench_cmd) return cmd_bench(ba);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pampax: internal error: %s\n", e.what());
    return 1;
  }
  return 2;
}

}  // namespace pampax
