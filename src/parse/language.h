// Language registry: detection from path (and first line for scripts), and the tree-sitter
// grammar for each language that has one. Languages without a grammar use the fallback
// line-window chunker.
#pragma once
#include <cstdint>
#include <string_view>

struct TSLanguage;

namespace pampax {

enum class Lang : uint8_t {
  kUnknown = 0,  // text of an unrecognised kind: fallback chunker, lang name "text"
  kC, kCpp, kPython, kJavaScript, kTypeScript, kTsx, kGo, kRust, kJava, kCSharp, kRuby, kPhp,
  kBash,
  kMarkdown, kYaml, kToml, kJson,
  kCount
};

// Stable lowercase names stored in the index and accepted by --lang: "c", "cpp", "python",
// "javascript", "typescript", "tsx", "go", "rust", "java", "csharp", "ruby", "php", "bash",
// "markdown", "yaml", "toml", "json", "text".
std::string_view lang_name(Lang lang);
// Inverse of lang_name, also accepting common aliases ("js", "ts", "py", "c++", "cs", "sh",
// "rb", "md", "yml"). Returns kCount when the name is not known.
Lang lang_from_name(std::string_view name);

// By extension / file name first; for files without a known extension, by a shebang in
// `first_line` ("#!/usr/bin/env python3", "#!/bin/bash"). Never fails: kUnknown = text.
Lang detect_language(std::string_view path, std::string_view first_line);

// The tree-sitter grammar, or nullptr for languages chunked by the fallback.
const TSLanguage* ts_language(Lang lang);

}  // namespace pampax
