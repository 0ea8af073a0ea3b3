// Symbol extraction and chunking on the per-language fixtures under tests/fixtures/parse/.
#include "parse/chunker.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "parse/language.h"
#include "parse/parse_testing.h"
#include "parse_test_util.h"

namespace pampax {
namespace {

using testing_parse::check_invariants;
using testing_parse::fixture_dir;
using testing_parse::read_file;

struct Parsed {
  std::string content;
  ParsedFile pf;
};

Parsed parse_fixture(const std::string& name, const ChunkOptions& options = {}) {
  Parsed p;
  std::string path = fixture_dir() + "/parse/" + name;
  p.content = read_file(path);
  EXPECT_FALSE(p.content.empty()) << "missing fixture " << path;
  Lang lang = detect_language(path, p.content.substr(0, p.content.find('\n')));
  p.pf = parse_file(path, p.content, lang, options);
  check_invariants(p.content, p.pf, name);
  return p;
}

const Symbol* sym(const ParsedFile& pf, std::string_view qualified) {
  for (const Symbol& s : pf.symbols) {
    if (s.qualified_name == qualified) return &s;
  }
  return nullptr;
}

const Chunk* chunk(const ParsedFile& pf, std::string_view qualified, std::string_view kind) {
  for (const Chunk& c : pf.chunks) {
    if (c.qualified_name == qualified && c.kind == kind) return &c;
  }
  return nullptr;
}

bool has_ref(const ParsedFile& pf, std::string_view name, uint32_t line) {
  for (const Ref& r : pf.refs) {
    if (r.name == name && r.line == line) return true;
  }
  return false;
}

// Expects a symbol with these fields; start/end are 1-based lines of the definition.
void expect_symbol(const ParsedFile& pf, std::string_view qualified, std::string_view kind,
                   std::string_view name, uint32_t start, uint32_t end,
                   std::string_view signature = {}, std::string_view doc = {}) {
  SCOPED_TRACE(std::string(qualified));
  const Symbol* s = sym(pf, qualified);
  ASSERT_NE(s, nullptr) << "no symbol " << qualified;
  EXPECT_EQ(s->kind, kind);
  EXPECT_EQ(s->name, name);
  EXPECT_EQ(s->start_line, start);
  EXPECT_EQ(s->end_line, end);
  if (!signature.empty()) {
    EXPECT_EQ(s->signature, signature);
  }
  if (!doc.empty()) {
    EXPECT_EQ(s->doc, doc);
  }
}

void expect_chunk(const ParsedFile& pf, std::string_view qualified, std::string_view kind,
                  uint32_t start, uint32_t end) {
  SCOPED_TRACE(std::string(qualified));
  const Chunk* c = chunk(pf, qualified, kind);
  ASSERT_NE(c, nullptr) << "no " << kind << " chunk " << qualified;
  EXPECT_EQ(c->start_line, start);
  EXPECT_EQ(c->end_line, end);
  EXPECT_TRUE(c->header.empty());
  ASSERT_GE(c->symbol, 0);
  EXPECT_EQ(pf.symbols[c->symbol].qualified_name, qualified);
}

// All chunk boundaries of a well-formed fixture fall on line starts.
void expect_line_aligned(const Parsed& p) {
  for (const Chunk& c : p.pf.chunks) {
    EXPECT_TRUE(c.start_byte == 0 || p.content[c.start_byte - 1] == '\n')
        << "chunk at line " << c.start_line << " starts mid-line";
  }
}

TEST(ChunkC, SymbolsChunksAndRefs) {
  Parsed p = parse_fixture("sample.c");
  const ParsedFile& pf = p.pf;
  EXPECT_FALSE(pf.used_fallback);
  EXPECT_EQ(pf.lang, Lang::kC);
  expect_symbol(pf, "ring_new", "function", "ring_new", 25, 30, "ring_t *ring_new(void)",
                "// Creates an empty ring on the heap.\n// Returns NULL when out of memory.");
  expect_symbol(pf, "ring_push", "function", "ring_push", 33, 42,
                "enum ring_status ring_push(ring_t *r, int value)",
                "/** Pushes a value; fails when the ring is full. */");
  expect_symbol(pf, "ring", "struct", "ring", 13, 17, "struct ring",
                "/* A fixed-size ring of integers. */");
  expect_symbol(pf, "ring_t", "type", "ring_t", 19, 19);
  expect_symbol(pf, "ring_status", "enum", "ring_status", 21, 21);
  expect_symbol(pf, "RING_MAX", "macro", "RING_MAX", 8, 8);
  expect_symbol(pf, "g_verbose", "variable", "g_verbose", 10, 10);
  expect_symbol(pf, "main", "function", "main", 48, 55, "int main(int argc, char **argv)");
  // The doc comment starts the chunk; the blank line after a function goes with it.
  expect_chunk(pf, "ring_new", "function", 23, 31);
  expect_chunk(pf, "ring_push", "function", 32, 43);
  expect_chunk(pf, "ring", "struct", 12, 17);
  // Includes, the macro and the global are grouped into the first code chunk.
  ASSERT_FALSE(pf.chunks.empty());
  EXPECT_EQ(pf.chunks[0].kind, "code");
  EXPECT_EQ(pf.chunks[0].start_line, 1u);
  EXPECT_EQ(pf.chunks[0].end_line, 11u);
  EXPECT_EQ(pf.chunks[0].symbol, -1);
  EXPECT_TRUE(has_ref(pf, "malloc", 26));
  EXPECT_TRUE(has_ref(pf, "memset", 28));
  EXPECT_TRUE(has_ref(pf, "log_message", 36));
  EXPECT_TRUE(has_ref(pf, "ring_push", 51));
  EXPECT_TRUE(has_ref(pf, "ring_t", 26));   // type reference
  EXPECT_FALSE(has_ref(pf, "ring_t", 19));  // the typedef's own name is a definition
  expect_line_aligned(p);
}

TEST(ChunkCpp, NamespacesClassesAndOutOfLineMethods) {
  Parsed p = parse_fixture("sample.cpp");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "geo", "namespace", "geo", 6, 56, "namespace geo");
  expect_symbol(pf, "geo.detail.square", "function", "square", 9, 9,
                "inline double square(double v)");
  expect_symbol(pf, "geo.Point", "struct", "Point", 14, 17, "struct Point",
                "/// A point in the plane.");
  expect_symbol(pf, "geo.Polygon", "class", "Polygon", 22, 40, "class Polygon : public Shape",
                "/**\n * A polygon made of points.\n */");
  expect_symbol(pf, "geo.Polygon.perimeter", "method", "perimeter", 28, 34,
                "double perimeter() const", "// Perimeter of the closed outline.");
  expect_symbol(pf, "geo.Polygon.~Polygon", "method", "~Polygon", 25, 25);
  // Out-of-line definition: qualified through the class, nested in the namespace.
  expect_symbol(pf, "geo.Polygon.name", "method", "name", 47, 47,
                "std::string Polygon::name() const");
  expect_symbol(pf, "geo.clamp", "function", "clamp", 49, 52,
                "template <typename T> T clamp(T v, T lo, T hi)");
  expect_symbol(pf, "geo.Color", "enum", "Color", 54, 54);
  const Symbol* perimeter = sym(pf, "geo.Polygon.perimeter");
  ASSERT_NE(perimeter, nullptr);
  ASSERT_GE(perimeter->parent, 0);
  EXPECT_EQ(pf.symbols[perimeter->parent].qualified_name, "geo.Polygon");
  // The namespace fits the default budget: one chunk.
  expect_chunk(pf, "geo", "namespace", 6, 56);
  EXPECT_TRUE(has_ref(pf, "distance", 31));
  EXPECT_TRUE(has_ref(pf, "square", 44));
  EXPECT_TRUE(has_ref(pf, "sqrt", 44));
  EXPECT_TRUE(has_ref(pf, "Shape", 22));
}

TEST(ChunkCpp, SplitsBigNamespaceIntoMembersWithHeaders) {
  ChunkOptions opt;
  opt.max_chunk_tokens = 60;
  opt.group_tokens = 30;
  Parsed p = parse_fixture("sample.cpp", opt);
  const ParsedFile& pf = p.pf;
  // Children small enough stay whole.
  expect_chunk(pf, "geo.detail", "namespace", 7, 12);
  expect_chunk(pf, "geo.Point", "struct", 13, 18);
  expect_chunk(pf, "geo.distance", "function", 42, 46);
  // Gaps of the split class carry the enclosing signatures.
  bool saw_class_gap = false;
  for (const Chunk& c : pf.chunks) {
    if (c.kind == "code" && c.qualified_name == "geo.Polygon" && c.start_line > 22) {
      EXPECT_EQ(c.header, "namespace geo\nclass Polygon : public Shape");
      saw_class_gap = true;
    }
  }
  EXPECT_TRUE(saw_class_gap);
  // perimeter (doc + 7 lines) is over 60 tokens: cut at statements, pieces keep the name.
  int pieces = 0;
  for (const Chunk& c : pf.chunks) {
    if (c.qualified_name != "geo.Polygon.perimeter") continue;
    EXPECT_EQ(c.kind, "method");
    EXPECT_EQ(c.name, "perimeter");
    EXPECT_EQ(c.signature, "double perimeter() const");
    EXPECT_LE(c.tokens, 60u + 30u);
    if (pieces == 0) {
      EXPECT_EQ(c.start_line, 27u);
      EXPECT_EQ(c.header, "namespace geo\nclass Polygon : public Shape");
    } else {
      EXPECT_EQ(c.header, "namespace geo\nclass Polygon : public Shape\ndouble perimeter() const");
    }
    ++pieces;
  }
  EXPECT_GE(pieces, 2);
  expect_line_aligned(p);
}

// The qualified names of the symbols of a C source (the invariants checked on the way).
std::vector<std::string> c_symbol_names(const std::string& src) {
  ParsedFile pf = parse_file("k.c", src, Lang::kC, {});
  check_invariants(src, pf, "k.c");
  std::vector<std::string> names;
  for (const auto& sym : pf.symbols) names.push_back(sym.qualified_name.empty() ? sym.name : sym.qualified_name);
  return names;
}

TEST(ChunkC, LoopMacrosInsideFunctionsAreNotFunctions) {
  // "for_each_x(v) { ... }" has the shape of a function definition without parameters
  // (type for_each_x, declarator "(v)"). Inside a function it is a loop; at file scope the
  // same shape is a macro-made function and keeps its name.
  const std::string src =
      "SYSCALL_DEFINE0(sched_yield)\n"
      "{\n"
      "\treturn 0;\n"
      "}\n"
      "\n"
      "static int count_cpus(int n)\n"
      "{\n"
      "\tint total = 0;\n"
      "\tfor_each_possible_cpu(cpu) {\n"
      "\t\ttotal += n;\n"
      "\t}\n"
      "\treturn total;\n"
      "}\n";
  const std::vector<std::string> names = c_symbol_names(src);
  EXPECT_NE(std::find(names.begin(), names.end(), "sched_yield"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "count_cpus"), names.end());
  for (const std::string& n : names) {
    EXPECT_NE(n, "cpu");
    EXPECT_NE(n, "count_cpus.cpu");
  }
}

TEST(ChunkC, AnAttributeMacroBeforeTheNameKeepsTheName) {
  // "T __init_memblock f(void)": tree-sitter ends a declaration "T __init_memblock" early and
  // reads "f(void) { ... }" as a definition of type f declaring "(void)".
  const std::string src =
      "phys_addr_t __init_memblock memblock_phys_mem_size(void)\n"
      "{\n"
      "\treturn memblock.memory.total_size;\n"
      "}\n"
      "\n"
      "int check(int x)\n"
      "{\n"
      "\tif (x) {\n"
      "\t\treturn 1;\n"
      "\t}\n"
      "\treturn 0;\n"
      "}\n";
  const std::vector<std::string> names = c_symbol_names(src);
  EXPECT_NE(std::find(names.begin(), names.end(), "memblock_phys_mem_size"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "check"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "void"), names.end());
}

TEST(ChunkC, HeadersStayCButCppHeadersAreRecognised) {
  Parsed c = parse_fixture("ring.h");
  EXPECT_EQ(c.pf.lang, Lang::kC);
  expect_symbol(c.pf, "ring_new", "function", "ring_new", 10, 10, "ring_t *ring_new(void);",
                "/* Creates an empty ring; NULL when out of memory. */");
  expect_symbol(c.pf, "ring_free", "function", "ring_free", 13, 13);
  expect_symbol(c.pf, "RING_H", "macro", "RING_H", 3, 3);
  // Prototypes are symbols but not chunks of their own: the header is one code chunk.
  ASSERT_EQ(c.pf.chunks.size(), 1u);
  EXPECT_EQ(c.pf.chunks[0].kind, "code");

  // C++ in a ".h" file: the C grammar chokes, so the C++ one is used.
  Parsed cpp = parse_fixture("widget.h");
  EXPECT_FALSE(cpp.pf.used_fallback);
  expect_symbol(cpp.pf, "ui.Widget", "class", "Widget", 8, 19, "class Widget",
                "/// A clickable widget.");
  expect_symbol(cpp.pf, "ui.Widget.draw", "method", "draw", 14, 14, "virtual bool draw() const",
                "// Draws the widget; returns false when hidden.");
}

TEST(ChunkPython, ClassesDocstringsDecoratorsAndNesting) {
  Parsed p = parse_fixture("sample.py");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "Item", "class", "Item", 10, 19, "class Item:", "\"\"\"A stocked item.\"\"\"");
  expect_symbol(pf, "Item.restock", "method", "restock", 17, 19,
                "def restock(self, amount: int) -> None:", "\"\"\"Adds `amount` units.\"\"\"");
  expect_symbol(pf, "Inventory.Error", "class", "Error", 25, 26, "class Error(Exception):");
  expect_symbol(pf, "Inventory.add", "method", "add", 33, 36, "def add(self, item: Item) -> None:",
                "# Adds an item, replacing any previous one with that name.");
  expect_symbol(pf, "Inventory.total", "method", "total", 38, 40, "def total(self) -> int:");
  expect_symbol(pf, "fetch_remote", "function", "fetch_remote", 43, 48,
                "async def fetch_remote(url: str) -> List[str]:");
  expect_symbol(pf, "fetch_remote._get", "function", "_get", 44, 45);
  expect_symbol(pf, "DEFAULT_LIMIT", "constant", "DEFAULT_LIMIT", 7, 7);
  // The decorator belongs to the class chunk; imports and the constant are grouped.
  expect_chunk(pf, "Item", "class", 10, 21);
  expect_chunk(pf, "Inventory", "class", 22, 42);
  ASSERT_FALSE(pf.chunks.empty());
  EXPECT_EQ(pf.chunks[0].kind, "code");
  EXPECT_EQ(pf.chunks[0].start_line, 1u);
  EXPECT_EQ(pf.chunks[0].end_line, 9u);
  EXPECT_EQ(pf.chunks.back().kind, "code");  // the __main__ guard
  EXPECT_TRUE(has_ref(pf, "download", 45));
  EXPECT_TRUE(has_ref(pf, "add", 53));
  EXPECT_TRUE(has_ref(pf, "print", 54));
  expect_line_aligned(p);
}

