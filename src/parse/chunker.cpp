// parse_file: tree-sitter parse, one cursor walk collecting symbols / refs / doc comments, then
// symbol-following chunking. See chunker.h for the contract.
//
// Chunking, in short:
//   - every definition becomes a Symbol; "chunkable" ones (functions, methods, class-likes,
//     namespaces with a body, definitions holding such ones, and any definition of at least
//     a quarter of group_tokens) also become chunk items; their range starts at the doc comment /
//     decorators / export keyword and extends to the end of the last line (trailing `;`, `,`, and a
//     trailing comment);
//   - an item within max_chunk_tokens is one chunk; a bigger one with chunkable children is
//     split into the children (recursively) and "code" chunks for the gaps between them; a
//     bigger leaf is cut at statement boundaries (the body node's children, recursing into
//     big statements, then line starts, then inside a line as a last resort);
//   - top-level code between items is grouped into "code" chunks of up to group_tokens, cut at
//     statement boundaries;
//   - gaps that are whitespace / punctuation only ("}\n", blank lines) join the previous chunk;
//     tiny gaps (`public:`, `type ID int`) join the next chunk (the previous one at the end),
//     small gaps right below a chunk without a blank line between (`EXPORT_SYMBOL(f);`) join
//     that chunk.
#include "parse/chunker.h"

#include <tree_sitter/api.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "parse/fallback.h"
#include "parse/lang_rules.h"
#include "parse/parse_testing.h"
#include "parse/text_index.h"

namespace pampax {

using parse_internal::DefAction;
using parse_internal::DefContext;
using parse_internal::DefOut;
using parse_internal::Kind;
using parse_internal::LangSpec;
using parse_internal::NodeInfo;
using parse_internal::Role;
using parse_internal::TextIndex;

namespace {

constexpr size_t kDocCap = 4000;
constexpr size_t kNameCap = 256;             // bytes kept of one name component
constexpr size_t kQualifiedCap = 1024;       // longer parent qualified names are not extended
constexpr int kMaxChunkDepth = 48;           // deeper symbols are chunked as part of their ancestor
constexpr int kMaxCutDepth = 64;             // recursion bound when looking for statement cuts
constexpr uint32_t kScanCap = 4096;          // bound on backwards/forwards whitespace scans
constexpr uint32_t kTinyGapTokens = 8;       // smaller code gaps are merged into a neighbour
constexpr uint32_t kAttachedGapTokens = 16;  // smaller gaps glued to the chunk above join it
constexpr TSSymbol kErrorSymbol = static_cast<TSSymbol>(-1);
// Parse time budget: 2 s plus 1 s per MiB of input.
constexpr int64_t kParseBudgetMicros = 2'000'000;
constexpr int64_t kParseBudgetMicrosPerMiB = 1'000'000;
// A ".h" file parsed as C with more than this fraction of misplaced token bytes is also
// parsed as C++, and the better tree is kept.
constexpr double kRetryCppErrorFraction = 0.01;
// A tree where more than this fraction of the token bytes could not be placed in any syntax
// node (they sit directly in ERROR nodes) is not trusted.
constexpr double kMaxErrorFraction = 0.5;

struct Frame {
  TSNode node{};
  int32_t scope = -1;    // innermost symbol containing this node
  int32_t created = -1;  // symbol defined by this node
  Kind scope_kind = Kind::kNone;
  bool decl_scope = false;   // variables/constants directly inside are recorded as symbols
  bool wrapper = false;      // wraps a definition (export, decorators, template, declaration)
  bool wrapper_sig = false;  // the wrapper's text is part of the signature
  bool absorbs_specifier = false;
  bool is_error = false;  // this node is an ERROR node
  TSNode wrap_node{};     // outermost wrapper node
  uint32_t wrap_start = 0, wrap_end = 0, wrap_sig_start = 0;
  uint32_t doc_start = 0, doc_end = 0;  // wrapper's doc comment; doc_end == 0: none
  // Run of comment (and attribute) children seen last: the candidate doc comment.
  bool run = false;
  uint32_t run_start = 0, run_last_end = 0, run_doc_start = 0, run_doc_end = 0;
};

struct SymInfo {
  uint32_t start = 0, end = 0;  // chunk range: doc comment + wrapper + definition (snapped)
  uint32_t sig_start = 0;       // the signature text starts here
  TSNode hint{};                // outermost node: its descendants give statement cuts
  Kind kind = Kind::kNone;
  bool has_body = false;
  bool chunkable = false;
};

struct Cut {
  uint32_t pos;
  int depth;
};

enum class RawType : uint8_t { kCode, kWhole, kPiece };

struct Raw {
  uint32_t a, b;
  int32_t sym;  // symbol (whole/piece) or owner (code, -1 at top level)
  RawType type;
};

struct ThreadState {
  TSParser* parser = nullptr;
  TextIndex index;
  std::vector<Frame> frames;
  ThreadState() = default;
  ThreadState(const ThreadState&) = delete;
  ThreadState& operator=(const ThreadState&) = delete;
  ~ThreadState() {
    if (parser) ts_parser_delete(parser);
  }
};

thread_local int64_t t_budget_override_micros = 0;

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

struct InputPayload {
  const char* data;
  uint32_t size;
};

const char* read_input(void* payload, uint32_t byte_index, TSPoint, uint32_t* bytes_read) {
  auto* in = static_cast<InputPayload*>(payload);
  if (byte_index >= in->size) {
    *bytes_read = 0;
    return "";
  }
  *bytes_read = in->size - byte_index;
  return in->data + byte_index;
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
  bool expired = false;
};

bool parse_progress(TSParseState* state) {
  auto* d = static_cast<Deadline*>(state->payload);
  if (std::chrono::steady_clock::now() > d->at) d->expired = true;
  return d->expired;
}

bool has_high_bytes(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return true;
  }
  return false;
}

// Splits "a::b.c\\d<T>" into components, dropping template arguments and quotes.
void split_qualified(std::string_view raw, std::vector<std::string_view>* out) {
  size_t i = 0;
  while (i < raw.size()) {
    size_t j = i;
    int angle = 0;
    while (j < raw.size()) {
      char c = raw[j];
      if (angle == 0 &&
          (c == '.' || c == '\\' || (c == ':' && j + 1 < raw.size() && raw[j + 1] == ':'))) {
        break;
      }
      if (c == '<' && !(raw.substr(i, 8) == "operator")) ++angle;
      if (c == '>' && angle > 0) --angle;
      ++j;
    }
    std::string_view part = raw.substr(i, j - i);
    // Strip template arguments (but not from operator<, operator<<, ...).
    if (part.substr(0, 8) != "operator") {
      size_t lt = part.find('<');
      if (lt != std::string_view::npos && lt > 0) part = part.substr(0, lt);
    }
    while (!part.empty() && (parse_internal::is_space(static_cast<unsigned char>(part.front())) ||
                             part.front() == '"' || part.front() == '\'' || part.front() == '*' ||
                             part.front() == '&' || part.front() == '(')) {
      part.remove_prefix(1);
    }
    while (!part.empty() && (parse_internal::is_space(static_cast<unsigned char>(part.back())) ||
                             part.back() == '"' || part.back() == '\'' || part.back() == ')')) {
      part.remove_suffix(1);
    }
    if (!part.empty()) out->push_back(part);
    if (j >= raw.size()) break;
    i = j + (raw[j] == ':' ? 2 : 1);
  }
}

class Builder {
 public:
  Builder(std::string_view src, const LangSpec& spec, const TextIndex& idx,
          const ChunkOptions& options, std::vector<Frame>* frames, ParsedFile* out)
      : src_(src), spec_(spec), idx_(idx), opt_(options), frames_(*frames), out_(*out) {}

