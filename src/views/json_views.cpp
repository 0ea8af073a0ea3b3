#include "views/json_views.h"

#include <algorithm>

#include "parse/language.h"

namespace pampax::views {

std::string arg_str(const json& a, const char* k, std::string def) {
  auto it = a.find(k);
  return it == a.end() || it->is_null() ? def : it->get<std::string>();
}

int64_t arg_int(const json& a, const char* k, int64_t def) {
  auto it = a.find(k);
  if (it == a.end() || it->is_null()) return def;
  return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

bool arg_bool(const json& a, const char* k, bool def) {
  auto it = a.find(k);
  return it == a.end() || it->is_null() ? def : it->get<bool>();
}

Status resolve_lang(const std::string& lang, std::string* out) {
  out->clear();
  if (lang.empty()) return Status::Ok();
  Lang l = lang_from_name(lang);
  if (l == Lang::kCount)
    return InvalidArgument("unknown language '" + lang +
                           "' (examples: python, javascript, typescript, cpp, c, go, rust, java)");
  *out = std::string(lang_name(l));
  return Status::Ok();
}

Result<SearchRequest> search_request(const json& a) {
  SearchRequest req;
  req.query = arg_str(a, "query");
  if (req.query.empty()) return InvalidArgument("missing required argument 'query'");
  req.limit = static_cast<int>(arg_int(a, "limit", 10));
  if (req.limit < 1) return InvalidArgument("argument 'limit' must be at least 1");
  std::string mode = arg_str(a, "mode", "hybrid");
  if (!parse_search_mode(mode, &req.mode))
    return InvalidArgument("unknown mode '" + mode + "' (hybrid, bm25, vector or symbol)");
  std::string group = arg_str(a, "group_by", "symbol");
  if (!parse_group_by(group, &req.group_by))
    return InvalidArgument("argument 'group_by' must be symbol, none or file");
  PAMPAX_RETURN_IF_ERROR(resolve_lang(arg_str(a, "lang"), &req.filters.lang));
  req.filters.path_glob = arg_str(a, "path_glob");
  req.filters.kind = arg_str(a, "kind");
  return req;
}

Result<AssembleRequest> assemble_request(const json& a) {
  AssembleRequest req;
  req.query = arg_str(a, "query");
  if (req.query.empty()) return InvalidArgument("missing required argument 'query'");
  req.budget = arg_int(a, "budget", 8000);
  if (req.budget < 1) return InvalidArgument("argument 'budget' must be at least 1");
  std::string format = arg_str(a, "format", "markdown");
  if (format != "markdown" && format != "json")
    return InvalidArgument("argument 'format' must be markdown or json");
  req.format = format == "json" ? BundleFormat::kJson : BundleFormat::kMarkdown;
  auto tk = parse_tokenizer_option(arg_str(a, "tokenizer", "cl100k"));
  if (!tk.ok()) return tk.status();
  req.tokenizer = *tk;
  req.evidence = arg_bool(a, "evidence", false);
  std::string mode = arg_str(a, "mode", "hybrid");
  if (!parse_search_mode(mode, &req.mode))
    return InvalidArgument("unknown mode '" + mode + "' (hybrid, bm25, vector or symbol)");
  std::string lang;
  PAMPAX_RETURN_IF_ERROR(resolve_lang(arg_str(a, "lang"), &lang));
  if (!lang.empty()) req.scope.langs = {lang};
  if (std::string g = arg_str(a, "path_glob"); !g.empty()) req.scope.path_globs = {g};
  if (std::string k = arg_str(a, "kind"); !k.empty()) req.scope.kinds = {k};
  return req;
}

json evidence_json(const Evidence& e) {
  auto arm = [](const ArmEvidence& a) -> json {
    if (!a.rank) return nullptr;
    return {{"rank", a.rank}, {"score", a.score}};
  };
  json boosts = json::array();
  for (const Boost& b : e.boosts) boosts.push_back({{"name", b.name}, {"factor", b.factor}});
  return {{"lexical", arm(e.lexical)}, {"vector", arm(e.vector)}, {"fused", e.fused},
          {"boosts", boosts}, {"matched_terms", e.matched_terms},
          {"rerank", e.rerank.rank ? json{{"pre_rank", e.rerank.rank}, {"score", e.rerank.score}}
                                   : json(nullptr)}};
}

void add_rewrite_json(json& out, const SearchResponse& r) {
  if (!r.languages.empty()) out["language_hint"] = r.languages;
  if (r.corrections.empty()) return;
  json c = json::array();
  for (const SpellingCorrection& s : r.corrections) c.push_back({{"typed", s.typed}, {"searched", s.searched}});
  out["corrections"] = std::move(c);
}

json rewrite_schema_properties() {
  return {{"language_hint",
           {{"type", "array"},
            {"items", {{"type", "string"}}},
            {"description", "languages the query named: a ranking hint, not search terms"}}},
          {"corrections",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"properties", {{"typed", {{"type", "string"}}}, {"searched", {{"type", "string"}}}}},
              {"required", json::array({"typed", "searched"})}}},
            {"description", "words not in the index and the indexed words searched instead"}}}};
}