TEST(ChunkPython, SplitsBigClassAtMethods) {
  ChunkOptions opt;
  opt.max_chunk_tokens = 40;
  opt.group_tokens = 30;
  Parsed p = parse_fixture("sample.py", opt);
  const ParsedFile& pf = p.pf;
  expect_chunk(pf, "Inventory.__init__", "method", 28, 31);
  expect_chunk(pf, "Inventory.total", "method", 38, 42);
  // The class head is a code chunk of the class (it contains the signature: no header).
  const Chunk* head = chunk(pf, "Inventory", "code");
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(head->start_line, 22u);
  EXPECT_EQ(head->header, "");
  EXPECT_EQ(head->signature, "class Inventory:");
  // add() is over 40 tokens: split at statements. Pieces carry the class signature, and the
  // method's own once they start below the `def` line (line 33).
  int pieces = 0;
  uint32_t next_line = 32;  // the doc comment above `def add`
  for (const Chunk& c : pf.chunks) {
    if (c.qualified_name == "Inventory.add") {
      EXPECT_EQ(c.kind, "method");
      EXPECT_EQ(c.start_line, next_line);
      next_line = c.end_line + 1;
      EXPECT_EQ(c.header, c.start_line <= 33
                              ? "class Inventory:"
                              : "class Inventory:\ndef add(self, item: Item) -> None:");
      EXPECT_LE(c.tokens, 40u);
      ++pieces;
    }
  }
  EXPECT_GE(pieces, 2);
  EXPECT_EQ(next_line, 38u);  // up to the end of the method (and its blank line)
  expect_line_aligned(p);
}

