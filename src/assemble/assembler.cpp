#include "assemble/assembler.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "assemble/render.h"
#include "util/hash.h"

namespace pampax {

Result<const Tokenizer*> shared_tokenizer(TokenizerKind kind) {
  static std::mutex mu;
  static std::map<TokenizerKind, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(kind);
  if (it != cache.end()) return static_cast<const Tokenizer*>(it->second.get());
  auto t = Tokenizer::load(kind);
  if (!t.ok()) return t.status();
  const Tokenizer* p = t->get();
  cache[kind] = std::move(t).value();
  return p;
}

Result<TokenizerKind> parse_tokenizer_option(const std::string& name) {
  if (name == "cl100k" || name == "cl100k_base") return TokenizerKind::kCl100k;
  if (name == "o200k" || name == "o200k_base") return TokenizerKind::kO200k;
  if (name == "estimate") return TokenizerKind::kEstimate;
  return InvalidArgument("unknown tokenizer '" + name + "' (cl100k, o200k, estimate)");
}

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Value of a detail level relative to the full body.
constexpr double kLevelValue[3] = {0.12, 0.45, 1.0};
constexpr int kNone = -1;

struct FileCtx {
  std::string lang, text;
  std::vector<uint32_t> line_start;  // byte offset of line i+1
  bool has_symbols = false;  // symbols are loaded for hit files only (callees need none)
  std::vector<SymbolRow> symbols;
  std::unordered_map<int64_t, size_t> by_id;