json search_hit_json(const SearchHit& h, GroupBy group, bool explain) {
  json j = {{"id", h.chunk_id},       {"path", h.path}, {"start_line", h.start_line},
            {"end_line", h.end_line}, {"kind", h.kind}, {"symbol", h.symbol},
            {"lang", h.lang},         {"score", h.score}, {"snippet", h.snippet}};
  if (group == GroupBy::kFile) j["file_hits"] = h.grouped;
  if (group == GroupBy::kSymbol) {
    j["pieces"] = h.grouped;
    if (h.symbol_end_line) j["symbol_lines"] = {h.symbol_start_line, h.symbol_end_line};
  }
  if (explain) j["evidence"] = evidence_json(h.evidence);
  return j;
}

json symbol_json(const SymbolRow& s) {
  return {{"id", s.id},         {"name", s.name},           {"qualified_name", s.qualified_name},
          {"kind", s.kind},     {"path", s.path},           {"lang", s.lang},
          {"start_line", s.start_line}, {"end_line", s.end_line}, {"signature", s.signature}};
}

json info_json(const IndexInfo& i) {
  json langs = json::object();
  for (auto& [l, n] : i.counts.languages) langs[l] = n;
  json j = {{"root", i.root},           {"index", i.db_path},
            {"files", i.counts.files},  {"chunks", i.counts.chunks},
            {"symbols", i.counts.symbols}, {"refs", i.counts.refs},
            {"languages", langs},       {"index_bytes", i.db_bytes},
            {"source_bytes", i.source_bytes}, {"source_lines", i.source_lines},
            {"last_update", i.last_update}, {"schema_version", i.schema_version}};
  j["embeddings"] = i.embed_model.empty() && i.embedder.empty()
                        ? json(nullptr)
                        : json{{"embedder", i.embedder}, {"model", i.embed_model},
                               {"dim", i.embed_dim}, {"chunks", i.embedded_chunks}};
  return j;
}

json health_json(const HealthReport& r) {
  json checks = json::array();
  for (const auto& c : r.checks)
    checks.push_back({{"name", c.name}, {"status", c.status}, {"detail", c.detail}, {"fix", c.fix}});
  return {{"status", r.status()},
          {"root", r.root},
          {"index", r.index_path},
          {"index_present", r.index_present},
          {"schema_version", r.schema_version},
          {"index_format", r.index_format},
          {"quick_check", r.quick_check},
          {"embedder", r.embedder},
          {"embedder_ready", r.embedder_ready},
          {"chunks", r.chunks},
          {"embedded_chunks", r.embedded_chunks},
          {"files_new", r.files_new},
          {"files_changed", r.files_changed},
          {"files_deleted", r.files_deleted},
          {"index_bytes", r.index_bytes},
          {"disk_free_bytes", r.disk_free_bytes},
          {"mem_available_bytes", r.mem_available_bytes},
          {"seconds", r.seconds},
          {"checks", checks}};
}