TEST(ChunkJavaScript, ClassesExportsArrowFunctions) {
  Parsed p = parse_fixture("sample.js");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "EventBus", "class", "EventBus", 10, 28, "export class EventBus",
                "/**\n * Publishes events to subscribers.\n */");
  expect_symbol(pf, "EventBus.on", "method", "on", 17, 21, "on(name, handler)",
                "// Registers a handler for an event name.");
  expect_symbol(pf, "EventBus.constructor", "method", "constructor", 11, 14);
  expect_symbol(pf, "loadConfig", "function", "loadConfig", 31, 34,
                "export function loadConfig(dir)", "/** Reads a JSON config file. */");
  expect_symbol(pf, "debounce", "function", "debounce", 37, 43, "const debounce = (fn, ms) =>",
                "// Debounces calls to fn.");
  expect_symbol(pf, "counter", "function", "counter", 45, 48, "function* counter(start)");
  expect_symbol(pf, "DEFAULT_MAX", "constant", "DEFAULT_MAX", 5, 5);
  expect_chunk(pf, "EventBus", "class", 7, 29);
  expect_chunk(pf, "debounce", "function", 36, 44);
  EXPECT_TRUE(has_ref(pf, "readFileSync", 32));
  EXPECT_TRUE(has_ref(pf, "join", 32));
  EXPECT_TRUE(has_ref(pf, "clearTimeout", 40));
  EXPECT_TRUE(has_ref(pf, "Map", 12));  // new Map()
  expect_line_aligned(p);
}

