// Per-language node tables and definition rules. See lang_rules.h.
#include "parse/lang_rules.h"

#include <array>
#include <cstring>
#include <unordered_map>

#include "parse/text_index.h"

namespace pampax::parse_internal {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kFunction: return "function";
    case Kind::kMethod: return "method";
    case Kind::kClass: return "class";
    case Kind::kStruct: return "struct";
    case Kind::kInterface: return "interface";
    case Kind::kTrait: return "trait";
    case Kind::kEnum: return "enum";
    case Kind::kModule: return "module";
    case Kind::kNamespace: return "namespace";
    case Kind::kImpl: return "impl";
    case Kind::kType: return "type";
    case Kind::kConstant: return "constant";
    case Kind::kVariable: return "variable";
    case Kind::kMacro: return "macro";
    case Kind::kNone: break;
  }
  return "code";
}

bool is_container(Kind k) {
  switch (k) {
    case Kind::kClass:
    case Kind::kStruct:
    case Kind::kInterface:
    case Kind::kTrait:
    case Kind::kEnum:
    case Kind::kModule:
    case Kind::kNamespace:
    case Kind::kImpl: return true;
    default: return false;
  }
}

bool is_class_like(Kind k) {
  switch (k) {
    case Kind::kClass:
    case Kind::kStruct:
    case Kind::kInterface:
    case Kind::kTrait:
    case Kind::kEnum:
    case Kind::kImpl: return true;
    default: return false;
  }
}