  uint64_t error_bytes() const { return error_bytes_; }
  uint64_t token_bytes() const { return token_bytes_; }

  void walk(TSNode root) {
    frames_.clear();
    Frame rf;
    rf.node = root;
    rf.decl_scope = true;
    rf.is_error = ts_node_symbol(root) == kErrorSymbol;
    frames_.push_back(rf);
    TSTreeCursor cur = ts_tree_cursor_new(root);
    if (ts_tree_cursor_goto_first_child(&cur)) {
      for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        if (visit(n, &pending_) && ts_tree_cursor_goto_first_child(&cur)) {
          frames_.push_back(pending_);
          continue;
        }
        bool done = false;
        for (;;) {
          if (ts_tree_cursor_goto_next_sibling(&cur)) break;
          if (frames_.size() <= 1 || !ts_tree_cursor_goto_parent(&cur)) {
            done = true;
            break;
          }
          frames_.pop_back();
        }
        if (done) break;
      }
    }
    ts_tree_cursor_delete(&cur);
  }

  // Builds out_.chunks from the collected symbols. Returns false if the result does not tile
  // the file (a bug; the caller falls back).
  bool chunk(TSNode root) {
    const uint32_t n = idx_.size();
    if (n == 0) return true;
    const size_t count = out_.symbols.size();
    max_tokens_ = std::max<uint32_t>(opt_.max_chunk_tokens, 16);
    group_tokens_ = std::clamp<uint32_t>(opt_.group_tokens, 8, max_tokens_);
    const uint32_t big_minor = std::max<uint32_t>(group_tokens_ / 4, 24);
    for (size_t i = 0; i < count; ++i) {
      SymInfo& si = info_[i];
      si.start = snap_start(si.start);
      si.end = extend_end(si.end);
      const bool structural =
          si.has_body && (parse_internal::is_container(si.kind) || si.kind == Kind::kFunction ||
                          si.kind == Kind::kMethod);
      si.chunkable = structural || idx_.tokens(si.start, si.end) >= big_minor;
    }
    // A definition holding chunkable ones is a container too (`const api = { get() {...} }`).
    for (size_t i = count; i-- > 0;) {
      const int32_t p = out_.symbols[i].parent;
      if (info_[i].chunkable && p >= 0) info_[p].chunkable = true;
    }
    // Chunk items: chunkable symbols under their nearest chunkable ancestor.
    kids_.assign(count, {});
    std::vector<int32_t> top;
    for (size_t i = 0; i < count; ++i) {
      if (!info_[i].chunkable) continue;
      int32_t p = out_.symbols[i].parent;
      while (p >= 0 && !info_[p].chunkable) p = out_.symbols[p].parent;
      (p >= 0 ? kids_[p] : top).push_back(static_cast<int32_t>(i));
    }
    sanitize(&top, 0, n);
    emit_region(0, n, -1, top, root, 0);
    return finish();
  }

 private:
  // --- walk ---