TEST(ChunkTypeScript, InterfacesEnumsNamespacesGenerics) {
  Parsed p = parse_fixture("sample.ts");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "User", "interface", "User", 8, 12, "export interface User",
                "/** A user record. */");
  expect_symbol(pf, "Role", "enum", "Role", 14, 17);
  expect_symbol(pf, "UserId", "type", "UserId", 5, 5, "export type UserId = string;");
  expect_symbol(pf, "Validation", "namespace", "Validation", 19, 23);
  expect_symbol(pf, "Validation.isEmail", "function", "isEmail", 20, 22,
                "export function isEmail(s: string): boolean");
  expect_symbol(pf, "UserRepository", "class", "UserRepository", 28, 42,
                "export class UserRepository<T extends User = User> implements Repository<T>");
  expect_symbol(pf, "UserRepository.find", "method", "find", 34, 39,
                "async find(id: UserId): Promise<T | undefined>",
                "// Finds a user by id, using the cache first.");
  expect_symbol(pf, "UserRepository.validate", "method", "validate", 41, 41);
  expect_symbol(pf, "isAdmin", "function", "isAdmin", 48, 48,
                "export const isAdmin = (u: User, roles: Role[]): boolean =>");
  expect_chunk(pf, "UserRepository", "class", 25, 43);
  EXPECT_TRUE(has_ref(pf, "toUser", 38));
  EXPECT_TRUE(has_ref(pf, "query", 37));
  EXPECT_TRUE(has_ref(pf, "Row", 37));  // type reference
  expect_line_aligned(p);
}

TEST(ChunkTsx, ComponentsAndJsxReferences) {
  Parsed p = parse_fixture("sample.tsx");
  const ParsedFile& pf = p.pf;
  EXPECT_EQ(pf.lang, Lang::kTsx);
  expect_symbol(pf, "CounterProps", "interface", "CounterProps", 4, 7);
  expect_symbol(pf, "Counter", "function", "Counter", 10, 17,
                "export function Counter({ initial, label }: CounterProps)",
                "/** Displays a clickable counter. */");
  expect_symbol(pf, "Panel.render", "method", "render", 20, 22, "render()");
  EXPECT_TRUE(has_ref(pf, "useState", 11));
  EXPECT_TRUE(has_ref(pf, "Counter", 21));  // <Counter /> element
  EXPECT_FALSE(has_ref(pf, "button", 13));  // plain HTML tags are not references
}