namespace {

struct Entry {
  const char* type;
  Role role;
  Rule rule;
  Kind kind;
  uint8_t flags;
  const char* field;  // calls: field naming the callee ("" = first named child)
};

constexpr Role D = Role::kDef;
constexpr Role C = Role::kComment;
constexpr Role CALL = Role::kCall;
constexpr Role TREF = Role::kTypeRef;
constexpr Role SKIP = Role::kSkip;
constexpr Role NONE = Role::kNone;
constexpr Rule NAMED = Rule::kNamed;
constexpr Rule SCOPED = Rule::kNamedInScope;

#define E(type, role, rule, kind, flags, field) \
  Entry { type, role, rule, kind, flags, field }
#define COMMENT(type) E(type, C, NAMED, Kind::kNone, 0, "")
#define SKIPPED(type) E(type, SKIP, NAMED, Kind::kNone, 0, "")
#define DEF(type, rule, kind) E(type, D, rule, kind, 0, "")
#define DEFF(type, rule, kind, flags) E(type, D, rule, kind, flags, "")
#define FLAGS(type, flags) E(type, NONE, NAMED, Kind::kNone, flags, "")
#define CALLS(type, field) E(type, CALL, NAMED, Kind::kNone, 0, field)
#define TYPEREF(type) E(type, TREF, NAMED, Kind::kNone, 0, "")

// clang-format off
const Entry kC[] = {
    COMMENT("comment"),
    DEF("function_definition", Rule::kCFunction, Kind::kFunction),
    DEF("declaration", Rule::kCDeclaration, Kind::kVariable),
    DEF("type_definition", Rule::kCTypedef, Kind::kType),
    DEF("struct_specifier", Rule::kCSpecifier, Kind::kStruct),
    DEF("union_specifier", Rule::kCSpecifier, Kind::kStruct),
    DEF("enum_specifier", Rule::kCSpecifier, Kind::kEnum),
    DEF("preproc_def", SCOPED, Kind::kMacro),
    DEF("preproc_function_def", SCOPED, Kind::kMacro),
    FLAGS("preproc_if", kTransparent),
    FLAGS("preproc_ifdef", kTransparent),
    FLAGS("preproc_else", kTransparent),
    FLAGS("preproc_elif", kTransparent),
    FLAGS("preproc_elifdef", kTransparent),
    CALLS("call_expression", "function"),
    TYPEREF("type_identifier"),
    SKIPPED("string_literal"),
    SKIPPED("char_literal"),
    SKIPPED("system_lib_string"),
};

const Entry kCpp[] = {
    COMMENT("comment"),
    DEF("function_definition", Rule::kCFunction, Kind::kFunction),
    DEF("declaration", Rule::kCDeclaration, Kind::kVariable),
    DEF("type_definition", Rule::kCTypedef, Kind::kType),
    DEF("struct_specifier", Rule::kCSpecifier, Kind::kStruct),
    DEF("union_specifier", Rule::kCSpecifier, Kind::kStruct),
    DEF("enum_specifier", Rule::kCSpecifier, Kind::kEnum),
    DEF("class_specifier", Rule::kCSpecifier, Kind::kClass),
    DEF("namespace_definition", Rule::kCppNamespace, Kind::kNamespace),
    DEF("alias_declaration", SCOPED, Kind::kType),
    DEF("concept_definition", SCOPED, Kind::kType),
    DEF("preproc_def", SCOPED, Kind::kMacro),
    DEF("preproc_function_def", SCOPED, Kind::kMacro),
    FLAGS("template_declaration", kWrapper),
    FLAGS("preproc_if", kTransparent),
    FLAGS("preproc_ifdef", kTransparent),
    FLAGS("preproc_else", kTransparent),
    FLAGS("preproc_elif", kTransparent),
    FLAGS("preproc_elifdef", kTransparent),
    FLAGS("linkage_specification", kTransparent),
    FLAGS("declaration_list", kTransparent),
    FLAGS("lambda_expression", kFuncValue),
    CALLS("call_expression", "function"),
    CALLS("new_expression", "type"),
    TYPEREF("type_identifier"),
    SKIPPED("string_literal"),
    SKIPPED("raw_string_literal"),
    SKIPPED("char_literal"),
    SKIPPED("system_lib_string"),
};

const Entry kPython[] = {
    COMMENT("comment"),
    DEFF("function_definition", NAMED, Kind::kFunction, kDocstring),
    DEFF("class_definition", NAMED, Kind::kClass, kDocstring),
    DEF("expression_statement", Rule::kPyAssign, Kind::kVariable),
    E("decorated_definition", NONE, NAMED, Kind::kNone, kWrapper | kWrapperNoSig, ""),
    FLAGS("lambda", kFuncValue),
    CALLS("call", "function"),
    SKIPPED("string"),
    SKIPPED("concatenated_string"),
};

// Shared by JavaScript, TypeScript and TSX (node types a grammar lacks are ignored).
const Entry kJs[] = {
    COMMENT("comment"),
    DEF("function_declaration", NAMED, Kind::kFunction),
    DEF("generator_function_declaration", NAMED, Kind::kFunction),
    DEF("function_signature", NAMED, Kind::kFunction),
    DEF("class_declaration", NAMED, Kind::kClass),
    DEF("abstract_class_declaration", NAMED, Kind::kClass),
    DEF("method_definition", NAMED, Kind::kMethod),
    DEF("method_signature", NAMED, Kind::kMethod),
    DEF("abstract_method_signature", NAMED, Kind::kMethod),
    DEF("interface_declaration", NAMED, Kind::kInterface),
    DEF("type_alias_declaration", NAMED, Kind::kType),
    DEF("enum_declaration", NAMED, Kind::kEnum),
    DEF("internal_module", NAMED, Kind::kNamespace),
    DEF("module", NAMED, Kind::kModule),
    DEF("variable_declarator", Rule::kJsDeclarator, Kind::kVariable),
    DEF("assignment_expression", Rule::kJsAssign, Kind::kFunction),
    DEF("field_definition", Rule::kJsField, Kind::kMethod),
    DEF("public_field_definition", Rule::kJsField, Kind::kMethod),
    FLAGS("export_statement", kWrapper),
    FLAGS("lexical_declaration", kWrapper),
    FLAGS("variable_declaration", kWrapper),
    FLAGS("expression_statement", kWrapper),
    FLAGS("ambient_declaration", kWrapper),
    FLAGS("arrow_function", kFuncValue),
    FLAGS("function_expression", kFuncValue),
    FLAGS("function", kFuncValue),
    FLAGS("generator_function", kFuncValue),
    CALLS("call_expression", "function"),
    CALLS("new_expression", "constructor"),
    E("jsx_opening_element", CALL, NAMED, Kind::kNone, kUpperOnly, "name"),
    E("jsx_self_closing_element", CALL, NAMED, Kind::kNone, kUpperOnly, "name"),
    TYPEREF("type_identifier"),
    SKIPPED("string"),
    SKIPPED("regex"),
};

const Entry kGo[] = {
    COMMENT("comment"),
    DEF("function_declaration", NAMED, Kind::kFunction),
    DEF("method_declaration", Rule::kGoMethod, Kind::kMethod),
    DEF("type_spec", Rule::kGoTypeSpec, Kind::kType),
    DEF("type_alias", NAMED, Kind::kType),
    DEF("const_spec", SCOPED, Kind::kConstant),
    DEF("var_spec", SCOPED, Kind::kVariable),
    FLAGS("type_declaration", kWrapper),
    FLAGS("const_declaration", kWrapper),
    FLAGS("var_declaration", kWrapper),
    FLAGS("func_literal", kFuncValue),
    CALLS("call_expression", "function"),
    TYPEREF("type_identifier"),
    SKIPPED("interpreted_string_literal"),
    SKIPPED("raw_string_literal"),
};

const Entry kRust[] = {
    COMMENT("line_comment"),
    COMMENT("block_comment"),
    E("attribute_item", Role::kDocPrefix, NAMED, Kind::kNone, 0, ""),
    DEF("function_item", NAMED, Kind::kFunction),
    DEF("function_signature_item", NAMED, Kind::kFunction),
    DEF("struct_item", NAMED, Kind::kStruct),
    DEF("union_item", NAMED, Kind::kStruct),
    DEF("enum_item", NAMED, Kind::kEnum),
    DEF("trait_item", NAMED, Kind::kTrait),
    DEF("impl_item", Rule::kRustImpl, Kind::kImpl),
    DEF("mod_item", NAMED, Kind::kModule),
    DEF("macro_definition", NAMED, Kind::kMacro),
    DEF("type_item", NAMED, Kind::kType),
    DEF("const_item", SCOPED, Kind::kConstant),
    DEF("static_item", SCOPED, Kind::kConstant),
    FLAGS("declaration_list", kTransparent),
    FLAGS("closure_expression", kFuncValue),
    CALLS("call_expression", "function"),
    CALLS("macro_invocation", "macro"),
    TYPEREF("type_identifier"),
    SKIPPED("string_literal"),
    SKIPPED("raw_string_literal"),
    SKIPPED("char_literal"),
};

const Entry kJava[] = {
    COMMENT("line_comment"),
    COMMENT("block_comment"),
    DEF("class_declaration", NAMED, Kind::kClass),
    DEF("interface_declaration", NAMED, Kind::kInterface),
    DEF("enum_declaration", NAMED, Kind::kEnum),
    DEF("record_declaration", NAMED, Kind::kClass),
    DEF("annotation_type_declaration", NAMED, Kind::kInterface),
    DEF("method_declaration", NAMED, Kind::kMethod),
    DEF("constructor_declaration", NAMED, Kind::kMethod),
    FLAGS("lambda_expression", kFuncValue),
    CALLS("method_invocation", "name"),
    CALLS("object_creation_expression", "type"),
    TYPEREF("type_identifier"),
    SKIPPED("string_literal"),
    SKIPPED("character_literal"),
};

const Entry kCSharp[] = {
    COMMENT("comment"),
    DEF("namespace_declaration", NAMED, Kind::kNamespace),
    DEF("file_scoped_namespace_declaration", NAMED, Kind::kNamespace),
    DEF("class_declaration", NAMED, Kind::kClass),
    DEF("struct_declaration", NAMED, Kind::kStruct),
    DEF("interface_declaration", NAMED, Kind::kInterface),
    DEF("enum_declaration", NAMED, Kind::kEnum),
    DEF("record_declaration", NAMED, Kind::kClass),
    DEF("record_struct_declaration", NAMED, Kind::kStruct),
    DEF("delegate_declaration", NAMED, Kind::kType),
    DEF("method_declaration", NAMED, Kind::kMethod),
    DEF("constructor_declaration", NAMED, Kind::kMethod),
    DEF("destructor_declaration", NAMED, Kind::kMethod),
    DEF("local_function_statement", NAMED, Kind::kFunction),
    FLAGS("declaration_list", kTransparent),
    FLAGS("lambda_expression", kFuncValue),
    CALLS("invocation_expression", "function"),
    CALLS("object_creation_expression", "type"),
    SKIPPED("string_literal"),
    SKIPPED("verbatim_string_literal"),
    SKIPPED("raw_string_literal"),
    SKIPPED("character_literal"),
};

const Entry kRuby[] = {
    COMMENT("comment"),
    DEF("module", NAMED, Kind::kModule),
    DEF("class", NAMED, Kind::kClass),
    DEF("method", NAMED, Kind::kFunction),
    DEF("singleton_method", NAMED, Kind::kMethod),
    DEF("assignment", Rule::kRubyConst, Kind::kConstant),
    FLAGS("lambda", kFuncValue),
    CALLS("call", "method"),
    SKIPPED("string"),
};

const Entry kPhp[] = {
    COMMENT("comment"),
    DEF("namespace_definition", NAMED, Kind::kNamespace),
    DEF("class_declaration", NAMED, Kind::kClass),
    DEF("interface_declaration", NAMED, Kind::kInterface),
    DEF("trait_declaration", NAMED, Kind::kTrait),
    DEF("enum_declaration", NAMED, Kind::kEnum),
    DEF("function_definition", NAMED, Kind::kFunction),
    DEF("method_declaration", NAMED, Kind::kMethod),
    DEF("const_element", Rule::kPhpConst, Kind::kConstant),
    FLAGS("const_declaration", kWrapper),
    FLAGS("anonymous_function", kFuncValue),
    FLAGS("arrow_function", kFuncValue),
    CALLS("function_call_expression", "function"),
    CALLS("member_call_expression", "name"),
    CALLS("nullsafe_member_call_expression", "name"),
    CALLS("scoped_call_expression", "name"),
    CALLS("object_creation_expression", ""),
    SKIPPED("string"),
    SKIPPED("text"),
};

const Entry kBash[] = {
    COMMENT("comment"),
    DEF("function_definition", NAMED, Kind::kFunction),
    DEF("variable_assignment", Rule::kBashVar, Kind::kVariable),
    FLAGS("declaration_command", kWrapper),
    CALLS("command", "name"),
};

// clang-format on

#undef E
#undef COMMENT
#undef SKIPPED
#undef DEF
#undef DEFF
#undef FLAGS
#undef CALLS
#undef TYPEREF

template <size_t N>
std::vector<Entry> entries(const Entry (&arr)[N]) {
  return std::vector<Entry>(arr, arr + N);
}

std::vector<TSSymbol> symbols_named(const TSLanguage* ts,
                                    std::initializer_list<const char*> names) {
  std::vector<TSSymbol> out;
  const uint32_t count = ts_language_symbol_count(ts);
  for (uint32_t s = 0; s < count; ++s) {
    if (ts_language_symbol_type(ts, static_cast<TSSymbol>(s)) != TSSymbolTypeRegular) continue;
    const char* n = ts_language_symbol_name(ts, static_cast<TSSymbol>(s));
    for (const char* want : names) {
      if (std::strcmp(n, want) == 0) out.push_back(static_cast<TSSymbol>(s));
    }
  }
  return out;
}

TSFieldId field_id(const TSLanguage* ts, const char* name) {
  return ts_language_field_id_for_name(ts, name, static_cast<uint32_t>(std::strlen(name)));
}

LangSpec* build_spec(Lang lang) {
  const TSLanguage* ts = ts_language(lang);
  if (!ts) return nullptr;
  std::vector<Entry> table;
  switch (lang) {
    case Lang::kC: table = entries(kC); break;
    case Lang::kCpp: table = entries(kCpp); break;
    case Lang::kPython: table = entries(kPython); break;
    case Lang::kJavaScript:
    case Lang::kTypeScript:
    case Lang::kTsx: table = entries(kJs); break;
    case Lang::kGo: table = entries(kGo); break;
    case Lang::kRust: table = entries(kRust); break;
    case Lang::kJava: table = entries(kJava); break;
    case Lang::kCSharp: table = entries(kCSharp); break;
    case Lang::kRuby: table = entries(kRuby); break;
    case Lang::kPhp: table = entries(kPhp); break;
    case Lang::kBash: table = entries(kBash); break;
    default: return nullptr;
  }
  auto* spec = new LangSpec();
  spec->lang = lang;
  spec->ts = ts;
  const uint32_t count = ts_language_symbol_count(ts);
  spec->nodes.assign(count, NodeInfo{});
  std::unordered_map<std::string_view, const Entry*> by_name;
  for (const Entry& e : table) by_name[e.type] = &e;
  for (uint32_t s = 0; s < count; ++s) {
    if (ts_language_symbol_type(ts, static_cast<TSSymbol>(s)) != TSSymbolTypeRegular) continue;
    auto it = by_name.find(ts_language_symbol_name(ts, static_cast<TSSymbol>(s)));
    if (it == by_name.end()) continue;
    const Entry& e = *it->second;
    NodeInfo& ni = spec->nodes[s];
    ni.role = e.role;
    ni.rule = e.rule;
    ni.kind = e.kind;
    ni.flags = e.flags;
    ni.field = (e.field && *e.field) ? field_id(ts, e.field) : 0;
  }
  spec->f.name = field_id(ts, "name");
  spec->f.body = field_id(ts, "body");
  spec->f.declarator = field_id(ts, "declarator");
  spec->f.type = field_id(ts, "type");
  spec->f.value = field_id(ts, "value");
  spec->f.left = field_id(ts, "left");
  spec->f.right = field_id(ts, "right");
  spec->f.receiver = field_id(ts, "receiver");
  spec->f.trait = field_id(ts, "trait");
  spec->function_declarator = symbols_named(ts, {"function_declarator"});
  spec->struct_like = symbols_named(
      ts, {"struct_specifier", "union_specifier", "enum_specifier", "class_specifier"});
  spec->identifier_like =
      symbols_named(ts, {"identifier", "field_identifier", "type_identifier",
                         "qualified_identifier", "destructor_name", "operator_name",
                         "template_function", "primitive_type", "operator_cast", "template_type"});
  spec->const_qualifier = symbols_named(ts, {"type_qualifier"});
  switch (lang) {
    case Lang::kPython:
    case Lang::kRuby:
    case Lang::kBash: spec->hash_comments = true; break;
    case Lang::kPhp:
      spec->hash_comments = true;
      spec->slash_comments = true;
      break;
    default: spec->slash_comments = true;
  }
  return spec;
}

// --- small node helpers ---

TSNode field(TSNode n, TSFieldId f) { return f ? ts_node_child_by_field_id(n, f) : TSNode{}; }
bool is_null(TSNode n) { return ts_node_is_null(n); }
bool type_is(TSNode n, const char* type) { return std::strcmp(ts_node_type(n), type) == 0; }

TSNode first_named_of_type(TSNode n, const char* type) {
  const uint32_t count = ts_node_named_child_count(n);
  for (uint32_t i = 0; i < count && i < 64; ++i) {
    TSNode c = ts_node_named_child(n, i);
    if (type_is(c, type)) return c;
  }
  return TSNode{};
}

TSNode first_anon_child(TSNode n, const char* type) {
  const uint32_t count = ts_node_child_count(n);
  for (uint32_t i = 0; i < count && i < 64; ++i) {
    TSNode c = ts_node_child(n, i);
    if (!ts_node_is_named(c) && type_is(c, type)) return c;
  }
  return TSNode{};
}

void set_name(DefOut* out, std::string_view src, TSNode name) {
  out->name = node_text(src, name);
  out->name_start = ts_node_start_byte(name);
}

void set_body(DefOut* out, TSNode body) {
  if (is_null(body)) return;
  out->has_body = true;
  out->sig_end = ts_node_start_byte(body);
}

// C/C++ words that never name a function: a definition "named" so is a misparse (an
// attribute macro before the name gives "void" for "T __init f(void)", error recovery gives "if").
bool c_reserved_word(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "auto",   "bool",   "break",  "case",     "char",   "const",  "continue", "default",
      "do",     "double", "else",   "enum",     "extern", "float",  "for",      "goto",
      "if",     "int",    "long",   "register", "return", "short",  "signed",   "sizeof",
      "static", "struct", "switch", "typedef",  "union",  "unsigned", "void",   "volatile",
      "while"};
  for (std::string_view k : kWords)
    if (w == k) return true;
  return false;
}

