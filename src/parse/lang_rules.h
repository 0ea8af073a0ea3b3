// Internal to src/parse: per-language node-type tables (which tree-sitter node types define
// symbols, are comments, calls or type references) and the small per-language routines that
// read a definition's name, kind and body. Derived from the grammars' queries/tags.scm, but
// embedded as tables so the chunker needs one cursor walk and no query engine.
#pragma once
#include <tree_sitter/api.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/language.h"

namespace pampax::parse_internal {

enum class Kind : uint8_t {
  kNone,
  kFunction,
  kMethod,
  kClass,
  kStruct,
  kInterface,
  kTrait,
  kEnum,
  kModule,
  kNamespace,
  kImpl,
  kType,
  kConstant,
  kVariable,
  kMacro,
};
std::string_view kind_name(Kind k);
// Kinds that hold other definitions (class-like and namespace-like).
bool is_container(Kind k);
// Kinds whose members are methods.
bool is_class_like(Kind k);

enum class Role : uint8_t {
  kNone,
  kDef,        // may define a symbol (the rule decides)
  kComment,    // comment: candidate doc comment of the next definition
  kDocPrefix,  // attribute line (Rust #[...]) that may sit between a doc comment and its item
  kCall,       // call-like node: a Ref to the callee's name
  kTypeRef,    // leaf naming a type: a Ref
  kSkip,       // do not descend (string literals and the like)
};

// How a definition's name/kind/body are read.
enum class Rule : uint8_t {
  kNamed,         // `name` field; anywhere
  kNamedInScope,  // `name` field; only in declaration scope (file, class, namespace body)
  kCFunction,     // C/C++ function_definition: name from the declarator chain
  kCDeclaration,  // C/C++ declaration: prototype or global variable; wrapper for struct defs
  kCTypedef,      // C/C++ type_definition
  kCSpecifier,    // C/C++ struct/union/enum/class specifier with a body
  kCppNamespace,  // C++ namespace_definition (anonymous ones are not symbols)
  kGoMethod,      // Go method_declaration: qualified by receiver type
  kGoTypeSpec,    // Go type_spec: struct / interface / type
  kRustImpl,      // Rust impl_item: named after the implementing type
  kJsDeclarator,  // JS/TS variable_declarator: function if the value is a function
  kJsAssign,      // JS assignment `a.b = function () {}` as a statement
  kJsField,       // JS/TS class field holding a function: `onClick = () => {}`
  kPyAssign,      // Python module/class level assignment statement
  kRubyConst,     // Ruby `CONST = ...`
  kPhpConst,      // PHP const_element
  kBashVar,       // Bash top-level variable_assignment
};

enum NodeFlag : uint8_t {
  kWrapper = 1,       // wraps one definition (export, decorators, template<>, declarations):
                      // the definition's chunk starts at the wrapper and its doc comment
  kWrapperNoSig = 2,  // wrapper whose text is not part of the signature (decorators)
  kTransparent = 4,   // a declaration scope stays one inside this node (#ifdef, extern "C")
  kFuncValue = 8,     // function-valued expression (arrow function, lambda)
  kDocstring = 16,    // Python: first string statement of the body is the doc
  kUpperOnly = 32,    // call-like: only names starting with an upper-case letter (JSX tags)
};

struct NodeInfo {
  Role role = Role::kNone;
  Rule rule = Rule::kNamed;
  Kind kind = Kind::kNone;
  uint8_t flags = 0;
  TSFieldId field = 0;  // calls: the field holding the callee
};

struct Fields {
  TSFieldId name = 0, body = 0, declarator = 0, type = 0, value = 0, left = 0, right = 0,
            receiver = 0, trait = 0;
};

struct LangSpec {
  Lang lang = Lang::kUnknown;
  const TSLanguage* ts = nullptr;
  std::vector<NodeInfo> nodes;  // indexed by TSSymbol
  Fields f;
  // Symbols some rules test for.
  std::vector<TSSymbol> function_declarator, struct_like, identifier_like, const_qualifier;
  bool hash_comments = false;   // '#' starts a line comment
  bool slash_comments = false;  // '//' starts a line comment

  const NodeInfo& info(TSSymbol s) const {
    static const NodeInfo kNone;
    return s < nodes.size() ? nodes[s] : kNone;
  }
  bool is(TSSymbol s, const std::vector<TSSymbol>& set) const {
    for (TSSymbol x : set) {
      if (x == s) return true;
    }
    return false;
  }
};

// The tables for a language with a grammar, or nullptr. Built once, immutable, thread-safe.
const LangSpec* lang_spec(Lang lang);

// What the definition rules see of the surroundings.
struct DefContext {
  std::string_view src;
  const LangSpec* spec = nullptr;
  TSNode parent;                  // parent node of the definition
  bool decl_scope = false;        // parent is a declaration scope (file, class, namespace body)
  Kind scope_kind = Kind::kNone;  // kind of the enclosing symbol
};

enum class DefAction { kNone, kDef, kWrapper };

struct DefOut {
  Kind kind = Kind::kNone;
  std::string_view name;             // raw name text; normalised by the caller
  std::string_view qualifier;        // extra '.'/'::'-separated qualifier (receiver, Class::)
  uint32_t name_start = UINT32_MAX;  // start byte of the name node (not a reference)
  uint32_t sig_end = 0;              // signature ends here (body start); 0 = derive from the text
  bool has_body = false;
  TSNode docstring{};  // Python docstring node, if any
  bool absorbs_specifier = false;
};

DefAction describe_def(const DefContext& ctx, TSNode node, const NodeInfo& info, DefOut* out);

// Name of the function/type a call-like node refers to, "" when it is not a plain name.
std::string_view callee_name(const LangSpec& spec, std::string_view src, TSNode call,
                             const NodeInfo& info);

inline std::string_view node_text(std::string_view src, TSNode n) {
  uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
  if (s > src.size()) s = static_cast<uint32_t>(src.size());
  if (e > src.size()) e = static_cast<uint32_t>(src.size());
  return e > s ? src.substr(s, e - s) : std::string_view();
}

}  // namespace pampax::parse_internal