TEST(ChunkGo, TypesMethodsQualifiedByReceiver) {
  Parsed p = parse_fixture("sample.go");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "Entry", "struct", "Entry", 12, 15, "type Entry struct",
                "// Entry is one cached key/value pair.");
  expect_symbol(pf, "Store", "interface", "Store", 18, 21, "type Store interface");
  expect_symbol(pf, "ID", "type", "ID", 23, 23, "type ID int64");
  expect_symbol(pf, "New", "function", "New", 34, 39, "func New(size int) *LRU",
                "// New returns an empty cache holding up to size entries.");
  expect_symbol(pf, "LRU.Get", "method", "Get", 42, 50,
                "func (c *LRU) Get(key string) ([]byte, bool)",
                "// Get looks a key up and marks it as recently used.");
  expect_symbol(pf, "LRU.evict", "method", "evict", 52, 58);
  expect_symbol(pf, "DefaultSize", "constant", "DefaultSize", 9, 9);
  expect_chunk(pf, "LRU.Get", "method", 41, 51);
  EXPECT_TRUE(has_ref(pf, "MoveToFront", 46));
  EXPECT_TRUE(has_ref(pf, "make", 38));
  EXPECT_TRUE(has_ref(pf, "Entry", 47));  // type reference in a type assertion
  expect_line_aligned(p);
}

TEST(ChunkRust, ImplsTraitsModulesMacros) {
  Parsed p = parse_fixture("sample.rs");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "Token", "enum", "Token", 9, 13, "pub enum Token",
                "/// Kinds of tokens the lexer produces.");
  expect_symbol(pf, "Lexer", "struct", "Lexer", 16, 19, "pub struct Lexer<'a>");
  expect_symbol(pf, "Visitor", "trait", "Visitor", 21, 23);
  expect_symbol(pf, "Lexer.new", "method", "new", 27, 29, "pub fn new(input: &'a str) -> Self",
                "/// Creates a lexer at the start of `input`.");
  expect_symbol(pf, "Lexer.next_token", "method", "next_token", 31, 39);
  expect_symbol(pf, "Token.fmt", "method", "fmt", 43, 45);
  expect_symbol(pf, "stats.count", "function", "count", 51, 53);
  expect_symbol(pf, "token_vec", "macro", "token_vec", 56, 58);
  expect_symbol(pf, "Counts", "type", "Counts", 60, 60);
  expect_symbol(pf, "MAX_TOKENS", "constant", "MAX_TOKENS", 5, 5);
  const Symbol* impl = sym(pf, "Lexer");
  ASSERT_NE(impl, nullptr);
  // Doc comment and #[derive] attribute both belong to the enum's chunk.
  expect_chunk(pf, "Token", "enum", 7, 14);
  bool saw_impl = false;
  for (const Chunk& c : pf.chunks) {
    if (c.kind == "impl" && c.name == "Lexer") {
      saw_impl = true;
      EXPECT_EQ(c.start_line, 25u);
      EXPECT_EQ(c.signature, "impl<'a> Lexer<'a>");
    }
  }
  EXPECT_TRUE(saw_impl);
  EXPECT_TRUE(has_ref(pf, "next_token", 64));
  EXPECT_TRUE(has_ref(pf, "println", 65));
  EXPECT_TRUE(has_ref(pf, "count", 67));
  expect_line_aligned(p);
}

TEST(ChunkJava, NestedClassesAnnotationsInterfaces) {
  Parsed p = parse_fixture("Sample.java");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "Cart", "class", "Cart", 9, 35, "public class Cart",
                "/**\n * A shopping cart holding line items.\n */");
  expect_symbol(pf, "Cart.LineItem", "class", "LineItem", 13, 21, "public static class LineItem",
                "/** One product and its quantity. */");
  expect_symbol(pf, "Cart.LineItem.LineItem", "method", "LineItem", 17, 20);
  expect_symbol(pf, "Cart.add", "method", "add", 24, 30,
                "@Override public void add(String sku, int quantity)",
                "// Adds a product to the cart.");
  expect_symbol(pf, "Priced", "interface", "Priced", 37, 39);
  expect_symbol(pf, "Priced.priceCents", "method", "priceCents", 38, 38);
  expect_symbol(pf, "Currency", "enum", "Currency", 41, 47);
  expect_symbol(pf, "Currency.symbol", "method", "symbol", 44, 46);
  expect_symbol(pf, "Money", "class", "Money", 49, 49);
  expect_chunk(pf, "Cart", "class", 6, 36);
  EXPECT_TRUE(has_ref(pf, "add", 29));
  EXPECT_TRUE(has_ref(pf, "LineItem", 29));
  EXPECT_TRUE(has_ref(pf, "mapToInt", 33));
  expect_line_aligned(p);
}

