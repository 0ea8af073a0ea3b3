#include "parse/language.h"

#include <gtest/gtest.h>

#include <string>

namespace pampax {
namespace {

TEST(Language, DetectsByExtension) {
  struct Case {
    const char* path;
    Lang lang;
  } cases[] = {
      {"a.c", Lang::kC},
      {"inc/a.h", Lang::kC},
      {"a.cc", Lang::kCpp},
      {"a.cpp", Lang::kCpp},
      {"a.cxx", Lang::kCpp},
      {"a.hpp", Lang::kCpp},
      {"a.hh", Lang::kCpp},
      {"a.hxx", Lang::kCpp},
      {"a.h++", Lang::kCpp},
      {"a.py", Lang::kPython},
      {"stubs/a.pyi", Lang::kPython},
      {"a.js", Lang::kJavaScript},
      {"a.mjs", Lang::kJavaScript},
      {"a.cjs", Lang::kJavaScript},
      {"a.jsx", Lang::kJavaScript},
      {"a.ts", Lang::kTypeScript},
      {"a.mts", Lang::kTypeScript},
      {"a.cts", Lang::kTypeScript},
      {"a.tsx", Lang::kTsx},
      {"a.go", Lang::kGo},
      {"a.rs", Lang::kRust},
      {"A.java", Lang::kJava},
      {"A.cs", Lang::kCSharp},
      {"a.rb", Lang::kRuby},
      {"a.php", Lang::kPhp},
      {"a.sh", Lang::kBash},
      {"a.bash", Lang::kBash},
      {"README.md", Lang::kMarkdown},
      {"a.markdown", Lang::kMarkdown},
      {"a.yaml", Lang::kYaml},
      {"a.yml", Lang::kYaml},
      {"Cargo.toml", Lang::kToml},
      {"package.json", Lang::kJson},
      {"notes.txt", Lang::kUnknown},
      {"LICENSE", Lang::kUnknown},
      {"weird.xyz", Lang::kUnknown},
      // Case-insensitive extensions, Windows separators, dotted directories.
      {"SRC\\MAIN.CPP", Lang::kCpp},
      {"dir.v2/file", Lang::kUnknown},
      {"x.PY", Lang::kPython},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(detect_language(c.path, ""), c.lang) << c.path;
  }
}

TEST(Language, DetectsRubyFileNames) {
  EXPECT_EQ(detect_language("Rakefile", ""), Lang::kRuby);
  EXPECT_EQ(detect_language("app/Gemfile", ""), Lang::kRuby);
  EXPECT_EQ(detect_language("tasks/db.rake", ""), Lang::kRuby);
}

TEST(Language, DetectsByShebangWithoutExtension) {
  EXPECT_EQ(detect_language("bin/tool", "#!/usr/bin/env python3"), Lang::kPython);
  EXPECT_EQ(detect_language("bin/tool", "#!/usr/bin/python3.11 -u"), Lang::kPython);
  EXPECT_EQ(detect_language("deploy", "#!/bin/bash"), Lang::kBash);
  EXPECT_EQ(detect_language("deploy", "#!/bin/sh -e"), Lang::kBash);
  EXPECT_EQ(detect_language("deploy", "#! /usr/bin/env zsh"), Lang::kBash);
  EXPECT_EQ(detect_language("serve", "#!/usr/bin/env node"), Lang::kJavaScript);
  EXPECT_EQ(detect_language("serve", "#!/usr/bin/env -S deno run"), Lang::kTypeScript);
  EXPECT_EQ(detect_language("task", "#!/usr/bin/ruby"), Lang::kRuby);
  EXPECT_EQ(detect_language("task", "#!/usr/bin/env php"), Lang::kPhp);
  EXPECT_EQ(detect_language("task", "#!/usr/bin/env perl"), Lang::kUnknown);
  EXPECT_EQ(detect_language("task", "# not a shebang"), Lang::kUnknown);
  EXPECT_EQ(detect_language("task", ""), Lang::kUnknown);
  // The first line may come with its newline.
  EXPECT_EQ(detect_language("task", "#!/bin/bash\n"), Lang::kBash);
  // A known extension wins over the shebang.
  EXPECT_EQ(detect_language("script.py", "#!/bin/bash"), Lang::kPython);
}

TEST(Language, NamesRoundTrip) {
  for (int i = 0; i < static_cast<int>(Lang::kCount); ++i) {
    Lang l = static_cast<Lang>(i);
    EXPECT_EQ(lang_from_name(lang_name(l)), l) << lang_name(l);
  }
  EXPECT_EQ(lang_name(Lang::kUnknown), "text");
  EXPECT_EQ(lang_name(Lang::kCSharp), "csharp");
  EXPECT_EQ(lang_name(Lang::kCpp), "cpp");
}

TEST(Language, AcceptsAliases) {
  EXPECT_EQ(lang_from_name("js"), Lang::kJavaScript);
  EXPECT_EQ(lang_from_name("ts"), Lang::kTypeScript);
  EXPECT_EQ(lang_from_name("py"), Lang::kPython);
  EXPECT_EQ(lang_from_name("c++"), Lang::kCpp);
  EXPECT_EQ(lang_from_name("cs"), Lang::kCSharp);
  EXPECT_EQ(lang_from_name("sh"), Lang::kBash);
  EXPECT_EQ(lang_from_name("rb"), Lang::kRuby);
  EXPECT_EQ(lang_from_name("md"), Lang::kMarkdown);
  EXPECT_EQ(lang_from_name("yml"), Lang::kYaml);
  EXPECT_EQ(lang_from_name("rs"), Lang::kRust);
  EXPECT_EQ(lang_from_name("Python"), Lang::kPython);
  EXPECT_EQ(lang_from_name("TSX"), Lang::kTsx);
  EXPECT_EQ(lang_from_name("cobol"), Lang::kCount);
  EXPECT_EQ(lang_from_name(""), Lang::kCount);
}

TEST(Language, GrammarsExistExactlyForCodeLanguages) {
  for (Lang l :
       {Lang::kC, Lang::kCpp, Lang::kPython, Lang::kJavaScript, Lang::kTypeScript, Lang::kTsx,
        Lang::kGo, Lang::kRust, Lang::kJava, Lang::kCSharp, Lang::kRuby, Lang::kPhp, Lang::kBash}) {
    EXPECT_NE(ts_language(l), nullptr) << lang_name(l);
  }
  for (Lang l : {Lang::kUnknown, Lang::kMarkdown, Lang::kYaml, Lang::kToml, Lang::kJson}) {
    EXPECT_EQ(ts_language(l), nullptr) << lang_name(l);
  }
}

}  // namespace
}  // namespace pampax