  bool adjacent(uint32_t prev_end, uint32_t next_start) const {
    if (next_start < prev_end || next_start - prev_end > kScanCap) return false;
    int newlines = (prev_end > 0 && src_[prev_end - 1] == '\n') ? 1 : 0;
    for (uint32_t i = prev_end; i < next_start; ++i) {
      unsigned char c = static_cast<unsigned char>(src_[i]);
      if (!parse_internal::is_space(c)) return false;
      if (c == '\n' && ++newlines > 1) return false;
    }
    return true;
  }

  // Only spaces/tabs between the start of the line and pos.
  bool starts_line(uint32_t pos) const {
    uint32_t i = pos, steps = 0;
    while (i > 0 && steps < kScanCap) {
      char c = src_[i - 1];
      if (c == '\n') return true;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
      --i;
      ++steps;
    }
    return i == 0;
  }

  void track_comment(Frame& p, uint32_t s, uint32_t e, bool is_comment) {
    if (p.run && adjacent(p.run_last_end, s)) {
      p.run_last_end = e;
      if (is_comment) {
        if (p.run_doc_end == 0) p.run_doc_start = s;
        p.run_doc_end = e;
      }
      return;
    }
    if (starts_line(s)) {
      p.run = true;
      p.run_start = s;
      p.run_last_end = e;
      p.run_doc_start = is_comment ? s : 0;
      p.run_doc_end = is_comment ? e : 0;
    } else {
      p.run = false;
    }
  }

  void add_ref(std::string_view name, TSNode n) {
    if (name.empty() || name.size() > 128) return;
    const uint32_t line = ts_node_start_point(n).row + 1;
    if (!out_.refs.empty() && out_.refs.back().line == line && out_.refs.back().name == name)
      return;
    out_.refs.push_back(Ref{std::string(name), line});
    if (has_high_bytes(name)) parse_internal::make_valid_utf8(&out_.refs.back().name);
  }

  static bool sole_child_of_type(TSNode parent, TSSymbol sym) {
    const uint32_t count = ts_node_named_child_count(parent);
    if (count > 32) return false;
    int same = 0;
    for (uint32_t i = 0; i < count; ++i) {
      if (ts_node_symbol(ts_node_named_child(parent, i)) == sym && ++same > 1) return false;
    }
    return true;
  }

  // Returns whether to descend into n; fills *f with n's frame.
  bool visit(TSNode n, Frame* f) {
    Frame& p = frames_.back();
    const TSSymbol sym = ts_node_symbol(n);
    const uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    // Syntax error measure: bytes of tokens the parser could not place in any structure
    // (leaves directly inside ERROR nodes), against all token bytes. Well-formed subtrees
    // inside an ERROR (a function after a broken #ifdef) do not count.
    if (sym == kErrorSymbol) {
      p.run = false;
      if (ts_node_child_count(n) == 0) {
        token_bytes_ += e - s;
        error_bytes_ += e - s;
        return false;
      }
      init_frame(p, n, 0, f);
      f->is_error = true;
      f->decl_scope = p.decl_scope;
      return true;
    }
    if (!ts_node_is_named(n)) {
      token_bytes_ += e - s;
      if (p.is_error) error_bytes_ += e - s;
      return false;
    }
    if (ts_node_child_count(n) == 0) {
      token_bytes_ += e - s;
      if (p.is_error) error_bytes_ += e - s;
    }
    const NodeInfo& info = spec_.info(sym);
    if (info.role == Role::kComment || info.role == Role::kDocPrefix) {
      track_comment(p, s, e, info.role == Role::kComment);
      return false;
    }
    // A comment run ending right above this node is its doc comment (whatever the node is).
    bool has_doc = false;
    uint32_t run_start = 0, doc_start = 0, doc_end = 0;
    if (p.run) {
      if (adjacent(p.run_last_end, s)) {
        has_doc = true;
        run_start = p.run_start;
        doc_start = p.run_doc_start;
        doc_end = p.run_doc_end;
      }
      p.run = false;
    }
    switch (info.role) {
      case Role::kSkip: return false;
      case Role::kTypeRef:
        if (s != last_name_start_) add_ref(parse_internal::node_text(src_, n), n);
        return false;
      case Role::kCall: add_ref(parse_internal::callee_name(spec_, src_, n, info), n); break;
      default: break;
    }
    if (info.role != Role::kDef && ts_node_child_count(n) == 0) return false;  // leaf
    init_frame(p, n, info.flags, f);
    if (info.flags & parse_internal::kWrapper) {
      make_wrapper(p, n, sym, info.flags, has_doc, run_start, doc_start, doc_end, f);
    }
    if (info.role == Role::kDef) {
      if (p.absorbs_specifier && info.rule == parse_internal::Rule::kCSpecifier) return true;
      DefContext ctx;
      ctx.src = src_;
      ctx.spec = &spec_;
      ctx.parent = p.node;
      ctx.decl_scope = p.decl_scope;
      ctx.scope_kind = p.scope_kind;
      DefOut d;
      switch (parse_internal::describe_def(ctx, n, info, &d)) {
        case DefAction::kWrapper:
          make_wrapper(p, n, sym, parse_internal::kWrapper, has_doc, run_start, doc_start, doc_end,
                       f);
          break;
        case DefAction::kDef:
          add_symbol(p, n, sym, d, has_doc, run_start, doc_start, doc_end, f);
          break;
        case DefAction::kNone: break;
      }
    }
    return true;
  }