TEST(ChunkCSharp, NamespacesClassesStructs) {
  Parsed p = parse_fixture("Sample.cs");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "Example.Billing", "namespace", "Billing", 4, 48, "namespace Example.Billing");
  expect_symbol(pf, "Example.Billing.Invoice", "class", "Invoice", 7, 38,
                "public class Invoice : IPrintable",
                "/// <summary>An invoice with lines.</summary>");
  expect_symbol(pf, "Example.Billing.Invoice.AddLine", "method", "AddLine", 19, 23,
                "public decimal AddLine(string text, decimal amount)",
                "// Adds a line and returns the new total.");
  expect_symbol(pf, "Example.Billing.Invoice.Invoice", "method", "Invoice", 13, 16);
  expect_symbol(pf, "Example.Billing.Invoice.Line", "struct", "Line", 32, 37);
  expect_symbol(pf, "Example.Billing.IPrintable", "interface", "IPrintable", 40, 43);
  expect_symbol(pf, "Example.Billing.Status", "enum", "Status", 45, 45);
  expect_symbol(pf, "Example.Billing.Customer", "class", "Customer", 47, 47);
  EXPECT_TRUE(has_ref(pf, "Add", 21));
  EXPECT_TRUE(has_ref(pf, "Total", 22));
  EXPECT_TRUE(has_ref(pf, "Line", 21));  // new Line(...)
}

TEST(ChunkCSharp, FileScopedNamespaceQualifiesLaterTypes) {
  const std::string src =
      "namespace Foo.Bar;\n\n// A widget.\npublic class A\n{\n    void M() { N(); }\n}\n";
  ParsedFile pf = parse_file("A.cs", src, Lang::kCSharp);
  check_invariants(src, pf, "A.cs");
  expect_symbol(pf, "Foo.Bar", "namespace", "Bar", 1, 1);
  expect_symbol(pf, "Foo.Bar.A", "class", "A", 4, 7, "public class A", "// A widget.");
  expect_symbol(pf, "Foo.Bar.A.M", "method", "M", 6, 6, "void M()");
  EXPECT_TRUE(has_ref(pf, "N", 6));
}

TEST(ChunkRuby, ModulesClassesSingletonMethods) {
  Parsed p = parse_fixture("sample.rb");
  const ParsedFile& pf = p.pf;
  expect_symbol(pf, "Shop", "module", "Shop", 7, 31, "module Shop",
                "# Namespaced helpers for orders.");
  expect_symbol(pf, "Shop.TAX_RATE", "constant", "TAX_RATE", 8, 8);
  expect_symbol(pf, "Shop.Order", "class", "Order", 11, 27, "class Order < Base",
                "# An order made of items.");
  expect_symbol(pf, "Shop.Order.total", "method", "total", 19, 22, "def total",
                "# Total price including tax.");
  expect_symbol(pf, "Shop.Order.from_json", "method", "from_json", 24, 26,
                "def self.from_json(text)");
  expect_symbol(pf, "Shop.Item", "class", "Item", 29, 30);
  expect_symbol(pf, "main", "function", "main", 33, 36, "def main");
  expect_chunk(pf, "Shop", "module", 6, 32);
  EXPECT_TRUE(has_ref(pf, "from_json", 34));
  EXPECT_TRUE(has_ref(pf, "puts", 35));
  EXPECT_TRUE(has_ref(pf, "round", 21));
}

TEST(ChunkPhp, ClassesTraitsFunctions) {
  Parsed p = parse_fixture("sample.php");
  const ParsedFile& pf = p.pf;
  // `namespace App\Mail;` qualifies the definitions after it.
  expect_symbol(pf, "App.Mail", "namespace", "Mail", 4, 4, "namespace App\\Mail;");
  expect_symbol(pf, "App.Mail.Mailer", "class", "Mailer", 13, 31,
                "class Mailer implements Transport",
                "/**\n * Sends messages through a transport.\n */");
  expect_symbol(pf, "App.Mail.Mailer.queue", "method", "queue", 22, 25,
                "public function queue(string $to, string $body): void",
                "// Queues a message for later delivery.");
  expect_symbol(pf, "App.Mail.Mailer.create", "method", "create", 27, 30);
  expect_symbol(pf, "App.Mail.Formatter", "interface", "Formatter", 33, 36);
  expect_symbol(pf, "App.Mail.Loggable", "trait", "Loggable", 38, 44);
  expect_symbol(pf, "App.Mail.Loggable.log", "method", "log", 40, 43);
  expect_symbol(pf, "App.Mail.send_all", "function", "send_all", 46, 49,
                "function send_all(Mailer $mailer): int");
  expect_symbol(pf, "App.Mail.DEFAULT_FROM", "constant", "DEFAULT_FROM", 8, 8);
  expect_chunk(pf, "App.Mail.Mailer", "class", 10, 32);
  EXPECT_TRUE(has_ref(pf, "error_log", 42));
  EXPECT_TRUE(has_ref(pf, "Message", 24));
  EXPECT_TRUE(has_ref(pf, "deliver", 48));
}

TEST(ChunkBash, FunctionsVariablesCommands) {
  Parsed p = parse_fixture("sample.sh");
  const ParsedFile& pf = p.pf;
  EXPECT_EQ(pf.lang, Lang::kBash);
  expect_symbol(pf, "log", "function", "log", 9, 11, "log()", "# Prints a timestamped message.");
  expect_symbol(pf, "build", "function", "build", 13, 16, "function build");
  expect_symbol(pf, "deploy_to", "function", "deploy_to", 18, 22);
  expect_symbol(pf, "APP_DIR", "variable", "APP_DIR", 5, 5);
  expect_chunk(pf, "log", "function", 8, 12);
  EXPECT_TRUE(has_ref(pf, "rsync", 20));
  EXPECT_TRUE(has_ref(pf, "deploy_to", 27));
  EXPECT_TRUE(has_ref(pf, "date", 10));  // inside $(...) inside a string
}

