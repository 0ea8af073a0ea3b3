// Language registry: names, aliases, detection by extension / file name / shebang, and the
// tree-sitter grammar entry points.
#include "parse/language.h"

#include <array>
#include <cstddef>
#include <string>

extern "C" {
const TSLanguage* tree_sitter_c(void);
const TSLanguage* tree_sitter_cpp(void);
const TSLanguage* tree_sitter_python(void);
const TSLanguage* tree_sitter_javascript(void);
const TSLanguage* tree_sitter_typescript(void);
const TSLanguage* tree_sitter_tsx(void);
const TSLanguage* tree_sitter_go(void);
const TSLanguage* tree_sitter_rust(void);
const TSLanguage* tree_sitter_java(void);
const TSLanguage* tree_sitter_c_sharp(void);
const TSLanguage* tree_sitter_ruby(void);
const TSLanguage* tree_sitter_php(void);
const TSLanguage* tree_sitter_bash(void);
}

namespace pampax {
namespace {

// clang-format off
constexpr std::array<std::string_view, static_cast<size_t>(Lang::kCount)> kNames = {
    "text", "c",    "cpp",  "python", "javascript", "typescript", "tsx",  "go",   "rust",
    "java", "csharp", "ruby", "php",  "bash",       "markdown",   "yaml", "toml", "json",
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

struct Alias {
  std::string_view name;
  Lang lang;
};

// Extra spellings accepted by lang_from_name (the canonical names are matched first).
constexpr Alias kAliases[] = {
    {"h", Lang::kC},
    {"c++", Lang::kCpp},       {"cxx", Lang::kCpp},        {"cc", Lang::kCpp},
    {"hpp", Lang::kCpp},
    {"py", Lang::kPython},     {"python3", Lang::kPython}, {"pyi", Lang::kPython},
    {"js", Lang::kJavaScript}, {"jsx", Lang::kJavaScript}, {"node", Lang::kJavaScript},
    {"mjs", Lang::kJavaScript}, {"cjs", Lang::kJavaScript},
    {"ts", Lang::kTypeScript}, {"mts", Lang::kTypeScript}, {"cts", Lang::kTypeScript},
    {"golang", Lang::kGo},
    {"rs", Lang::kRust},
    {"cs", Lang::kCSharp},     {"c#", Lang::kCSharp},      {"c_sharp", Lang::kCSharp},
    {"c-sharp", Lang::kCSharp},
    {"rb", Lang::kRuby},
    {"sh", Lang::kBash},       {"shell", Lang::kBash},     {"zsh", Lang::kBash},
    {"ksh", Lang::kBash},      {"dash", Lang::kBash},
    {"md", Lang::kMarkdown},   {"mdx", Lang::kMarkdown},
    {"yml", Lang::kYaml},
    {"txt", Lang::kUnknown},   {"plain", Lang::kUnknown},  {"plaintext", Lang::kUnknown},
    {"unknown", Lang::kUnknown},
};

struct Ext {
  std::string_view ext;  // lowercase, without the dot
  Lang lang;
};

constexpr Ext kExtensions[] = {
    {"c", Lang::kC},           {"h", Lang::kC},
    {"cc", Lang::kCpp},        {"cpp", Lang::kCpp},        {"cxx", Lang::kCpp},
    {"c++", Lang::kCpp},       {"hpp", Lang::kCpp},        {"hh", Lang::kCpp},
    {"hxx", Lang::kCpp},       {"h++", Lang::kCpp},        {"ipp", Lang::kCpp},
    {"inl", Lang::kCpp},       {"tpp", Lang::kCpp},
    {"py", Lang::kPython},     {"pyi", Lang::kPython},     {"pyw", Lang::kPython},
    {"js", Lang::kJavaScript}, {"mjs", Lang::kJavaScript}, {"cjs", Lang::kJavaScript},
    {"jsx", Lang::kJavaScript},
    {"ts", Lang::kTypeScript}, {"mts", Lang::kTypeScript}, {"cts", Lang::kTypeScript},
    {"tsx", Lang::kTsx},
    {"go", Lang::kGo},
    {"rs", Lang::kRust},
    {"java", Lang::kJava},
    {"cs", Lang::kCSharp},
    {"rb", Lang::kRuby},       {"rake", Lang::kRuby},      {"gemspec", Lang::kRuby},
    {"ru", Lang::kRuby},
    {"php", Lang::kPhp},       {"phtml", Lang::kPhp},
    {"sh", Lang::kBash},       {"bash", Lang::kBash},      {"zsh", Lang::kBash},
    {"ksh", Lang::kBash},
    {"md", Lang::kMarkdown},   {"markdown", Lang::kMarkdown}, {"mdx", Lang::kMarkdown},
    {"yaml", Lang::kYaml},     {"yml", Lang::kYaml},
    {"toml", Lang::kToml},
    {"json", Lang::kJson},     {"jsonc", Lang::kJson},     {"json5", Lang::kJson},
    {"txt", Lang::kUnknown},
};

struct FileName {
  std::string_view name;  // exact base name
  Lang lang;
};

constexpr FileName kFileNames[] = {
    {"Rakefile", Lang::kRuby},  {"Gemfile", Lang::kRuby},      {"Guardfile", Lang::kRuby},
    {"Podfile", Lang::kRuby},   {"Vagrantfile", Lang::kRuby},  {"Brewfile", Lang::kRuby},
    {".bashrc", Lang::kBash},   {".bash_profile", Lang::kBash}, {".profile", Lang::kBash},
    {".zshrc", Lang::kBash},    {"PKGBUILD", Lang::kBash},
    {"Cargo.lock", Lang::kToml}, {"Pipfile", Lang::kToml},
};

// clang-format on

std::string_view base_name(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Interpreter named by a shebang line: "#!/usr/bin/env -S python3 -u" -> "python3".
std::string_view shebang_interpreter(std::string_view line) {
  if (line.size() < 3 || line[0] != '#' || line[1] != '!') return {};
  line.remove_prefix(2);
  size_t nl = line.find('\n');
  if (nl != std::string_view::npos) line = line.substr(0, nl);
  auto next_word = [&line]() -> std::string_view {
    size_t b = 0;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r')) ++b;
    size_t e = b;
    while (e < line.size() && line[e] != ' ' && line[e] != '\t' && line[e] != '\r') ++e;
    std::string_view w = line.substr(b, e - b);
    line.remove_prefix(e);
    return w;
  };
  std::string_view prog = base_name(next_word());
  if (prog == "env") {
    for (std::string_view w = next_word(); !w.empty(); w = next_word()) {
      if (w[0] == '-') continue;                            // env options such as -S
      if (w.find('=') != std::string_view::npos) continue;  // VAR=value assignments
      return base_name(w);
    }
    return {};
  }
  return prog;
}

Lang lang_for_interpreter(std::string_view prog) {
  // Strip version suffixes: python3.11 -> python, ruby2.7 -> ruby.
  size_t end = prog.size();
  while (end > 0 && ((prog[end - 1] >= '0' && prog[end - 1] <= '9') || prog[end - 1] == '.')) {
    --end;
  }
  std::string_view p = prog.substr(0, end);
  if (p == "python" || p == "pypy") return Lang::kPython;
  if (p == "sh" || p == "bash" || p == "zsh" || p == "ksh" || p == "dash" || p == "ash" ||
      p == "mksh") {
    return Lang::kBash;
  }
  if (p == "node" || p == "nodejs" || p == "bun") return Lang::kJavaScript;
  if (p == "deno" || p == "ts-node" || p == "tsx") return Lang::kTypeScript;
  if (p == "ruby" || p == "jruby") return Lang::kRuby;
  if (p == "php") return Lang::kPhp;
  return Lang::kUnknown;
}

}  // namespace

std::string_view lang_name(Lang lang) {
  size_t i = static_cast<size_t>(lang);
  return i < kNames.size() ? kNames[i] : std::string_view("text");
}

Lang lang_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (iequals(name, kNames[i])) return static_cast<Lang>(i);
  }
  for (const Alias& a : kAliases) {
    if (iequals(name, a.name)) return a.lang;
  }
  return Lang::kCount;
}

Lang detect_language(std::string_view path, std::string_view first_line) {
  std::string_view base = base_name(path);
  for (const FileName& f : kFileNames) {
    if (base == f.name) return f.lang;
  }
  size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < base.size()) {
    std::string_view ext = base.substr(dot + 1);
    if (ext.size() <= 10) {
      char buf[10];
      for (size_t i = 0; i < ext.size(); ++i) buf[i] = lower(ext[i]);
      std::string_view lext(buf, ext.size());
      for (const Ext& e : kExtensions) {
        if (lext == e.ext) return e.lang;
      }
    }
  }
  return lang_for_interpreter(shebang_interpreter(first_line));
}

const TSLanguage* ts_language(Lang lang) {
  switch (lang) {
    case Lang::kC: return tree_sitter_c();
    case Lang::kCpp: return tree_sitter_cpp();
    case Lang::kPython: return tree_sitter_python();
    case Lang::kJavaScript: return tree_sitter_javascript();
    case Lang::kTypeScript: return tree_sitter_typescript();
    case Lang::kTsx: return tree_sitter_tsx();
    case Lang::kGo: return tree_sitter_go();
    case Lang::kRust: return tree_sitter_rust();
    case Lang::kJava: return tree_sitter_java();
    case Lang::kCSharp: return tree_sitter_c_sharp();
    case Lang::kRuby: return tree_sitter_ruby();
    case Lang::kPhp: return tree_sitter_php();
    case Lang::kBash: return tree_sitter_bash();
    default: return nullptr;
  }
}

}  // namespace pampax