  static void init_frame(const Frame& p, TSNode n, uint8_t flags, Frame* f) {
    *f = Frame{};
    f->node = n;
    f->scope = p.scope;
    f->scope_kind = p.scope_kind;
    f->decl_scope = (p.created >= 0 && parse_internal::is_container(p.scope_kind)) ||
                    ((flags & parse_internal::kTransparent) && p.decl_scope);
  }

  void make_wrapper(const Frame& p, TSNode n, TSSymbol sym, uint8_t flags, bool has_doc,
                    uint32_t run_start, uint32_t doc_start, uint32_t doc_end, Frame* f) const {
    const uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    f->wrapper = true;
    f->wrapper_sig = !(flags & parse_internal::kWrapperNoSig);
    f->decl_scope = f->decl_scope || p.decl_scope;
    if (p.wrapper && sole_child_of_type(p.node, sym)) {
      f->wrap_node = p.wrap_node;
      f->wrap_start = p.wrap_start;
      f->wrap_end = std::max(p.wrap_end, e);
      f->wrap_sig_start = p.wrapper_sig ? p.wrap_sig_start : s;
      f->doc_start = p.doc_start;
      f->doc_end = p.doc_end;
    } else {
      f->wrap_node = n;
      f->wrap_start = has_doc ? run_start : s;
      f->wrap_end = e;
      f->wrap_sig_start = s;
      f->doc_start = has_doc ? doc_start : 0;
      f->doc_end = has_doc ? doc_end : 0;
    }
  }

  void add_symbol(const Frame& p, TSNode n, TSSymbol sym, const DefOut& d, bool has_doc,
                  uint32_t run_start, uint32_t doc_start, uint32_t doc_end, Frame* f) {
    const uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    const bool wrapped = p.wrapper && sole_child_of_type(p.node, sym);
    SymInfo si;
    uint32_t sym_start = s;
    if (wrapped) {
      si.start = p.wrap_start;
      si.end = std::max(p.wrap_end, e);
      si.sig_start = p.wrapper_sig ? p.wrap_sig_start : s;
      si.hint = p.wrap_node;
      sym_start = ts_node_start_byte(p.wrap_node);
      doc_start = p.doc_start;
      doc_end = p.doc_end;
    } else {
      si.start = has_doc ? run_start : s;
      si.end = e;
      si.sig_start = s;
      si.hint = n;
      if (!has_doc) doc_end = 0;
    }
    // Name and qualified name.
    parts_.clear();
    split_qualified(d.qualifier, &parts_);
    const size_t qualifier_parts = parts_.size();
    split_qualified(d.name, &parts_);
    if (parts_.size() == qualifier_parts) return;  // no usable name
    Symbol out;
    out.name.assign(parts_.back().substr(0, kNameCap));
    out.parent = p.scope;
    // Pathological nesting must not make qualified names quadratic: past the cap they restart.
    if (p.scope >= 0 && out_.symbols[p.scope].qualified_name.size() < kQualifiedCap) {
      out.qualified_name = out_.symbols[p.scope].qualified_name;
    }
    Kind kind = d.kind;
    // `namespace App\Mail;` (PHP) and `namespace Example.Billing;` (C#) qualify the top-level
    // definitions after them, like the braced forms qualify their members.
    const bool file_namespace = p.scope < 0 && kind == Kind::kNamespace && !d.has_body;
    if (p.scope < 0 && !file_namespace) out.qualified_name = file_namespace_;
    for (std::string_view part : parts_) {
      if (!out.qualified_name.empty()) out.qualified_name.push_back('.');
      out.qualified_name.append(part.substr(0, kNameCap));
    }
    if (file_namespace) file_namespace_ = out.qualified_name.substr(0, kQualifiedCap);
    if (kind == Kind::kFunction) {
      if (parse_internal::is_class_like(p.scope_kind) ||
          (spec_.lang == Lang::kRuby && p.scope_kind == Kind::kModule) ||
          (spec_.lang == Lang::kCpp && parts_.size() > 1)) {
        kind = Kind::kMethod;
      }
    }
    out.kind.assign(parse_internal::kind_name(kind));
    // Signature: from the definition (or its export/template wrapper) to the body.
    uint32_t sig_end = d.sig_end;
    if (sig_end <= si.sig_start || sig_end > e) {
      if (kind == Kind::kFunction || kind == Kind::kMethod) {
        sig_end = e;
      } else {
        // First line, looked for within the definition only (long minified lines).
        const uint32_t from = std::max(si.sig_start, s);
        const uint32_t to = std::min<uint32_t>(e, from + 4096);
        const size_t nl = src_.substr(from, to - from).find('\n');
        sig_end = nl == std::string_view::npos ? to : from + static_cast<uint32_t>(nl);
      }
    }
    if (sig_end > si.sig_start) {
      out.signature = parse_internal::collapse_ws(src_.substr(si.sig_start, sig_end - si.sig_start),
                                                  kSignatureCap);
      out.sig_start = si.sig_start;
      out.sig_end = sig_end;
    }
    if (!ts_node_is_null(d.docstring)) {
      const uint32_t ds = ts_node_start_byte(d.docstring);
      out.doc = parse_internal::dedent(parse_internal::node_text(src_, d.docstring),
                                       ds - idx_.line_start_of(ds), kDocCap);
    } else if (doc_end > doc_start) {
      out.doc = parse_internal::dedent(src_.substr(doc_start, doc_end - doc_start),
                                       doc_start - idx_.line_start_of(doc_start), kDocCap);
    }
    out.start_byte = sym_start;
    out.end_byte = si.end;
    out.start_line = idx_.line_of(sym_start) + 1;
    out.end_line = idx_.line_of(si.end > sym_start ? si.end - 1 : sym_start) + 1;
    if (has_high_bytes(out.name)) parse_internal::make_valid_utf8(&out.name);
    if (has_high_bytes(out.qualified_name)) parse_internal::make_valid_utf8(&out.qualified_name);
    si.kind = kind;
    si.has_body = d.has_body;
    const int32_t index = static_cast<int32_t>(out_.symbols.size());
    out_.symbols.push_back(std::move(out));
    info_.push_back(si);
    f->created = index;
    f->scope = index;
    f->scope_kind = kind;
    f->absorbs_specifier = d.absorbs_specifier;
    last_name_start_ = d.name_start;
  }