// --- splitting and grouping on synthetic inputs ---

std::string big_c_function(int statements) {
  std::string s =
      "#include <stdio.h>\n\n/* Sums things. */\nint big_sum(int n, int *xs) {\n  int total = 0;\n";
  for (int i = 0; i < statements; ++i) {
    s += "  total += compute_value_" + std::to_string(i) + "(xs[" + std::to_string(i % 7) +
         "], n);\n";
  }
  s += "  return total;\n}\n\nint small(void) { return 1; }\n";
  return s;
}

TEST(ChunkSplit, LargeLeafFunctionIsCutAtStatementsWithHeader) {
  const std::string src = big_c_function(120);
  ChunkOptions opt;
  opt.max_chunk_tokens = 100;
  ParsedFile pf = parse_file("big.c", src, Lang::kC, opt);
  check_invariants(src, pf, "big.c");
  int pieces = 0;
  for (const Chunk& c : pf.chunks) {
    if (c.name != "big_sum") continue;
    EXPECT_EQ(c.kind, "function");
    EXPECT_EQ(c.signature, "int big_sum(int n, int *xs)");
    EXPECT_EQ(c.doc, "/* Sums things. */");
    EXPECT_TRUE(c.start_byte == 0 || src[c.start_byte - 1] == '\n');
    if (pieces == 0) {
      EXPECT_EQ(c.header, "");  // the first piece holds the signature itself
      EXPECT_EQ(c.start_line, 3u);
    } else {
      EXPECT_EQ(c.header, "int big_sum(int n, int *xs)");
    }
    EXPECT_LE(c.tokens, 100u + estimate_tokens(c.header));
    ++pieces;
  }
  EXPECT_GE(pieces, 10);
  const Chunk* small = chunk(pf, "small", "function");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->header, "");
  EXPECT_TRUE(has_ref(pf, "compute_value_119", 125));
}

TEST(ChunkSplit, NestedSymbolsOfSplitClassBecomeChunks) {
  std::string src = "class Big:\n    \"\"\"Big class.\"\"\"\n\n    LIMIT = 3\n\n";
  for (int m = 0; m < 12; ++m) {
    src += "    def method_" + std::to_string(m) + "(self, x):\n";
    for (int i = 0; i < 6; ++i) src += "        x = helper_" + std::to_string(i) + "(x, self.v)\n";
    src += "        return x\n\n";
  }
  ChunkOptions opt;
  opt.max_chunk_tokens = 120;
  ParsedFile pf = parse_file("big.py", src, Lang::kPython, opt);
  check_invariants(src, pf, "big.py");
  int methods = 0;
  for (const Chunk& c : pf.chunks) {
    if (c.kind == "method") {
      ++methods;
      EXPECT_EQ(c.header, "");  // whole methods: no header
      EXPECT_EQ(c.qualified_name, "Big.method_" + std::to_string(methods - 1));
    }
  }
  EXPECT_EQ(methods, 12);
  ASSERT_FALSE(pf.chunks.empty());
  EXPECT_EQ(pf.chunks[0].kind, "code");
  EXPECT_EQ(pf.chunks[0].qualified_name, "Big");
  EXPECT_EQ(pf.chunks[0].signature, "class Big:");
  EXPECT_EQ(pf.chunks[0].doc, "\"\"\"Big class.\"\"\"");
  const Symbol* limit = sym(pf, "Big.LIMIT");
  ASSERT_NE(limit, nullptr);
  EXPECT_EQ(limit->kind, "constant");
}

TEST(ChunkGroup, ImportsAreGroupedUpToGroupTokens) {
  std::string src;
  for (int i = 0; i < 40; ++i)
    src += "import package_" + std::to_string(i) + ".module as m" + std::to_string(i) + "\n";
  src += "\n\ndef run():\n    return m1.go()\n";
  ParsedFile whole = parse_file("imports.py", src, Lang::kPython);
  check_invariants(src, whole, "imports.py default");
  ASSERT_EQ(whole.chunks.size(), 2u);
  EXPECT_EQ(whole.chunks[0].kind, "code");
  EXPECT_EQ(whole.chunks[0].start_line, 1u);
  EXPECT_EQ(whole.chunks[1].kind, "function");

  ChunkOptions opt;
  opt.group_tokens = 60;
  ParsedFile grouped = parse_file("imports.py", src, Lang::kPython, opt);
  check_invariants(src, grouped, "imports.py grouped");
  int code = 0;
  for (const Chunk& c : grouped.chunks) {
    if (c.kind != "code") continue;
    ++code;
    EXPECT_LE(c.tokens, 60u);
    EXPECT_TRUE(c.start_byte == 0 || src[c.start_byte - 1] == '\n');  // whole statements
  }
  EXPECT_GE(code, 4);
}