json labels_json(const std::string& text) {
  json j = json::object();
  size_t i = 0;
  while (i < text.size()) {
    size_t eq = text.find('=', i);
    if (eq == std::string::npos) break;
    std::string name = text.substr(i, eq - i);
    j[name] = label_value(text, name);
    // Skip the quoted value.
    size_t k = eq + 2;
    while (k < text.size() && text[k] != '"') k += text[k] == '\\' ? 2 : 1;
    i = k + 2;  // past the quote and the comma
  }
  return j;
}

json metrics_json(const MetricsSnapshot& s, const ProcessStats* proc) {
  json hs = json::array(), cs = json::array(), gs = json::array();
  for (const auto& [k, h] : s.histograms) {
    json buckets = json::array();
    uint64_t cum = 0;
    for (size_t i = 0; i < h.counts.size(); ++i) {
      cum += h.counts[i];
      buckets.push_back({{"le", i < kDurationBucketsMs.size() ? json(kDurationBucketsMs[i]) : json("+Inf")},
                         {"count", cum}});
    }
    hs.push_back({{"name", k.first}, {"labels", labels_json(k.second)}, {"buckets", buckets},
                  {"sum", h.sum}, {"count", h.count}, {"max", h.max},
                  {"p50", h.quantile(0.5)}, {"p95", h.quantile(0.95)}, {"p99", h.quantile(0.99)}});
  }
  for (const auto& [k, v] : s.counters)
    cs.push_back({{"name", k.first}, {"labels", labels_json(k.second)}, {"value", v}});
  for (const auto& [k, v] : s.gauges)
    gs.push_back({{"name", k.first}, {"labels", labels_json(k.second)}, {"value", v}});
  json j = {{"histograms", hs}, {"counters", cs}, {"gauges", gs}};
  if (proc)
    j["process"] = {{"rss_bytes", proc->rss_bytes}, {"peak_rss_bytes", proc->peak_rss_bytes},
                    {"cpu_seconds", proc->cpu_seconds}};
  return j;
}

json bundle_json(const Bundle& b) {
  json items = json::array();
  for (const BundleItem& it : b.items)
    items.push_back({{"path", it.path},         {"start_line", it.start_line},
                     {"end_line", it.end_line}, {"symbol", it.symbol},
                     {"kind", it.kind},         {"detail", detail_name(it.detail)},
                     {"tokens", it.tokens},     {"reason", it.evidence.reason},
                     {"relations", it.evidence.relations}});
  return {{"query", b.query},
          {"budget", b.budget},
          {"tokens", b.tokens},
          {"format", b.format == BundleFormat::kJson ? "json" : "markdown"},
          {"mode", search_mode_name(b.mode)},
          {"items", std::move(items)},
          {"omitted_items", b.omitted.items},
          {"omitted_tokens", b.omitted.full_tokens},
          {"warnings", b.warnings}};
}

Result<ChunkRow> chunk_by_id(Engine& e, int64_t id) {
  auto c = e.store().get_chunk(id);
  if (!c.ok() && c.status().code() == Code::kNotFound)
    return NotFound("no chunk with id " + std::to_string(id) +
                    " (ids change when files are re-indexed: search again)");
  return c;
}

Result<std::vector<SymbolRow>> find_symbols(Engine& e, const std::string& name,
                                            const std::string& match, const std::string& kind,
                                            const SearchFilters& f, int limit, std::string* used) {
  std::vector<std::pair<NameMatch, const char*>> order;
  if (match == "exact" || match == "auto") order.push_back({NameMatch::kExact, "exact"});
  if (match == "prefix" || match == "auto") order.push_back({NameMatch::kPrefix, "prefix"});
  if (match == "contains" || match == "auto") order.push_back({NameMatch::kContains, "contains"});
  if (order.empty())
    return InvalidArgument("argument 'match' must be one of: auto, exact, prefix, contains");
  std::vector<SymbolRow> rows;
  for (auto [m, label] : order) {
    auto r = e.store().find_symbols(name, m, kind, f, limit);
    if (!r.ok()) return r.status();
    *used = label;
    if (!r->empty()) {
      rows = std::move(*r);
      break;
    }
  }
  return rows;
}

}  // namespace pampax::views