  uint32_t lines() const { return static_cast<uint32_t>(line_start.size()); }
  // Lines [a, b] (1-based, inclusive, clamped), '\n'-terminated.
  std::string slice(uint32_t a, uint32_t b) const {
    if (line_start.empty()) return "";
    a = std::max<uint32_t>(a, 1);
    b = std::min<uint32_t>(b, lines());
    if (a > b) return "";
    size_t from = line_start[a - 1];
    size_t to = b < lines() ? line_start[b] : text.size();
    std::string s = text.substr(from, to - from);
    if (!s.empty() && s.back() != '\n') s += '\n';
    return s;
  }
  size_t bytes(uint32_t a, uint32_t b) const {
    if (line_start.empty() || a > b) return 0;
    a = std::max<uint32_t>(a, 1);
    b = std::min<uint32_t>(b, lines());
    if (a > b) return 0;
    size_t to = b < lines() ? line_start[b] : text.size();
    return to - line_start[a - 1];
  }
};

struct Unit {
  std::string path, lang, symbol, kind;
  uint32_t start = 0, end = 0;
  std::string sig_text;   // doc comment + signature; "" = no signature level
  bool full_ok = true;
  int64_t own_symbol = 0;     // the symbol the unit is (0: none, or a piece of around_symbol)
  int64_t around_symbol = 0;  // the symbol a piece belongs to
  double value = 0;
  ItemEvidence ev;
  std::string full_text, hash;
  int64_t full_est = 0;   // estimated tokens of full_text
  // Per level, counted once: tokens of the item's block in the bundle (markdown: heading,
  // evidence, fences and text; JSON: the item object), of its line in the markdown contents,
  // and of its text alone.
  int64_t block_cost[3] = {-1, -1, -1};
  int64_t toc_cost[3] = {-1, -1, -1};
  int64_t text_tokens[3] = {-1, -1, -1};
  int level = kNone;
  int cap = 2;            // highest level the fill may choose (lowered by degradation)
  bool has_level(int l) const {
    if (l > cap) return false;
    if (l == 1) return !sig_text.empty();
    if (l == 2) return full_ok;
    return true;
  }
  int max_offered() const { return full_ok ? 2 : (!sig_text.empty() ? 1 : 0); }
  double value_at(int l) const { return l == kNone ? 0 : value * kLevelValue[l]; }
};

bool is_container(const std::string& kind) {
  // Not namespaces or modules: they span whole files and their one-line signature says little.
  static const std::set<std::string> k = {"class", "struct", "interface", "trait", "impl", "enum"};
  return k.count(kind) > 0;
}
bool is_definition_kind(const std::string& kind) {
  static const std::set<std::string> k = {"function", "method", "macro", "class", "struct",
                                          "interface", "trait", "enum", "type", "impl"};
  return k.count(kind) > 0;
}

bool is_test_path(const std::string& p) {
  return p.find("test") != std::string::npos || p.find("spec") != std::string::npos;
}

std::string dir_of(const std::string& p) {
  size_t cut = p.rfind('/');
  return cut == std::string::npos ? "" : p.substr(0, cut);
}

std::string short_name(const std::string& qualified) {
  size_t cut = qualified.find_last_of(".:");
  return cut == std::string::npos ? qualified : qualified.substr(cut + 1);
}

// At most `max_lines` lines / 600 bytes of a doc comment, trimmed.
std::string cap_doc(const std::string& doc, int max_lines) {
  std::string out;
  int lines = 0;
  size_t i = 0;
  while (i < doc.size() && lines < max_lines && out.size() < 600) {
    size_t nl = doc.find('\n', i);
    std::string line = doc.substr(i, nl == std::string::npos ? std::string::npos : nl - i);
    out += line + "\n";
    ++lines;
    if (nl == std::string::npos) break;
    i = nl + 1;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class Assembler {
 public:
  Assembler(Engine& e, const AssembleRequest& r, const Tokenizer& t)
      : engine_(e), store_(e.store()), req_(r), tok_(t) {}

  Result<Bundle> run();

 private:
  Result<FileCtx*> file(const std::string& path, bool with_symbols);
  Status build_candidates(const std::vector<SearchHit>& hits);
  Status add_callees();
  Unit* unit_for(const std::string& path, uint32_t start, uint32_t end);
  std::string doc_of(const std::string& path, const SymbolRow& s);
  const SymbolRow* innermost(const FileCtx& f, uint32_t a, uint32_t b) const;

  BundleItem item(const Unit& u, int level);
  int64_t cost(Unit& u, int level);
  bool costed(const Unit& u, int level) const { return u.block_cost[level] >= 0; }
  int64_t text_tokens(Unit& u, int level);
  int64_t est_cost(const Unit& u, int level) const;
  int64_t cur_cost(Unit& u) { return u.level == kNone ? 0 : cost(u, u.level); }
  // Greedy fill: returns true when something changed.
  bool fill(int64_t remaining);
  // Degrades until the estimated saving reaches `over`; false when nothing is left.
  bool degrade(int64_t over);
  void build_items(Bundle* b);
  // Renders with a self-consistent token count (see the definition); returns the count.
  int64_t render(Bundle* b);
  int64_t settle(Bundle* b);
  void reset_units(int chrome);
  int64_t chrome_cost(int chrome);
  // 1: fits with items (or there were no candidates); 0: fits, but no item does; -1: even
  // the empty bundle is over the budget.
  int fit(Bundle* b, int chrome);

  Engine& engine_;
  IndexStore& store_;
  const AssembleRequest& req_;
  const Tokenizer& tok_;
  Bundle proto_;  // query, budget, format, ... (no items)
  int chrome_ = 2;
  double fit_value_ = 0;  // total value of the last successful fit
  std::map<std::string, std::unique_ptr<FileCtx>> files_;
  std::vector<std::unique_ptr<Unit>> units_;
  std::map<std::tuple<std::string, uint32_t, uint32_t>, Unit*> by_range_;
  std::map<std::pair<std::string, std::string>, std::vector<SymbolRow>> def_cache_;
  std::map<std::string, std::vector<ChunkRow>> chunk_cache_;
  std::map<std::tuple<std::string, uint32_t, uint32_t>, std::pair<int64_t, std::string>> merged_cache_;
};

Result<FileCtx*> Assembler::file(const std::string& path, bool with_symbols) {
  auto it = files_.find(path);
  if (it != files_.end()) {
    FileCtx* f = it->second.get();
    if (with_symbols && !f->has_symbols) {
      auto syms = store_.file_symbols(path);
      if (!syms.ok()) return syms.status();
      f->symbols = std::move(syms).value();
      for (size_t i = 0; i < f->symbols.size(); ++i) f->by_id[f->symbols[i].id] = i;
      f->has_symbols = true;
    }
    return f;
  }
  auto f = std::make_unique<FileCtx>();
  auto text = store_.file_text(path, &f->lang);
  if (!text.ok()) return text.status();
  f->text = std::move(text).value();
  if (!f->text.empty()) {
    f->line_start.push_back(0);
    for (size_t i = 0; i + 1 < f->text.size(); ++i)
      if (f->text[i] == '\n') f->line_start.push_back(static_cast<uint32_t>(i + 1));
  }
  FileCtx* p = f.get();
  files_[path] = std::move(f);
  return with_symbols ? file(path, true) : p;
}

const SymbolRow* Assembler::innermost(const FileCtx& f, uint32_t a, uint32_t b) const {
  const SymbolRow* best = nullptr;
  for (const SymbolRow& s : f.symbols)
    if (s.start_line <= a && s.end_line >= b &&
        (!best || s.end_line - s.start_line < best->end_line - best->start_line))
      best = &s;
  return best;
}

std::string Assembler::doc_of(const std::string& path, const SymbolRow& s) {
  auto cit = chunk_cache_.find(path);
  if (cit == chunk_cache_.end()) {
    auto chunks = store_.file_chunks(path);
    if (!chunks.ok()) return "";
    cit = chunk_cache_.emplace(path, std::move(chunks).value()).first;
  }
  for (const ChunkRow& c : cit->second) {
    if (c.qualified_name == s.qualified_name && c.start_line <= s.start_line &&
        c.end_line >= s.start_line) {
      auto docs = store_.chunk_docs({c.id});
      return docs.ok() && !docs->empty() ? docs->front().second : "";
    }
  }
  return "";
}

Unit* Assembler::unit_for(const std::string& path, uint32_t start, uint32_t end) {
  auto it = by_range_.find({path, start, end});
  return it == by_range_.end() ? nullptr : it->second;
}

Status Assembler::build_candidates(const std::vector<SearchHit>& hits) {
  if (hits.empty()) return Status();
  std::vector<int64_t> ids;
  for (const SearchHit& h : hits) ids.push_back(h.chunk_id);
  // Metadata and doc comments only: the text comes from the file (one decompression each).
  auto rows = store_.get_chunk_meta(ids);
  if (!rows.ok()) return rows.status();
  auto docs = store_.chunk_docs(ids);
  if (!docs.ok()) return docs.status();
  std::unordered_map<int64_t, ChunkRow*> by_id;
  for (ChunkRow& c : *rows) by_id[c.id] = &c;
  for (auto& [id, doc] : *docs) {
    auto it = by_id.find(id);
    if (it != by_id.end()) it->second->doc = std::move(doc);
  }
  double top = 0;
  for (const SearchHit& h : hits) top = std::max(top, h.score);
  int rank = 0;
  for (const SearchHit& h : hits) {
    ++rank;
    auto cit = by_id.find(h.chunk_id);
    if (cit == by_id.end()) continue;
    const ChunkRow& c = *cit->second;
    auto fr = file(c.path, true);
    if (!fr.ok()) return fr.status();
    FileCtx& f = **fr;
    double v = top > 0 ? std::max(0.02, h.score / top) : 1.0 / rank;
    uint32_t start = c.start_line, end = c.end_line;
    std::string symbol = h.symbol, kind = c.kind, sig, doc = c.doc;
    std::vector<std::string> relations;
    // The symbol the chunk is (its definition starts inside the chunk, which may also hold
    // the doc comment above it), whole or as its first piece; else the symbol it is a piece of.
    const SymbolRow* own = nullptr;
    for (const SymbolRow& sym : f.symbols)
      if (sym.qualified_name == c.qualified_name && sym.start_line >= start &&
          sym.start_line <= end) {
        own = &sym;
        break;
      }
    const SymbolRow* whole = own && own->end_line <= end ? own : nullptr;
    const SymbolRow* around = whole ? nullptr : own ? own : innermost(f, start, end);
    if (around && (around->kind == "namespace" || around->kind == "module")) around = nullptr;
    if (around) {
      // Widen a piece to its whole symbol when that is cheap.
      uint32_t a = std::min(start, around->start_line), z = std::max(end, around->end_line);
      int64_t sym_est = static_cast<int64_t>(f.bytes(a, z) / 4);
      int64_t chunk_est = std::max<int64_t>(c.tokens, 1);
      if (sym_est <= std::max<int64_t>(2 * chunk_est, 400) && sym_est <= 1200) {
        relations.push_back("expanded from hit lines " + std::to_string(start) + "-" +
                            std::to_string(end) + " to the enclosing " + around->kind + " " +
                            around->qualified_name);
        start = a;
        end = z;
        if (c.qualified_name != around->qualified_name) doc = doc_of(c.path, *around);
        whole = around;
        around = nullptr;
      }
    }
    // A piece of a symbol has no signature of its own: the symbol around it is offered as an
    // enclosing signature instead (below).
    if (whole) {
      sig = whole->signature;
      symbol = whole->qualified_name;
      kind = whole->kind;
    }
    Unit* u = unit_for(c.path, start, end);
    bool symbol_match = false;
    for (const Boost& b : h.evidence.boosts) symbol_match |= b.name == "symbol-match";
    if (u) {  // two hits on one range (e.g. pieces of a symbol that was widened)
      u->value = std::max(u->value, v) + 0.25 * std::min(u->value, v);
      u->ev.relations.push_back("also hit #" + std::to_string(rank));
      for (const std::string& t : h.evidence.matched_terms)
        if (std::find(u->ev.matched_terms.begin(), u->ev.matched_terms.end(), t) ==
            u->ev.matched_terms.end())
          u->ev.matched_terms.push_back(t);
      u->ev.symbol_match |= symbol_match;
      continue;
    }
    auto nu = std::make_unique<Unit>();
    nu->path = c.path;
    nu->lang = c.lang;
    nu->symbol = symbol;
    nu->kind = kind;
    nu->start = start;
    nu->end = end;
    if (!sig.empty()) {
      std::string d = cap_doc(doc, 8);
      nu->sig_text = d.empty() ? sig + "\n" : d + "\n" + sig + "\n";
    }
    nu->value = v;
    nu->own_symbol = whole ? whole->id : 0;
    nu->around_symbol = around ? around->id : 0;
    nu->ev.reason = "hit";
    nu->ev.search_rank = rank;
    nu->ev.lexical = h.evidence.lexical;
    nu->ev.vector = h.evidence.vector;
    nu->ev.score = h.score;
    nu->ev.symbol_match = symbol_match;
    nu->ev.matched_terms = h.evidence.matched_terms;
    nu->ev.relations = relations;
    by_range_[{c.path, start, end}] = nu.get();
    units_.push_back(std::move(nu));
  }
  // Enclosing classes / namespaces of every hit, as signatures.
  size_t n_hits = units_.size();
  for (size_t i = 0; i < n_hits; ++i) {
    Unit& u = *units_[i];
    FileCtx& f = *files_[u.path];
    // Walk outwards from the symbol the unit is (its parents) or the symbol it is a piece of
    // (that symbol, then its parents): containers, and the symbol a piece belongs to.
    bool piece = u.own_symbol == 0;
    int64_t pid = 0;
    if (!piece) {
      auto it = f.by_id.find(u.own_symbol);
      if (it != f.by_id.end()) pid = f.symbols[it->second].parent_id;
    } else if (u.around_symbol) {
      pid = u.around_symbol;
    } else if (const SymbolRow* in = innermost(f, u.start, u.end)) {
      pid = in->id;  // code between members: the container it is in
    }
    const int64_t piece_of = piece ? u.around_symbol : 0;
    std::string child = u.symbol.empty() ? u.path + ":" + std::to_string(u.start) : u.symbol;
    for (int depth = 0; pid && depth < 4; ++depth) {
      auto pit = f.by_id.find(pid);
      if (pit == f.by_id.end()) break;
      const SymbolRow& p = f.symbols[pit->second];
      pid = p.parent_id;
      if (!(is_container(p.kind) || (piece_of && p.id == piece_of)) || p.signature.empty()) continue;
      if (p.start_line == u.start && p.end_line == u.end) continue;
      Unit* h = unit_for(u.path, p.start_line, p.end_line);
      std::string rel = "encloses " + child;
      if (h) {
        if (h->ev.relations.size() < 6) h->ev.relations.push_back(rel);
        h->value = std::max(h->value, 0.3 * u.value);
        continue;
      }
      auto nu = std::make_unique<Unit>();
      nu->path = u.path;
      nu->lang = u.lang;
      nu->symbol = p.qualified_name;
      nu->kind = p.kind;
      nu->start = p.start_line;
      nu->end = p.end_line;
      std::string d = cap_doc(doc_of(u.path, p), 4);
      nu->sig_text = d.empty() ? p.signature + "\n" : d + "\n" + p.signature + "\n";
      nu->full_ok = false;
      nu->value = 0.3 * u.value;
      nu->own_symbol = p.id;
      nu->ev.reason = "enclosing";
      nu->ev.relations.push_back(rel);
      by_range_[{u.path, p.start_line, p.end_line}] = nu.get();
      units_.push_back(std::move(nu));
    }
  }
  return Status();
}

Status Assembler::add_callees() {
  // The best hits (by value) are the callers.
  std::vector<Unit*> callers;
  for (auto& u : units_)
    if (u->ev.reason == "hit") callers.push_back(u.get());
  std::stable_sort(callers.begin(), callers.end(),
                   [](const Unit* a, const Unit* b) { return a->value > b->value; });
  if (callers.size() > 6) callers.resize(6);
  int added = 0;
  for (Unit* caller : callers) {
    auto names = store_.refs_in_range(caller->path, caller->start, caller->end);
    if (!names.ok()) return names.status();
    std::string caller_name = caller->symbol.empty()
                                  ? caller->path + ":" + std::to_string(caller->start)
                                  : caller->symbol;
    std::string own = short_name(caller->symbol);
    std::vector<std::string> wanted, lookup;
    for (const std::string& name : *names) {
      if (name.size() < 3 || name == own) continue;
      if (wanted.size() >= 40) break;
      wanted.push_back(name);
      if (!def_cache_.count({name, caller->lang})) lookup.push_back(name);
    }
    if (!lookup.empty()) {
      // One statement for all the names this caller uses.
      SearchFilters f;
      f.lang = caller->lang;
      // More than 3 definitions: too ambiguous to help (checked below for the kept kinds).
      auto defs = store_.find_symbols_named(lookup, f, 6, 400);
      if (!defs.ok()) return defs.status();
      for (const std::string& name : lookup) def_cache_[{name, caller->lang}];
      for (SymbolRow& d : *defs)
        if (is_definition_kind(d.kind) && scope_matches(req_.scope, d.path, d.lang, ""))
          def_cache_[{d.name, caller->lang}].push_back(std::move(d));
    }
    for (const std::string& name : wanted) {
      const std::vector<SymbolRow>& defs = def_cache_[{name, caller->lang}];
      if (defs.empty() || defs.size() > 3) continue;  // unknown, or too ambiguous to help
      for (const SymbolRow& d : defs) {
        if (d.path == caller->path && d.start_line <= caller->end && d.end_line >= caller->start)
          continue;  // the caller itself, or a symbol inside it
        // Names are not resolved (refs hold identifiers, not bindings): trust nearby
        // definitions more, and never offer test code to non-test code.
        if (is_test_path(d.path) && !is_test_path(caller->path)) continue;
        // A method name used elsewhere is mostly `obj.name(...)` on some other type.
        if (d.kind == "method" && dir_of(d.path) != dir_of(caller->path)) continue;
        double near = d.path == caller->path ? 1.0 : dir_of(d.path) == dir_of(caller->path) ? 0.7 : 0.45;
        std::string rel = "called by " + caller_name;
        Unit* u = unit_for(d.path, d.start_line, d.end_line);
        if (u) {
          if (u->ev.relations.size() < 6 &&
              std::find(u->ev.relations.begin(), u->ev.relations.end(), rel) == u->ev.relations.end())
            u->ev.relations.push_back(rel);
          u->value += 0.1 * near * caller->value;
          continue;
        }
        if (added >= 40) continue;
        auto fr = file(d.path, false);
        if (!fr.ok()) return fr.status();
        auto nu = std::make_unique<Unit>();
        nu->path = d.path;
        nu->lang = d.lang;
        nu->symbol = d.qualified_name;
        nu->kind = d.kind;
        nu->start = d.start_line;
        nu->end = d.end_line;
        if (!d.signature.empty()) {
          std::string doc = cap_doc(doc_of(d.path, d), 6);
          nu->sig_text = doc.empty() ? d.signature + "\n" : doc + "\n" + d.signature + "\n";
        }
        int64_t est = static_cast<int64_t>((*fr)->bytes(d.start_line, d.end_line) / 4);
        nu->full_ok = est <= (is_container(d.kind) ? 800 : 1500);
        nu->value = 0.35 * near * caller->value / static_cast<double>(defs.size());
        nu->own_symbol = d.id;
        nu->ev.reason = "callee";
        nu->ev.relations.push_back(rel);
        by_range_[{d.path, d.start_line, d.end_line}] = nu.get();
        units_.push_back(std::move(nu));
        ++added;
      }
    }
  }
  return Status();
}

BundleItem Assembler::item(const Unit& u, int level) {
  BundleItem it;
  it.path = u.path;
  it.lang = u.lang;
  it.symbol = u.symbol;
  it.kind = u.kind;
  it.start_line = u.start;
  it.end_line = u.end;
  it.detail = static_cast<Detail>(level);
  it.hash = u.hash;
  it.value = u.value;
  it.evidence = u.ev;
  if (level == 2) it.text = u.full_text;
  else if (level == 1) it.text = u.sig_text;
  return it;
}

int64_t Assembler::est_cost(const Unit& u, int level) const {
  int64_t base = req_.format == BundleFormat::kJson ? 90 : (proto_.evidence ? 45 : 18);
  if (level == 2) return base + u.full_est;
  if (level == 1) return base + static_cast<int64_t>(estimate_bpe_tokens(u.sig_text));
  return base / 2;
}

int64_t Assembler::text_tokens(Unit& u, int level) {
  if (u.text_tokens[level] < 0)
    u.text_tokens[level] = static_cast<int64_t>(
        tok_.count(level == 2 ? u.full_text : level == 1 ? u.sig_text : std::string()));
  return u.text_tokens[level];
}

int64_t Assembler::cost(Unit& u, int level) {
  bool md = req_.format == BundleFormat::kMarkdown;
  if (u.block_cost[level] < 0) {
    BundleItem it = item(u, level);
    if (md) {
      it.tokens = text_tokens(u, level);  // shown in the evidence line
      u.block_cost[level] =
          static_cast<int64_t>(tok_.count(markdown_item_block(proto_, it, false))) + it.tokens;
      u.toc_cost[level] = level == 0 ? 0 : static_cast<int64_t>(tok_.count(markdown_contents_line(it, 10)));
    } else {
      // The text's own count only changes a number in the item: estimate it here and count
      // it for the items that are kept (build_items).
      it.tokens = u.full_est;
      u.block_cost[level] = static_cast<int64_t>(tok_.count(json_item(it))) + 1;  // ","
      u.toc_cost[level] = 0;
    }
  }
  return u.block_cost[level] + (md && chrome_ >= 2 ? u.toc_cost[level] : 0);
}

bool Assembler::fill(int64_t remaining) {
  bool changed = false;
  while (remaining > 0) {
    Unit* best = nullptr;
    int best_level = kNone;
    double best_ratio = -1;
    int64_t best_dc = 0;
    for (auto& up : units_) {
      Unit& u = *up;
      int64_t cur = cur_cost(u);
      for (int l = u.level + 1; l <= 2; ++l) {
        if (!u.has_level(l)) continue;
        // Cheap gate before counting exactly: clearly too large for what is left.
        if (!costed(u, l) && est_cost(u, l) - cur > remaining + remaining / 3 + 16) continue;
        int64_t dc = cost(u, l) - cur;
        if (dc > remaining) continue;
        double dv = u.value_at(l) - u.value_at(u.level);
        if (dv <= 0) continue;
        double ratio = dv / static_cast<double>(std::max<int64_t>(dc, 1));
        if (ratio > best_ratio) {
          best_ratio = ratio;
          best = &u;
          best_level = l;
          best_dc = dc;
        }
      }
    }
    if (!best) break;
    best->level = best_level;
    remaining -= best_dc;
    changed = true;
  }
  return changed;
}

bool Assembler::degrade(int64_t over) {
  int64_t saved = 0;
  while (saved < over) {
    Unit* worst = nullptr;
    int worst_to = kNone;
    double worst_ratio = 0;
    for (auto& up : units_) {
      Unit& u = *up;
      if (u.level == kNone) continue;
      int to = u.level - 1;
      while (to > kNone && !u.has_level(to)) --to;
      int64_t dc = cost(u, u.level) - (to == kNone ? 0 : cost(u, to));
      double dv = u.value_at(u.level) - u.value_at(to);
      double ratio = dv / static_cast<double>(std::max<int64_t>(dc, 1));
      if (!worst || ratio < worst_ratio) {
        worst = &u;
        worst_to = to;
        worst_ratio = ratio;
      }
    }
    if (!worst) return false;
    saved += cost(*worst, worst->level) - (worst_to == kNone ? 0 : cost(*worst, worst_to));
    worst->level = worst_to;
    worst->cap = worst_to;  // never upgraded again in this attempt: the loop terminates
  }
  return true;
}

void Assembler::build_items(Bundle* b) {
  b->items.clear();
  b->omitted = {};
  std::vector<Unit*> sel;
  for (auto& u : units_) {
    if (u->level == kNone) {
      ++b->omitted.items;
      b->omitted.full_tokens += u->full_ok ? u->full_est : static_cast<int64_t>(estimate_bpe_tokens(u->sig_text));
    } else {
      sel.push_back(u.get());
      if (u->level < u->max_offered()) ++b->omitted.degraded;
    }
  }
  // Files by their best selected value; inside a file, by line.
  std::map<std::string, double> file_value;
  for (Unit* u : sel) file_value[u->path] = std::max(file_value[u->path], u->value);
  std::stable_sort(sel.begin(), sel.end(), [&](const Unit* a, const Unit* b2) {
    if (a->path != b2->path) {
      double va = file_value[a->path], vb = file_value[b2->path];
      if (va != vb) return va > vb;
      return a->path < b2->path;
    }
    if (a->start != b2->start) return a->start < b2->start;
    return a->end > b2->end;
  });
  std::vector<BundleItem> body, refs;
  std::vector<std::pair<uint32_t, uint32_t>> full_ranges;  // of the current file
  std::string cur_path;
  size_t file_begin = 0;
  for (Unit* u : sel) {
    if (u->path != cur_path) {
      cur_path = u->path;
      full_ranges.clear();
      file_begin = body.size();
    }
    if (u->level == 2) {
      // Merge with the previous full item of this file when they overlap or touch.
      BundleItem* prev = nullptr;
      for (size_t i = body.size(); i > file_begin; --i)
        if (body[i - 1].detail == Detail::kFull) {
          prev = &body[i - 1];
          break;
        }
      if (prev && u->start <= prev->end_line + 1) {
        auto label = [](const std::string& symbol, const std::string& kind, uint32_t a,
                        uint32_t z, int rank) {
          std::string l = !symbol.empty() ? symbol
                                          : kind + " lines " + std::to_string(a) + "-" + std::to_string(z);
          if (rank) l += " (hit #" + std::to_string(rank) + ")";
          return l;
        };
        bool grows = u->end > prev->end_line;
        if (u->value > prev->value) {
          // The more valuable unit speaks for the merged item.
          std::string was = label(prev->symbol, prev->kind, prev->start_line, prev->end_line,
                                  prev->evidence.search_rank);
          std::vector<std::string> rel = u->ev.relations;
          for (const std::string& r : prev->evidence.relations) rel.push_back(r);
          std::vector<std::string> terms = prev->evidence.matched_terms;
          prev->evidence = u->ev;
          prev->evidence.relations = std::move(rel);
          for (const std::string& t : terms)
            if (std::find(prev->evidence.matched_terms.begin(), prev->evidence.matched_terms.end(),
                          t) == prev->evidence.matched_terms.end())
              prev->evidence.matched_terms.push_back(t);
          prev->evidence.relations.push_back("merged with " + was);
          prev->symbol = u->symbol;
          prev->kind = u->kind;
          prev->value = u->value;
        } else {
          prev->evidence.relations.push_back(
              (grows ? "merged with " : "contains ") +
              label(u->symbol, u->kind, u->start, u->end, u->ev.search_rank));
          for (const std::string& t : u->ev.matched_terms)
            if (std::find(prev->evidence.matched_terms.begin(), prev->evidence.matched_terms.end(),
                          t) == prev->evidence.matched_terms.end())
              prev->evidence.matched_terms.push_back(t);
        }
        if (grows) {
          prev->end_line = u->end;
          prev->text = files_[u->path]->slice(prev->start_line, prev->end_line);
          // The same merges recur in every round of fit(): count each range once.
          auto key = std::make_tuple(u->path, prev->start_line, prev->end_line);
          auto mit = merged_cache_.find(key);
          if (mit == merged_cache_.end())
            mit = merged_cache_
                      .emplace(key, std::make_pair(static_cast<int64_t>(tok_.count(prev->text)),
                                                   content_hash(prev->text).substr(0, 16)))
                      .first;
          prev->tokens = mit->second.first;
          prev->hash = mit->second.second;
        }
        full_ranges.back().second = prev->end_line;
        continue;
      }
      BundleItem it = item(*u, 2);
      it.tokens = text_tokens(*u, 2);
      body.push_back(std::move(it));
      full_ranges.push_back({u->start, u->end});
      continue;
    }
    bool inside = false;
    for (auto& r : full_ranges) inside |= u->start >= r.first && u->end <= r.second;
    if (inside) continue;  // already shown in full
    BundleItem it = item(*u, u->level);
    it.tokens = text_tokens(*u, u->level);
    if (u->level == 0) refs.push_back(std::move(it));
    else body.push_back(std::move(it));
  }
  std::stable_sort(refs.begin(), refs.end(),
                   [](const BundleItem& a, const BundleItem& c) { return a.value > c.value; });
  // A signature whose line is already shown in full (e.g. a class header inside a hit that
  // starts above it) says nothing new.
  std::vector<BundleItem> kept;
  for (BundleItem& it : body) {
    bool shown = false;
    if (it.detail == Detail::kSignature)
      for (const BundleItem& o : body)
        shown |= o.detail == Detail::kFull && o.path == it.path && it.start_line >= o.start_line &&
                 it.start_line <= o.end_line;
    if (!shown) kept.push_back(std::move(it));
  }
  b->items = std::move(kept);
  for (BundleItem& r : refs) {
    // A reference to the line a signature already shows (a piece of a large symbol whose
    // signature is offered as its enclosing item) adds nothing.
    bool shown = false;
    for (const BundleItem& o : b->items)
      shown |= o.path == r.path && o.start_line == r.start_line;
    if (!shown) b->items.push_back(std::move(r));
  }
}

int64_t Assembler::render(Bundle* b) {
  // The bundle reports its own token count. Render with a guess, count, and render again
  // with the count: a number with as many digits as the guess is as many tokens (digits
  // pre-tokenise in groups of three and every group is one token, in both encodings), so the
  // second text has the count of the first. fit() verifies the final text with a full count.
  if (b->tokens <= 0) b->tokens = b->budget;
  b->text = render_bundle(*b);
  int64_t n = static_cast<int64_t>(tok_.count(b->text));
  if (n != b->tokens) {
    b->tokens = n;
    b->text = render_bundle(*b);
  }
  return n;
}

// The exact count of b->text, re-rendering until the reported count is the real one.
int64_t Assembler::settle(Bundle* b) {
  int64_t n = static_cast<int64_t>(tok_.count(b->text));
  for (int i = 0; i < 8 && n != b->tokens; ++i) {
    b->tokens = n;
    b->text = render_bundle(*b);
    n = static_cast<int64_t>(tok_.count(b->text));
  }
  return n;
}

void Assembler::reset_units(int chrome) {
  chrome_ = chrome;
  for (auto& u : units_) {
    u->level = kNone;
    u->cap = 2;
  }
}

int64_t Assembler::chrome_cost(int chrome) {
  Bundle b = proto_;
  b.chrome = chrome;
  b.tokens = b.budget;  // as many digits as the real count can have
  b.omitted.items = static_cast<int>(units_.size());
  b.omitted.full_tokens = 999999;
  b.omitted.degraded = static_cast<int>(units_.size());
  std::string text = render_bundle(b);
  // A bundle with items does not say that nothing fits.
  for (const char* line : {"Nothing fits this budget.\n\n", "No matching code.\n\n"}) {
    size_t p = text.find(line);
    if (p != std::string::npos) text.erase(p, std::string_view(line).size());
  }
  int64_t c = static_cast<int64_t>(tok_.count(text));
  return c;
}

// Fills, renders and corrects until the exact count is within the budget.
int Assembler::fit(Bundle* b, int chrome) {
  reset_units(chrome);
  *b = proto_;
  b->chrome = chrome;
  int64_t budget = req_.budget;
  int64_t fixed = chrome_cost(chrome);
  fill(budget - std::min(fixed, budget));
  int64_t n = 0;
  bool refilled = false;
  for (;;) {
    build_items(b);
    n = render(b);
    if (n <= budget && !refilled && budget - n > 4) {
      // Under budget: the estimates were pessimistic (merges, shared headings); use the rest.
      refilled = true;
      if (fill(budget - n - 2)) continue;
    }
    if (n <= budget) {
      n = settle(b);  // the full count of the exact text
      if (n == b->tokens && n <= budget) break;
    }
    if (!degrade(std::max<int64_t>(n - budget, 1))) {
      build_items(b);
      render(b);
      n = settle(b);
      break;
    }
  }
  if (n > budget || n != b->tokens) return -1;
  fit_value_ = 0;
  for (auto& u : units_) fit_value_ += u->value_at(u->level);
  return !b->items.empty() || units_.empty() ? 1 : 0;
}

Result<Bundle> Assembler::run() {
  auto t0 = Clock::now();
  proto_.query = req_.query;
  proto_.budget = req_.budget;
  proto_.tokenizer = req_.tokenizer;
  proto_.format = req_.format;
  proto_.evidence = req_.evidence || req_.format == BundleFormat::kJson;

  SearchRequest sr;
  sr.query = req_.query;
  sr.group_by = GroupBy::kNone;  // every piece: the packer joins the pieces of a symbol itself
  sr.mode = req_.mode;
  sr.limit = req_.candidates > 0 ? req_.candidates
                                 : static_cast<int>(std::clamp<int64_t>(req_.budget / 400, 8, 40));
  auto resp = search_in_scope(engine_, sr, req_.scope);
  if (!resp.ok()) return resp.status();
  double search_ms = ms_since(t0);
  auto t1 = Clock::now();
  proto_.mode = resp->mode;
  proto_.warnings = resp->warnings;

  Status st = build_candidates(resp->hits);
  if (!st.ok()) return st;
  if (req_.callees) {
    st = add_callees();
    if (!st.ok()) return st;
  }
  for (auto& u : units_) {
    FileCtx& f = *files_[u->path];
    u->full_text = f.slice(u->start, u->end);
    u->hash = content_hash(u->full_text).substr(0, 16);
    u->full_est = static_cast<int64_t>(estimate_bpe_tokens(u->full_text));
    if (u->full_text.empty()) u->full_ok = false;
  }
  proto_.candidates = static_cast<int>(units_.size());

  Bundle b;
  if (req_.format == BundleFormat::kJson) {
    if (fit(&b, 2) < 0)
      return InvalidArgument("a budget of " + std::to_string(req_.budget) +
                             " tokens is below the smallest JSON bundle for this query (" +
                             std::to_string(chrome_cost(2)) +
                             " tokens with no items); raise --budget or use markdown");
  } else {
    // The chrome (header, contents) that lets the most value in; ties go to the richer one.
    // Below a few hundred tokens the header competes with the code for the budget.
    int best = -2;
    double best_value = -1;
    int empty_chrome = -1;
    Bundle attempt;
    for (int chrome = 2; chrome >= 0; --chrome) {
      int got = fit(&attempt, chrome);
      if (got == 0 && empty_chrome < 0) empty_chrome = chrome;
      if (got == 1 && fit_value_ > best_value + 1e-9) {
        best = chrome;
        best_value = fit_value_;
        b = attempt;
      }
      if (best == 2 && req_.budget >= 400) break;
    }
    if (best < 0) {
      if (empty_chrome > 0) {
        fit(&b, empty_chrome);
      } else {
        b = proto_;  // nothing fits, not even a header: the empty bundle
        b.chrome = 0;
        build_items(&b);  // every unit is left out (fit reset them)
        b.items.clear();
        b.tokens = 0;
        b.text.clear();
      }
    }
  }
  b.search_ms = search_ms;
  b.assemble_ms = ms_since(t1);
  return b;
}

}  // namespace

Result<Bundle> assemble(Engine& engine, const AssembleRequest& req) {
  if (req.query.find_first_not_of(" \t\r\n") == std::string::npos)
    return InvalidArgument("empty query: say what the context is for");
  if (req.budget < 1) return InvalidArgument("the token budget must be at least 1");
  auto tok = shared_tokenizer(req.tokenizer);
  if (!tok.ok()) return tok.status();
  Assembler a(engine, req, **tok);
  return a.run();
}

}  // namespace pampax