// C/C++: follows the declarator chain down to the declared name. *is_function is set when the
// name is directly declared by a function_declarator (a function, not a function pointer).
TSNode c_declared_name(const LangSpec& s, TSNode d, bool* is_function) {
  bool direct_fn = false;
  for (int depth = 0; depth < 24 && !is_null(d); ++depth) {
    const TSSymbol sym = ts_node_symbol(d);
    if (s.is(sym, s.identifier_like)) {
      *is_function = direct_fn;
      return d;
    }
    direct_fn = s.is(sym, s.function_declarator);
    TSNode next = field(d, s.f.declarator);
    if (is_null(next)) {
      if (ts_node_named_child_count(d) == 0) return TSNode{};
      next = ts_node_named_child(d, 0);
    }
    d = next;
  }
  return TSNode{};
}

bool has_const_qualifier(const LangSpec& s, std::string_view src, TSNode n) {
  const uint32_t count = ts_node_named_child_count(n);
  for (uint32_t i = 0; i < count && i < 16; ++i) {
    TSNode c = ts_node_named_child(n, i);
    if (s.is(ts_node_symbol(c), s.const_qualifier) && node_text(src, c) == "constexpr") return true;
    if (s.is(ts_node_symbol(c), s.const_qualifier) && node_text(src, c) == "const") return true;
  }
  return false;
}