  // --- chunking ---

  // Start of pos's line if only blanks precede pos on it, else UINT32_MAX. Scans backwards,
  // so the cost is the run of blanks, not the length of the line (minified code).
  uint32_t blank_line_start(uint32_t pos) const {
    for (uint32_t i = pos; i > 0; --i) {
      const char c = src_[i - 1];
      if (c == '\n') return i;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return UINT32_MAX;
    }
    return 0;
  }

  uint32_t snap_start(uint32_t a) const {
    const uint32_t ls = blank_line_start(a);
    return ls == UINT32_MAX ? a : ls;
  }

  // Extends an end position over the rest of its line when that holds only whitespace,
  // `;`/`,` and possibly a comment; the newline is included.
  uint32_t extend_end(uint32_t b) const {
    const uint32_t n = idx_.size();
    uint32_t p = b;
    while (p < n && p - b < kScanCap) {
      char c = src_[p];
      if (c == ' ' || c == '\t' || c == '\r' || c == ';' || c == ',') {
        ++p;
      } else {
        break;
      }
    }
    if (p >= n) return n;
    if (src_[p] == '\n') return p + 1;
    auto to_eol = [&](uint32_t from) -> uint32_t {
      size_t nl = src_.find('\n', from);
      return nl == std::string_view::npos ? n : static_cast<uint32_t>(nl + 1);
    };
    if ((spec_.slash_comments && src_.substr(p, 2) == "//") ||
        (spec_.hash_comments && src_[p] == '#' && src_.substr(p, 2) != "#[")) {
      return to_eol(p);
    }
    if (spec_.slash_comments && src_.substr(p, 2) == "/*") {
      const size_t close = src_.find("*/", p + 2);
      if (close != std::string_view::npos &&
          src_.substr(p, close - p).find('\n') == std::string_view::npos) {
        uint32_t q = static_cast<uint32_t>(close + 2);
        while (q < n && (src_[q] == ' ' || src_[q] == '\t' || src_[q] == '\r')) ++q;
        if (q >= n) return n;
        if (src_[q] == '\n') return q + 1;
      }
    }
    return b;
  }

  // Clamps items into [lo, hi) and drops any that overlap a previous one.
  void sanitize(std::vector<int32_t>* items, uint32_t lo, uint32_t hi) {
    uint32_t prev_end = lo;
    size_t w = 0;
    for (int32_t i : *items) {
      SymInfo& si = info_[i];
      uint32_t a = std::max(si.start, lo), b = std::min(si.end, hi);
      if (a >= b || a < prev_end) continue;
      si.start = a;
      si.end = b;
      prev_end = b;
      (*items)[w++] = i;
    }
    items->resize(w);
  }

  void emit_region(uint32_t a, uint32_t b, int32_t owner, const std::vector<int32_t>& items,
                   TSNode hint, int depth) {
    uint32_t pos = a;
    for (int32_t c : items) {
      if (info_[c].start > pos) emit_gap(pos, info_[c].start, owner, hint);
      emit_symbol(c, depth + 1);
      pos = info_[c].end;
    }
    if (pos < b) emit_gap(pos, b, owner, hint);
  }

  // Tokens of the header a piece of `sym` may carry (all enclosing signatures and its own).
  uint32_t header_tokens(int32_t sym) const {
    uint32_t t = 0;
    int depth = 0;
    for (int32_t s = sym; s >= 0 && depth < 16; s = out_.symbols[s].parent, ++depth) {
      t += estimate_tokens(out_.symbols[s].signature);
    }
    return t;
  }

  // Budget for the text of pieces carrying a header: the limit minus the header, but at
  // least half the limit.
  static uint32_t budget(uint32_t limit, uint32_t header) {
    return std::max(limit / 2, limit > header ? limit - header : 0);
  }

  void emit_gap(uint32_t a, uint32_t b, int32_t owner, TSNode hint) {
    const uint32_t limit = owner >= 0 ? budget(group_tokens_, header_tokens(owner)) : group_tokens_;
    if (idx_.tokens(a, b) <= limit) {
      raws_.push_back(Raw{a, b, owner, RawType::kCode});
      return;
    }
    split_range(a, b, limit, hint);
    uint32_t p = a;
    for (uint32_t q : pieces_) {
      raws_.push_back(Raw{p, q, owner, RawType::kCode});
      p = q;
    }
  }

