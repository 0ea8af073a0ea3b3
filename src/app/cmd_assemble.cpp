#include "app/cmd_assemble.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "assemble/assembler.h"
#include "core/engine.h"

namespace fs = std::filesystem;

namespace pampax {

namespace {

using ojson = nlohmann::ordered_json;

// Exit codes as everywhere in the CLI: 1 for failures, 2 for bad usage.
int fail(const Status& st, int code = 1) {
  std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
  return code;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

Result<ResolvedScope> resolve_scope(const fs::path& root, const ScopeFlags& flags) {
  ResolvedScope out;
  if (!flags.pack.empty()) {
    auto p = load_pack(root, flags.pack);
    if (!p.ok()) return p.status();
    out.pack = std::move(p).value();
  } else if (!flags.no_pack) {
    auto p = active_pack(root);
    if (!p.ok()) return p.status();
    out.pack = std::move(p).value();
  }
  if (out.pack) out.scope = out.pack->scope;
  if (!flags.langs.empty()) out.scope.langs = flags.langs;
  if (!flags.globs.empty()) out.scope.path_globs = flags.globs;
  if (!flags.kinds.empty()) out.scope.kinds = flags.kinds;
  Status st = normalise_scope(&out.scope);
  if (!st.ok()) return st;
  return out;
}

struct AssembleCommands {
  CLI::App* assemble = nullptr;
  CLI::App* context = nullptr;
  CLI::App *list = nullptr, *show = nullptr, *use = nullptr, *clear = nullptr;
  // assemble
  std::string query, query_file, path = ".", output = "markdown", tokenizer, mode;
  int64_t budget = 0;
  int candidates = 0;
  bool markdown = false, evidence = false, no_callees = false, stats = false;
  ScopeFlags scope;
  // context
  std::string ctx_path = ".", ctx_output = "text", pack_name;
};

namespace {

void add_scope_flags(CLI::App* cmd, ScopeFlags& f) {
  cmd->add_option("--lang", f.langs,
                  "Only these languages (repeatable, e.g. --lang python --lang cpp); replaces "
                  "the pack's languages");
  cmd->add_option("--path-glob", f.globs,
                  "Only paths matching these globs (repeatable; '*' crosses '/', e.g. "
                  "'src/*'); replaces the pack's paths");
  cmd->add_option("--kind", f.kinds,
                  "Only these chunk kinds (repeatable: function, method, class, ...); replaces "
                  "the pack's kinds");
  cmd->add_option("--pack", f.pack,
                  "Use this context pack (.pampax/packs/NAME.toml) for this call instead of "
                  "the active one");
  cmd->add_flag("--no-pack", f.no_pack, "Ignore the active context pack");
}

Result<std::string> read_query(const std::string& query, const std::string& file) {
  std::stringstream ss;
  if (!file.empty()) {
    if (file == "-") {
      ss << std::cin.rdbuf();
    } else {
      std::ifstream in(file, std::ios::binary);
      if (!in) return NotFound("cannot read query file " + file);
      ss << in.rdbuf();
    }
    return ss.str();
  }
  if (query == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  return query;
}

int cmd_assemble(AssembleCommands& c) {
  auto query = read_query(c.query, c.query_file);
  if (!query.ok()) return fail(query.status());
  if (query->find_first_not_of(" \t\r\n") == std::string::npos) {
    std::fprintf(stderr,
                 "pampax: error: empty query. Pass it as an argument, with --query, or with "
                 "--query-file FILE (- for stdin).\n");
    return 2;
  }
  Scope flags{c.scope.globs, c.scope.langs, c.scope.kinds};
  Status valid = normalise_scope(&flags);
  if (!valid.ok()) return fail(valid, 2);
  auto engine = Engine::open(c.path, Engine::Mode::kRead);
  if (!engine.ok()) return fail(engine.status());
  auto rs = resolve_scope((*engine)->root(), c.scope);
  if (!rs.ok()) return fail(rs.status());
  AssembleRequest req;
  req.query = *query;
  req.scope = rs->scope;
  req.evidence = c.evidence;
  req.callees = !c.no_callees;
  req.candidates = c.candidates;
  req.format = c.output == "json" && !c.markdown ? BundleFormat::kJson : BundleFormat::kMarkdown;
  const Pack* pack = rs->pack ? &*rs->pack : nullptr;
  req.budget = c.budget > 0 ? c.budget : (pack && pack->budget ? pack->budget : 8000);
  std::string tok = !c.tokenizer.empty() ? c.tokenizer
                    : (pack && !pack->tokenizer.empty() ? pack->tokenizer : "cl100k");
  auto kind = parse_tokenizer_option(tok);
  if (!kind.ok()) return fail(kind.status(), 2);
  req.tokenizer = *kind;
  std::string mode = !c.mode.empty() ? c.mode : (pack && !pack->mode.empty() ? pack->mode : "hybrid");
  if (!parse_search_mode(mode, &req.mode)) {
    std::fprintf(stderr, "pampax: error: unknown --mode '%s' (hybrid, bm25, vector, symbol)\n",
                 mode.c_str());
    return 2;
  }
  auto b = assemble(**engine, req);
  if (!b.ok()) return fail(b.status(), b.status().code() == Code::kInvalidArgument ? 2 : 1);
  for (const std::string& w : b->warnings) std::fprintf(stderr, "pampax: warning: %s\n", w.c_str());
  if (b->text.empty())
    std::fprintf(stderr,
                 "pampax: warning: nothing fits in %lld tokens (%d candidates; even a one-line "
                 "reference needs more)\n",
                 static_cast<long long>(req.budget), b->candidates);
  std::fwrite(b->text.data(), 1, b->text.size(), stdout);
  std::fflush(stdout);
  if (c.stats)
    std::fprintf(stderr,
                 "pampax: %lld/%lld tokens, %zu items, %d left out; search %.2f ms, assembly "
                 "%.2f ms%s%s\n",
                 static_cast<long long>(b->tokens), static_cast<long long>(req.budget),
                 b->items.size(), b->omitted.items, b->search_ms, b->assemble_ms,
                 pack ? ", pack " : "", pack ? pack->name.c_str() : "");
  return 0;
}

ojson pack_json(const Pack& p, bool active) {
  return ojson{{"name", p.name},
               {"description", p.description},
               {"file", p.file.string()},
               {"active", active},
               {"paths", p.scope.path_globs},
               {"langs", p.scope.langs},
               {"kinds", p.scope.kinds},
               {"budget", p.budget ? ojson(p.budget) : ojson(nullptr)},
               {"mode", p.mode.empty() ? ojson(nullptr) : ojson(p.mode)},
               {"tokenizer", p.tokenizer.empty() ? ojson(nullptr) : ojson(p.tokenizer)}};
}

void print_pack(const Pack& p, bool active) {
  std::printf("%s%s\n", p.name.c_str(), active ? " (active)" : "");
  if (!p.description.empty()) std::printf("  description: %s\n", p.description.c_str());
  std::printf("  file:        %s\n", p.file.string().c_str());
  std::printf("  paths:       %s\n", p.scope.path_globs.empty() ? "any" : join(p.scope.path_globs).c_str());
  std::printf("  langs:       %s\n", p.scope.langs.empty() ? "any" : join(p.scope.langs).c_str());
  std::printf("  kinds:       %s\n", p.scope.kinds.empty() ? "any" : join(p.scope.kinds).c_str());
  if (p.budget) std::printf("  budget:      %lld tokens\n", static_cast<long long>(p.budget));
  if (!p.mode.empty()) std::printf("  mode:        %s\n", p.mode.c_str());
  if (!p.tokenizer.empty()) std::printf("  tokenizer:   %s\n", p.tokenizer.c_str());
}

int cmd_context(AssembleCommands& c) {
  std::error_code ec;
  if (!fs::is_directory(c.ctx_path, ec))
    return fail(NotFound("not a directory: " + c.ctx_path + " (pass the repository root)"));
  fs::path root = fs::canonical(c.ctx_path, ec);
  if (ec) return fail(IoError("cannot resolve " + c.ctx_path + ": " + ec.message()));
  bool json = c.ctx_output == "json";
  auto active = active_pack_name(root);
  if (!active.ok()) return fail(active.status());
  if (*c.list) {
    auto l = list_packs(root);
    if (!l.ok()) return fail(l.status());
    for (const std::string& e : l->errors) std::fprintf(stderr, "pampax: error: %s\n", e.c_str());
    if (json) {
      ojson packs = ojson::array();
      for (const Pack& p : l->packs) packs.push_back(pack_json(p, p.name == *active));
      ojson j = {{"dir", packs_dir(root).string()},
                 {"active", active->empty() ? ojson(nullptr) : ojson(*active)},
                 {"packs", packs},
                 {"errors", l->errors}};
      std::cout << j.dump(2) << "\n";
    } else if (l->packs.empty()) {
      std::printf("no context packs in %s (write NAME.toml there; see `pampax context --help`)\n",
                  packs_dir(root).string().c_str());
    } else {
      for (const Pack& p : l->packs)
        std::printf("%s %-20s %s\n", p.name == *active ? "*" : " ", p.name.c_str(),
                    p.description.c_str());
    }
    return l->errors.empty() ? 0 : 1;
  }
  if (*c.show) {
    std::string name = c.pack_name.empty() ? *active : c.pack_name;
    if (name.empty())
      return fail(InvalidArgument("no pack named and none active (pampax context show NAME)"));
    auto p = load_pack(root, name);
    if (!p.ok()) return fail(p.status());
    if (json) std::cout << pack_json(*p, p->name == *active).dump(2) << "\n";
    else print_pack(*p, p->name == *active);
    return 0;
  }
  if (*c.use) {
    Status st = use_pack(root, c.pack_name);
    if (!st.ok()) return fail(st);
    std::fprintf(stderr, "pampax: context pack '%s' is active for search and assemble\n",
                 c.pack_name.c_str());
    return 0;
  }
  if (*c.clear) {
    Status st = clear_active_pack(root);
    if (!st.ok()) return fail(st);
    std::fprintf(stderr, "pampax: no context pack is active%s\n",
                 active->empty() ? " (none was)" : "");
    return 0;
  }
  return 2;
}

}  // namespace

std::shared_ptr<AssembleCommands> add_assemble_commands(CLI::App& app) {
  auto c = std::make_shared<AssembleCommands>();
  CLI::App* a = app.add_subcommand(
      "assemble",
      "Build a token-budgeted context bundle for a task: the code that answers QUERY (search "
      "hits widened to whole symbols, enclosing class signatures, definitions they call), "
      "degraded to signatures and one-line references to fit --budget");
  c->assemble = a;
  a->add_option("query", c->query, "What the context is for: words, identifiers or a bug "
                                   "report ('-' reads stdin)");
  a->add_option("--query,-q", c->query, "Same as the positional query");
  a->add_option("--query-file", c->query_file, "Read the query from FILE ('-' for stdin)");
  a->add_option("--path,-p", c->path, "Repository root (default: current directory)");
  a->add_option("--budget,-b", c->budget,
                "Maximum tokens of the whole printed bundle, counted with --tokenizer over the "
                "exact output (default: the pack's budget, else 8000)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  a->add_option("--tokenizer", c->tokenizer,
                "Token counting: cl100k (GPT-4, default), o200k (GPT-4o) or estimate (fast, "
                "approximate: the budget is then approximate too)")
      ->check(CLI::IsMember({"cl100k", "o200k", "estimate", "cl100k_base", "o200k_base"}));
  a->add_option("--output,-o", c->output, "markdown (default) or json (shape in docs/cli.md)")
      ->check(CLI::IsMember({"markdown", "json", "text"}));
  a->add_flag("--markdown", c->markdown, "Markdown output (the default; same as -o markdown)");
  a->add_flag("--evidence", c->evidence,
              "Markdown: say why each item is there (search ranks and scores, matched terms, "
              "relations, tokens, hash) and what was left out (JSON always has this)");
  a->add_option("--mode,-m", c->mode,
                "Search mode for the candidates: hybrid (default), bm25, vector, symbol");
  a->add_option("--candidates", c->candidates,
                "Search hits to consider (default: budget / 400, between 8 and 40)")
      ->check(CLI::Range(1, 1000));
  a->add_flag("--no-callees", c->no_callees,
              "Do not add definitions of the symbols the selected code uses");
  a->add_flag("--stats", c->stats, "Print token use and timings to stderr");
  add_scope_flags(a, c->scope);

  CLI::App* ctx = app.add_subcommand(
      "context",
      "Context packs: named scopes saved in .pampax/packs/NAME.toml (keys: description, "
      "paths, langs, kinds, budget, mode, tokenizer). The active pack applies to search and "
      "assemble unless their flags override it");
  c->context = ctx;
  ctx->require_subcommand(1);
  ctx->add_option("--path,-p", c->ctx_path, "Repository root (default: current directory)");
  ctx->add_option("--output,-o", c->ctx_output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  c->list = ctx->add_subcommand("list", "List the packs (* marks the active one)");
  c->show = ctx->add_subcommand("show", "Show a pack's settings (default: the active pack)");
  c->show->add_option("name", c->pack_name, "Pack name");
  c->use = ctx->add_subcommand("use", "Make a pack active for search and assemble");
  c->use->add_option("name", c->pack_name, "Pack name")->required();
  c->clear = ctx->add_subcommand("clear", "Deactivate the active pack");
  for (CLI::App* sub : {c->list, c->show, c->use, c->clear}) {
    sub->add_option("--path,-p", c->ctx_path, "Repository root (default: current directory)");
    sub->add_option("--output,-o", c->ctx_output, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
  }
  return c;
}

std::optional<int> run_assemble_commands(AssembleCommands& c) {
  if (*c.assemble) return cmd_assemble(c);
  if (*c.context) return cmd_context(c);
  return std::nullopt;
}

}  // namespace pampax