bool all_caps(std::string_view name) {
  bool letter = false;
  for (char c : name) {
    if (c >= 'a' && c <= 'z') return false;
    if (c >= 'A' && c <= 'Z') letter = true;
  }
  return letter;
}

DefAction named_rule(const DefContext& ctx, TSNode node, const NodeInfo& info, DefOut* out) {
  const LangSpec& s = *ctx.spec;
  TSNode name = field(node, s.f.name);
  if (is_null(name)) return DefAction::kNone;
  set_name(out, ctx.src, name);
  if (out->name.empty()) return DefAction::kNone;
  out->kind = info.kind;
  set_body(out, field(node, s.f.body));
  if (info.flags & kDocstring) {
    TSNode body = field(node, s.f.body);
    if (!is_null(body) && ts_node_named_child_count(body) > 0) {
      TSNode first = ts_node_named_child(body, 0);
      if (type_is(first, "expression_statement") && ts_node_named_child_count(first) > 0) {
        TSNode str = ts_node_named_child(first, 0);
        if (type_is(str, "string")) out->docstring = str;
      }
    }
  }
  return DefAction::kDef;
}

}  // namespace

const LangSpec* lang_spec(Lang lang) {
  static const std::array<LangSpec*, static_cast<size_t>(Lang::kCount)> specs = [] {
    std::array<LangSpec*, static_cast<size_t>(Lang::kCount)> a{};
    for (size_t i = 0; i < a.size(); ++i) a[i] = build_spec(static_cast<Lang>(i));
    return a;
  }();
  size_t i = static_cast<size_t>(lang);
  return i < specs.size() ? specs[i] : nullptr;
}