  void emit_symbol(int32_t i, int depth) {
    SymInfo& si = info_[i];
    if (idx_.tokens(si.start, si.end) <= max_tokens_ || depth > kMaxChunkDepth) {
      raws_.push_back(Raw{si.start, si.end, i, RawType::kWhole});
      return;
    }
    std::vector<int32_t>& kids = kids_[i];
    if (!kids.empty()) {
      sanitize(&kids, si.start, si.end);
      if (!kids.empty()) {
        emit_region(si.start, si.end, i, kids, si.hint, depth);
        return;
      }
    }
    split_range(si.start, si.end, budget(max_tokens_, header_tokens(i)), si.hint);
    uint32_t p = si.start;
    for (uint32_t q : pieces_) {
      raws_.push_back(Raw{p, q, i, RawType::kPiece});
      p = q;
    }
  }

  // Candidate cut at the start of a node: the start of its line when only indentation
  // precedes it (strong), else the position itself (weak). `depth` ranks strong cuts: among
  // good enough positions the shallowest (statement level) wins.
  void add_cut(uint32_t pos, uint32_t a, uint32_t b, int depth) {
    const uint32_t ls = blank_line_start(pos);
    if (ls != UINT32_MAX) {
      if (ls > a && ls < b) strong_.push_back(Cut{ls, depth});
    } else if (pos > a && pos < b) {
      weak_.push_back(pos);
    }
  }

  void collect_cuts(TSNode node, uint32_t a, uint32_t b, uint32_t limit, int depth) {
    TSTreeCursor cur = ts_tree_cursor_new(node);
    if (ts_tree_cursor_goto_first_child_for_byte(&cur, a) >= 0) {
      do {
        TSNode c = ts_tree_cursor_current_node(&cur);
        const uint32_t cs = ts_node_start_byte(c), ce = ts_node_end_byte(c);
        if (cs >= b) break;
        if (ce <= a) continue;
        add_cut(cs, a, b, depth);
        // Descend into children big enough to matter for balanced pieces.
        const uint32_t lo = std::max(cs, a), hi = std::min(ce, b);
        if (idx_.tokens(lo, hi) > std::max<uint32_t>(limit / 4, 8) && depth < kMaxCutDepth &&
            ts_node_child_count(c) > 0) {
          collect_cuts(c, a, b, limit, depth + 1);
        }
      } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
  }

  static void sort_unique(std::vector<uint32_t>* v) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }

  // Largest element of sorted v in (lo, hi], or 0.
  static uint32_t last_in(const std::vector<uint32_t>& v, uint32_t lo, uint32_t hi) {
    auto it = std::upper_bound(v.begin(), v.end(), hi);
    if (it == v.begin()) return 0;
    --it;
    return *it > lo ? *it : 0;
  }

  // Shallowest strong cut in (lo, hi], the furthest among equals; 0 if none.
  uint32_t best_strong(uint32_t lo, uint32_t hi) const {
    auto end = std::upper_bound(strong_.begin(), strong_.end(), hi,
                                [](uint32_t v, const Cut& c) { return v < c.pos; });
    uint32_t best = 0;
    int best_depth = INT32_MAX;
    for (auto it = end; it != strong_.begin();) {
      --it;
      if (it->pos <= lo) break;
      if (it->depth < best_depth) {
        best_depth = it->depth;
        best = it->pos;
      }
    }
    return best;
  }

  // Cuts [a, b) into pieces of at most `limit` tokens where possible; pieces_ receives the
  // end of every piece (the last is b).
  void split_range(uint32_t a, uint32_t b, uint32_t limit, TSNode hint) {
    strong_.clear();
    weak_.clear();
    pieces_.clear();
    if (!ts_node_is_null(hint)) {
      add_cut(ts_node_start_byte(hint), a, b, 0);
      collect_cuts(hint, a, b, limit, 1);
    }
    std::sort(strong_.begin(), strong_.end(), [](const Cut& x, const Cut& y) {
      return x.pos != y.pos ? x.pos < y.pos : x.depth < y.depth;
    });
    strong_.erase(std::unique(strong_.begin(), strong_.end(),
                              [](const Cut& x, const Cut& y) { return x.pos == y.pos; }),
                  strong_.end());
    sort_unique(&weak_);
    uint32_t pos = a;
    while (pos < b) {
      if (idx_.tokens(pos, b) <= limit) break;
      const uint32_t reach = idx_.advance_tokens(pos, b, limit);
      const uint32_t good = idx_.advance_tokens(pos, b, limit / 2);
      // Preference: a statement boundary leaving the piece at least half full, else any line
      // start doing so, else the furthest statement boundary, line start, mid-line boundary.
      const uint32_t line_cut = idx_.line_start_of(reach);
      uint32_t q = best_strong(std::max(pos, good), reach);
      if (q == 0 && line_cut > good && line_cut > pos) q = line_cut;
      if (q == 0) q = best_strong(pos, reach);
      if (q == 0 && line_cut > pos) q = line_cut;
      if (q == 0) q = last_in(weak_, pos, reach);
      if (q == 0) {
        // One line over the limit: cut inside it.
        const uint32_t line_end = std::min(idx_.line_start(idx_.line_of(pos) + 1), b);
        q = parse_internal::next_cut_inside(idx_, pos, line_end, limit);
      }
      if (q <= pos || q > b) q = b;  // cannot happen; guarantees progress
      pieces_.push_back(q);
      pos = q;
    }
    if (pieces_.empty() || pieces_.back() != b) pieces_.push_back(b);
  }