TEST(ChunkRobust, MinorSyntaxErrorsKeepTreeChunks) {
  std::string src = read_file(fixture_dir() + "/parse/sample.c");
  // Break one statement in the middle of the file.
  size_t pos = src.find("memset(r, 0");
  ASSERT_NE(pos, std::string::npos);
  src.insert(pos, "@@ )) ");
  ParsedFile pf = parse_file("broken.c", src, Lang::kC);
  check_invariants(src, pf, "broken.c");
  EXPECT_FALSE(pf.used_fallback);
  EXPECT_NE(sym(pf, "ring_push"), nullptr);
  EXPECT_NE(sym(pf, "main"), nullptr);
}

TEST(ChunkRobust, GarbageFallsBackWithWarning) {
  std::string src;
  for (int i = 0; i < 200; ++i) src += "}}} ))) @@@ ### ;;; \"\" '' \\\\ <<< >>> ] [\n";
  ParsedFile pf = parse_file("garbage.py", src, Lang::kPython);
  check_invariants(src, pf, "garbage.py");
  EXPECT_TRUE(pf.used_fallback);
  ASSERT_FALSE(pf.warnings.empty());
  EXPECT_NE(pf.warnings[0].find("syntax errors"), std::string::npos);
  for (const Chunk& c : pf.chunks) EXPECT_EQ(c.kind, "text");
}

TEST(ChunkRobust, ParseTimeoutFallsBackAndParserRecovers) {
  std::string src;
  for (int i = 0; i < 20000; ++i) {
    src += "int f" + std::to_string(i) + "(int x) { return g(x, " + std::to_string(i) + "); }\n";
  }
  parse_testing::set_parse_budget_micros(1);
  ParsedFile slow = parse_file("slow.c", src, Lang::kC);
  parse_testing::set_parse_budget_micros(0);
  check_invariants(src, slow, "slow.c");
  EXPECT_TRUE(slow.used_fallback);
  ASSERT_FALSE(slow.warnings.empty());
  EXPECT_NE(slow.warnings[0].find("timed out"), std::string::npos) << slow.warnings[0];
  // The thread's parser was reset: the next parse starts from scratch and succeeds.
  ParsedFile again = parse_file("slow.c", src, Lang::kC);
  check_invariants(src, again, "slow.c again");
  EXPECT_FALSE(again.used_fallback);
  EXPECT_EQ(again.symbols.size(), 20000u);
}

TEST(ChunkFallback, MarkdownCutsAtHeadings) {
  std::string src = "# Title\n\nIntro paragraph.\n\n";
  for (int s = 0; s < 6; ++s) {
    src += "## Section " + std::to_string(s) + "\n\n";
    for (int i = 0; i < 25; ++i) src += "Line " + std::to_string(i) + " of section text.\n";
    src += "\n```bash\n# not a heading\necho hi\n```\n\n";
  }
  ChunkOptions opt;
  opt.fallback_window_lines = 40;
  ParsedFile pf = parse_file("README.md", src, Lang::kMarkdown, opt);
  check_invariants(src, pf, "README.md");
  EXPECT_TRUE(pf.used_fallback);
  EXPECT_TRUE(pf.warnings.empty());
  ASSERT_GE(pf.chunks.size(), 4u);
  EXPECT_EQ(pf.chunks[0].name, "Title");
  for (size_t i = 1; i < pf.chunks.size(); ++i) {
    EXPECT_EQ(pf.chunks[i].name.rfind("Section ", 0), 0u)
        << "chunk " << i << " starts with '" << pf.chunks[i].name << "'";
    EXPECT_LE(pf.chunks[i].end_line - pf.chunks[i].start_line + 1, 80u);
  }
}

TEST(ChunkFallback, TextWindowsPreferBlankLines) {
  std::string src;
  for (int para = 0; para < 30; ++para) {
    for (int i = 0; i < 7; ++i) src += "word word word " + std::to_string(para) + "\n";
    src += "\n";
  }
  ChunkOptions opt;
  opt.fallback_window_lines = 20;
  ParsedFile pf = parse_file("notes.txt", src, Lang::kUnknown, opt);
  check_invariants(src, pf, "notes.txt");
  ASSERT_GE(pf.chunks.size(), 8u);
  for (const Chunk& c : pf.chunks) {
    EXPECT_EQ(c.kind, "text");
    EXPECT_LE(c.end_line - c.start_line + 1, 40u);
    // Each chunk starts a paragraph: the previous line is blank (or it is the first).
    if (c.start_byte > 0) {
      EXPECT_EQ(src[c.start_byte - 1], '\n');
      EXPECT_TRUE(c.start_byte >= 2 && src[c.start_byte - 2] == '\n') << "line " << c.start_line;
    }
  }
}

TEST(ChunkTokens, EstimateIsReasonable) {
  EXPECT_EQ(estimate_tokens(""), 0u);
  EXPECT_EQ(estimate_tokens("\n\n  \n"), 1u);  // never 0 for non-empty text
  EXPECT_EQ(estimate_tokens("x"), 1u);
  EXPECT_EQ(estimate_tokens("return x;"), 3u);
  // Roughly 3-5 bytes per token on ordinary code.
  std::string code = read_file(fixture_dir() + "/parse/sample.cpp");
  uint32_t t = estimate_tokens(code);
  EXPECT_GT(t, code.size() / 5);
  EXPECT_LT(t, code.size() / 2);
}

}  // namespace
}  // namespace pampax