DefAction describe_def(const DefContext& ctx, TSNode node, const NodeInfo& info, DefOut* out) {
  const LangSpec& s = *ctx.spec;
  const std::string_view src = ctx.src;
  switch (info.rule) {
    case Rule::kNamed: return named_rule(ctx, node, info, out);

    case Rule::kNamedInScope:
      if (!ctx.decl_scope) return DefAction::kNone;
      return named_rule(ctx, node, info, out);

    case Rule::kCFunction: {
      bool fn = false;
      TSNode name = c_declared_name(s, field(node, s.f.declarator), &fn);
      if (is_null(name)) return DefAction::kNone;
      if (!fn && node_text(src, name) == "void") {
        // "T __init f(void) {": an attribute macro ends a declaration "T __init" early, and
        // the rest parses as a definition of type "f" declaring "(void)". f is the name.
        TSNode type = field(node, s.f.type);
        if (is_null(type) || !type_is(type, "type_identifier")) return DefAction::kNone;
        name = type;
        fn = true;
      }
      if (c_reserved_word(node_text(src, name))) return DefAction::kNone;
      // Inside a function, a "definition" without a parameter list is a loop macro with a
      // body: "for_each_entity(se) { ... }" parses as a function "se" (~2,400 in the kernel).
      // At file scope the same shape is usually a macro-made function, "SYSCALL_DEFINE0(name)".
      if (!fn && (ctx.scope_kind == Kind::kFunction || ctx.scope_kind == Kind::kMethod))
        return DefAction::kNone;
      set_name(out, src, name);
      out->kind = Kind::kFunction;
      set_body(out, field(node, s.f.body));
      return DefAction::kDef;
    }

    case Rule::kCDeclaration: {
      // Local declarations are not symbols (a struct defined in one still is, on its own);
      // nor are declarations the parser had to repair (macros it took for types).
      if (!ctx.decl_scope || ts_node_has_error(node)) return DefAction::kNone;
      TSNode type = field(node, s.f.type);
      if (!is_null(type) && s.is(ts_node_symbol(type), s.struct_like) &&
          !is_null(field(type, s.f.body))) {
        return DefAction::kWrapper;
      }
      bool fn = false;
      TSNode name = c_declared_name(s, field(node, s.f.declarator), &fn);
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = fn ? Kind::kFunction
                     : (has_const_qualifier(s, src, node) ? Kind::kConstant : Kind::kVariable);
      return DefAction::kDef;
    }

    case Rule::kCTypedef: {
      bool fn = false;
      TSNode name = c_declared_name(s, field(node, s.f.declarator), &fn);
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      TSNode type = field(node, s.f.type);
      TSNode body = is_null(type) ? TSNode{} : field(type, s.f.body);
      if (!is_null(body) && s.is(ts_node_symbol(type), s.struct_like)) {
        out->kind = s.info(ts_node_symbol(type)).kind;
        if (out->kind == Kind::kNone) out->kind = Kind::kStruct;
        set_body(out, body);
        out->absorbs_specifier = true;
      } else {
        out->kind = Kind::kType;
      }
      return DefAction::kDef;
    }

    case Rule::kCSpecifier: {
      TSNode name = field(node, s.f.name);
      TSNode body = field(node, s.f.body);
      if (is_null(name) || is_null(body)) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = info.kind;
      set_body(out, body);
      return DefAction::kDef;
    }

    case Rule::kCppNamespace: {
      TSNode name = field(node, s.f.name);
      if (is_null(name)) return DefAction::kNone;  // anonymous: a plain container
      set_name(out, src, name);
      out->kind = Kind::kNamespace;
      set_body(out, field(node, s.f.body));
      return DefAction::kDef;
    }

    case Rule::kGoMethod: {
      TSNode name = field(node, s.f.name);
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = Kind::kMethod;
      set_body(out, field(node, s.f.body));
      TSNode recv = field(node, s.f.receiver);
      if (!is_null(recv) && ts_node_named_child_count(recv) > 0) {
        TSNode param = ts_node_named_child(recv, 0);
        TSNode t = field(param, s.f.type);
        for (int i = 0; i < 4 && !is_null(t) && !type_is(t, "type_identifier"); ++i) {
          TSNode inner = field(t, s.f.type);  // generic_type
          t = is_null(inner) ? (ts_node_named_child_count(t) ? ts_node_named_child(t, 0) : TSNode{})
                             : inner;
        }
        if (!is_null(t)) out->qualifier = node_text(src, t);
      }
      return DefAction::kDef;
    }

    case Rule::kGoTypeSpec: {
      TSNode name = field(node, s.f.name);
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      TSNode type = field(node, s.f.type);
      out->kind = Kind::kType;
      if (!is_null(type)) {
        if (type_is(type, "struct_type")) {
          out->kind = Kind::kStruct;
          TSNode brace = first_named_of_type(type, "field_declaration_list");
          if (!is_null(brace)) set_body(out, brace);
        } else if (type_is(type, "interface_type")) {
          out->kind = Kind::kInterface;
          TSNode brace = first_anon_child(type, "{");
          if (!is_null(brace)) set_body(out, brace);
        }
      }
      return DefAction::kDef;
    }

    case Rule::kRustImpl: {
      TSNode type = field(node, s.f.type);
      if (is_null(type)) return DefAction::kNone;
      // `impl<T> Trait for Vec<T>` is named after `Vec`.
      for (int i = 0; i < 4 && type_is(type, "generic_type"); ++i) {
        TSNode inner = field(type, s.f.type);
        if (is_null(inner)) break;
        type = inner;
      }
      set_name(out, src, type);
      out->kind = Kind::kImpl;
      set_body(out, field(node, s.f.body));
      return DefAction::kDef;
    }

    case Rule::kJsDeclarator: {
      TSNode name = field(node, s.f.name);
      if (is_null(name) || ts_node_named_child_count(name) != 0) return DefAction::kNone;
      TSNode value = field(node, s.f.value);
      if (!is_null(value) && (s.info(ts_node_symbol(value)).flags & kFuncValue)) {
        set_name(out, src, name);
        out->kind = Kind::kFunction;
        TSNode body = field(value, s.f.body);
        set_body(out, body);
        if (is_null(body)) out->has_body = true;
        return DefAction::kDef;
      }
      if (!is_null(value) && type_is(value, "class")) {
        set_name(out, src, name);
        out->kind = Kind::kClass;
        set_body(out, field(value, s.f.body));
        return DefAction::kDef;
      }
      if (!ctx.decl_scope) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = Kind::kVariable;
      if (!is_null(ctx.parent) && ts_node_child_count(ctx.parent) > 0) {
        TSNode kw = ts_node_child(ctx.parent, 0);
        if (type_is(kw, "const")) out->kind = Kind::kConstant;
      }
      return DefAction::kDef;
    }

    case Rule::kJsAssign: {
      if (is_null(ctx.parent) || !type_is(ctx.parent, "expression_statement")) {
        return DefAction::kNone;
      }
      TSNode right = field(node, s.f.right);
      if (is_null(right) || !(s.info(ts_node_symbol(right)).flags & kFuncValue)) {
        return DefAction::kNone;
      }
      TSNode left = field(node, s.f.left);
      if (is_null(left)) return DefAction::kNone;
      if (type_is(left, "member_expression")) {
        TSNode prop = ts_node_child_by_field_name(left, "property", 8);
        TSNode obj = ts_node_child_by_field_name(left, "object", 6);
        if (is_null(prop)) return DefAction::kNone;
        set_name(out, src, prop);
        if (!is_null(obj)) {
          std::string_view q = node_text(src, obj);
          constexpr std::string_view kProto = ".prototype";
          if (q.size() > kProto.size() && q.substr(q.size() - kProto.size()) == kProto) {
            q.remove_suffix(kProto.size());
          }
          bool plain = !q.empty();
          for (char c : q) {
            if (!(is_word(static_cast<unsigned char>(c)) || c == '.' || c == '$')) plain = false;
          }
          if (plain && q != "module" && q != "exports" && q != "this" && q != "module.exports" &&
              q != "window") {
            out->qualifier = q;
          }
        }
      } else if (type_is(left, "identifier")) {
        set_name(out, src, left);
      } else {
        return DefAction::kNone;
      }
      out->kind = Kind::kFunction;
      TSNode body = field(right, s.f.body);
      set_body(out, body);
      out->has_body = true;
      return DefAction::kDef;
    }

    case Rule::kJsField: {
      TSNode value = field(node, s.f.value);
      if (is_null(value) || !(s.info(ts_node_symbol(value)).flags & kFuncValue)) {
        return DefAction::kNone;
      }
      TSNode name = field(node, s.f.name);
      if (is_null(name)) name = ts_node_child_by_field_name(node, "property", 8);
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = Kind::kMethod;
      set_body(out, field(value, s.f.body));
      out->has_body = true;
      return DefAction::kDef;
    }

    case Rule::kPyAssign: {
      if (!ctx.decl_scope || ts_node_named_child_count(node) == 0) return DefAction::kNone;
      TSNode a = ts_node_named_child(node, 0);
      if (!type_is(a, "assignment")) return DefAction::kNone;
      TSNode left = field(a, s.f.left);
      if (is_null(left) || !type_is(left, "identifier")) return DefAction::kNone;
      set_name(out, src, left);
      out->kind = all_caps(out->name) ? Kind::kConstant : Kind::kVariable;
      return DefAction::kDef;
    }

    case Rule::kRubyConst: {
      if (!ctx.decl_scope) return DefAction::kNone;
      TSNode left = field(node, s.f.left);
      if (is_null(left) || !type_is(left, "constant")) return DefAction::kNone;
      set_name(out, src, left);
      out->kind = Kind::kConstant;
      return DefAction::kDef;
    }

    case Rule::kPhpConst: {
      TSNode name = first_named_of_type(node, "name");
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = Kind::kConstant;
      return DefAction::kDef;
    }

    case Rule::kBashVar: {
      if (!ctx.decl_scope) return DefAction::kNone;
      TSNode name = field(node, s.f.name);
      if (is_null(name)) return DefAction::kNone;
      set_name(out, src, name);
      out->kind = Kind::kVariable;
      return DefAction::kDef;
    }
  }
  return DefAction::kNone;
}