  bool starts_with_blank_line(uint32_t a) const {
    for (uint32_t i = a; i < idx_.size() && i - a < kScanCap; ++i) {
      const char c = src_[i];
      if (c == '\n') return true;
      if (!parse_internal::is_space(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }

  bool trivial(uint32_t a, uint32_t b) const {
    for (uint32_t i = a; i < b; ++i) {
      if (parse_internal::is_word(static_cast<unsigned char>(src_[i]))) return false;
    }
    return true;
  }

  std::string header_for(int32_t sym, uint32_t start) const {
    // Enclosing signatures not contained in the chunk, outermost first.
    int32_t chain[16];
    int k = 0;
    for (int32_t s = sym; s >= 0 && k < 16; s = out_.symbols[s].parent) {
      if (info_[s].sig_start < start && !out_.symbols[s].signature.empty()) chain[k++] = s;
    }
    std::string h;
    for (int i = k - 1; i >= 0; --i) {
      if (!h.empty()) h.push_back('\n');
      h.append(out_.symbols[chain[i]].signature);
    }
    return h;
  }

  bool finish() {
    // Merge whitespace/punctuation-only gaps into the previous chunk and tiny gaps of split
    // symbols into the next one.
    std::vector<Raw> merged;
    merged.reserve(raws_.size());
    uint32_t pending = UINT32_MAX;
    for (size_t i = 0; i < raws_.size(); ++i) {
      Raw r = raws_[i];
      if (r.type == RawType::kCode) {
        const uint32_t tokens = idx_.tokens(r.a, r.b);
        const bool is_trivial = trivial(r.a, r.b);
        // Never move the gap holding its owner's own signature ("class Foo {").
        const bool movable = r.sym < 0 || info_[r.sym].sig_start < r.a;
        const bool tiny = movable && tokens < kTinyGapTokens;
        // Small code right below the previous chunk, no blank line between, belongs to it
        // (`EXPORT_SYMBOL(fn);` after a C function).
        const bool attached = movable && tokens < kAttachedGapTokens && !merged.empty() &&
                              pending == UINT32_MAX && !starts_with_blank_line(r.a);
        const bool has_next = i + 1 < raws_.size();
        if ((is_trivial || attached) && !merged.empty() && pending == UINT32_MAX) {
          merged.back().b = r.b;
          continue;
        }
        if ((is_trivial || tiny) && has_next) {
          pending = std::min(pending, r.a);
          continue;
        }
        if (tiny && !merged.empty() && pending == UINT32_MAX) {
          merged.back().b = r.b;
          continue;
        }
      }
      if (pending != UINT32_MAX) {
        r.a = pending;
        pending = UINT32_MAX;
      }
      merged.push_back(r);
    }
    // Build the chunks.
    out_.chunks.reserve(merged.size());
    uint32_t expect = 0;
    for (const Raw& r : merged) {
      if (r.a != expect || r.b <= r.a) return false;
      expect = r.b;
      Chunk c;
      if (r.sym >= 0) {
        const Symbol& s = out_.symbols[r.sym];
        c.qualified_name = s.qualified_name;
        c.signature = s.signature;
        c.doc = s.doc;
        c.symbol = r.sym;
        if (r.type == RawType::kCode) {
          c.kind = "code";
        } else {
          c.kind = s.kind;
          c.name = s.name;
        }
        if (r.type != RawType::kWhole) c.header = header_for(r.sym, r.a);
      } else {
        c.kind = "code";
      }
      parse_internal::set_chunk_range(idx_, r.a, r.b, &c);
      out_.chunks.push_back(std::move(c));
    }
    return expect == idx_.size();
  }

  std::string_view src_;
  const LangSpec& spec_;
  const TextIndex& idx_;
  const ChunkOptions& opt_;
  std::vector<Frame>& frames_;
  ParsedFile& out_;
  Frame pending_;  // frame of the node being visited, pushed if the walk descends into it
  std::vector<SymInfo> info_;
  std::vector<std::vector<int32_t>> kids_;
  std::vector<std::string_view> parts_;
  std::string file_namespace_;  // qualifier from a statement-form namespace declaration
  std::vector<Raw> raws_;
  std::vector<Cut> strong_;
  std::vector<uint32_t> weak_, pieces_;
  uint64_t error_bytes_ = 0, token_bytes_ = 0;
  uint32_t last_name_start_ = UINT32_MAX;
  uint32_t max_tokens_ = 600, group_tokens_ = 300;
};

void run_fallback(const TextIndex& idx, Lang lang, const ChunkOptions& options, ParsedFile* out,
                  std::string warning) {
  out->used_fallback = true;
  out->chunks.clear();
  out->symbols.clear();
  out->refs.clear();
  if (!warning.empty()) out->warnings.push_back(std::move(warning));
  parse_internal::fallback_chunks(idx, lang, options, &out->chunks);
}

}  // namespace

namespace parse_testing {
void set_parse_budget_micros(int64_t micros) { t_budget_override_micros = micros; }
}  // namespace parse_testing

uint32_t estimate_tokens(std::string_view text) {
  // Same model as TextIndex: one token per started 6 bytes of a word run ([A-Za-z0-9_] and
  // non-ASCII bytes), one per started 2 bytes of a punctuation run, whitespace free; at least
  // 1 for non-empty text. Close to BPE tokenizers on code (about 3.5-4.5 bytes per token).
  uint32_t t = 0, run = 0;
  uint8_t prev = 0;
  for (unsigned char c : text) {
    const uint8_t k = parse_internal::kByteClass[c];
    if (k == 0) {
      prev = 0;
      continue;
    }
    if (k != prev) {
      run = 0;
      prev = k;
    }
    if (run == 0) ++t;
    ++run;
    if (run == (k == 1 ? 6u : 2u)) run = 0;
  }
  return (t == 0 && !text.empty()) ? 1 : t;
}

namespace {

// One grammar's attempt at the file: tree + walk results.
struct Attempt {
  TSTree* tree = nullptr;
  ParsedFile out;
  std::optional<Builder> builder;
  double error_fraction = 0;
  Attempt() = default;
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;
  ~Attempt() {
    if (tree) ts_tree_delete(tree);
  }
};

// Parses and walks `content` with `spec`. Returns "" on success, else why not.
std::string attempt_parse(ThreadState& ts, std::string_view content, const LangSpec& spec,
                          const ChunkOptions& options, Attempt* at) {
  if (!ts.parser) ts.parser = ts_parser_new();
  if (!ts_parser_set_language(ts.parser, spec.ts)) return "grammar could not be loaded";
  Deadline deadline;
  const int64_t budget = t_budget_override_micros > 0
                             ? t_budget_override_micros
                             : kParseBudgetMicros + static_cast<int64_t>(content.size() >> 20) *
                                                        kParseBudgetMicrosPerMiB;
  deadline.at = std::chrono::steady_clock::now() + std::chrono::microseconds(budget);
  InputPayload payload{content.data(), static_cast<uint32_t>(content.size())};
  TSInput input{&payload, read_input, TSInputEncodingUTF8, nullptr};
  TSParseOptions popts{&deadline, parse_progress};
  at->tree = ts_parser_parse_with_options(ts.parser, nullptr, input, popts);
  if (!at->tree) {
    ts_parser_reset(ts.parser);  // else the next parse would resume this one
    return deadline.expired ? "parse timed out" : "parse failed";
  }
  const TSNode root = ts_tree_root_node(at->tree);
  at->builder.emplace(content, spec, ts.index, options, &ts.frames, &at->out);
  at->builder->walk(root);
  if (ts_node_has_error(root) && at->builder->token_bytes() > 0) {
    at->error_fraction = static_cast<double>(at->builder->error_bytes()) /
                         static_cast<double>(at->builder->token_bytes());
  }
  return "";
}

bool is_c_header(std::string_view path) {
  return path.size() >= 2 && path.substr(path.size() - 2) == ".h";
}

ParsedFile parse_impl(ThreadState& ts, std::string_view path, std::string_view content, Lang lang,
                      const ChunkOptions& options) {
  ParsedFile out;
  out.lang = lang;
  TextIndex& idx = ts.index;
  if (content.size() >= UINT32_MAX) {
    // Offsets are 32-bit; such a file cannot be indexed.
    out.used_fallback = true;
    out.warnings.push_back("file larger than 4 GiB: not chunked");
    return out;
  }
  idx.build(content);
  if (content.empty()) {
    out.used_fallback = ts_language(lang) == nullptr;
    return out;
  }
  const LangSpec* spec = parse_internal::lang_spec(lang);
  if (!spec) {
    run_fallback(idx, lang, options, &out, "");
    return out;
  }
  auto first = std::make_unique<Attempt>();
  std::string failure = attempt_parse(ts, content, *spec, options, first.get());
  if (!failure.empty()) {
    run_fallback(idx, lang, options, &out, failure + ": used line windows");
    return out;
  }
  // A ".h" file is C by default; when C does not parse it cleanly, it may be C++.
  if (lang == Lang::kC && is_c_header(path) && first->error_fraction > kRetryCppErrorFraction) {
    auto second = std::make_unique<Attempt>();
    const LangSpec* cpp = parse_internal::lang_spec(Lang::kCpp);
    if (cpp && attempt_parse(ts, content, *cpp, options, second.get()).empty() &&
        second->error_fraction < first->error_fraction) {
      first = std::move(second);
    }
  }
  Attempt& at = *first;
  if (at.error_fraction > kMaxErrorFraction) {
    run_fallback(idx, lang, options, &out,
                 "syntax errors in " + std::to_string(static_cast<int>(at.error_fraction * 100)) +
                     "% of the file: used line windows");
    return out;
  }
  if (!at.builder->chunk(ts_tree_root_node(at.tree))) {
    run_fallback(idx, lang, options, &out,
                 "internal error: chunks did not tile the file; used line windows");
    return out;
  }
  at.out.lang = lang;
  return std::move(at.out);
}

}  // namespace

ParsedFile parse_file(std::string_view path, std::string_view content, Lang lang,
                      const ChunkOptions& options) {
  ThreadState& ts = thread_state();
  ParsedFile out = parse_impl(ts, path, content, lang, options);
  ts.index.trim();  // a huge file must not pin its index buffers for the thread's lifetime
  return out;
}

}  // namespace pampax