std::string_view callee_name(const LangSpec& spec, std::string_view src, TSNode call,
                             const NodeInfo& info) {
  TSNode target;
  if (info.field) {
    target = ts_node_child_by_field_id(call, info.field);
  } else if (ts_node_named_child_count(call) > 0) {
    target = ts_node_named_child(call, 0);
  }
  if (ts_node_is_null(target)) return {};
  std::string_view t = node_text(src, target);
  if (t.size() > 512) t = t.substr(t.size() - 512);
  if (spec.lang == Lang::kBash) {
    size_t slash = t.find_last_of('/');
    if (slash != std::string_view::npos) t.remove_prefix(slash + 1);
    if (t.empty() || t.size() > 64) return {};
    for (char c : t) {
      if (!(is_word(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':')) return {};
    }
    return t;
  }
  size_t i = t.size();
  auto skip_space = [&] {
    while (i > 0 && is_space(static_cast<unsigned char>(t[i - 1]))) --i;
  };
  skip_space();
  if (i > 0 && (t[i - 1] == '!' || t[i - 1] == '?')) --i;
  // Drop trailing argument-like groups: foo<int>, foo(), a[0]... (bounded work).
  for (int groups = 0; groups < 4 && i > 0; ++groups) {
    char close = t[i - 1];
    char open = close == ')' ? '(' : close == ']' ? '[' : close == '>' ? '<' : 0;
    if (!open) break;
    int depth = 0;
    size_t j = i;
    while (j > 0) {
      char c = t[j - 1];
      if (c == close) ++depth;
      if (c == open && --depth == 0) break;
      --j;
    }
    if (j == 0) return {};
    i = j - 1;
    skip_space();
  }
  size_t end = i;
  while (i > 0 && (is_word(static_cast<unsigned char>(t[i - 1])) || t[i - 1] == '$')) --i;
  std::string_view name = t.substr(i, end - i);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return {};
  if (spec.lang == Lang::kPhp && name.find('$') != std::string_view::npos) return {};
  if ((info.flags & kUpperOnly) && !(name[0] >= 'A' && name[0] <= 'Z')) return {};
  return name;
}

}  // namespace pampax::parse_internal
