// Hand-written edge cases for the gitignore matcher. Expected values follow git 2.39
// (wildmatch.c / dir.c); the walker_git_compare test cross-checks against git itself.
#include "scan/ignore.h"

#include <gtest/gtest.h>

#include <string>

namespace pampax {
namespace {

// Is `path` ignored by a root .gitignore with `content` (full git semantics, including
// "an excluded parent directory cannot be re-entered")?
bool Ign(std::string_view content, std::string_view path, bool is_dir = false) {
  IgnoreTree t;
  t.AddFile("", content);
  return t.IsIgnored(path, is_dir);
}

bool WmPath(std::string_view pattern, std::string_view text) {
  return Wildmatch(pattern, text, /*pathname=*/true);
}
bool WmBase(std::string_view pattern, std::string_view text) {
  return Wildmatch(pattern, text, /*pathname=*/false);
}

// ---------------------------------------------------------------------------------------------
// Wildmatch

TEST(IgnoreWildmatch, Literals) {
  EXPECT_TRUE(WmPath("foo", "foo"));
  EXPECT_FALSE(WmPath("foo", "bar"));
  EXPECT_FALSE(WmPath("foo", "foobar"));
  EXPECT_FALSE(WmPath("foo", "fo"));
  EXPECT_TRUE(WmPath("", ""));
  EXPECT_FALSE(WmPath("", "a"));
}

TEST(IgnoreWildmatch, QuestionMark) {
  EXPECT_TRUE(WmPath("???", "abc"));
  EXPECT_FALSE(WmPath("??", "abc"));
  EXPECT_FALSE(WmPath("a?c", "a/c"));  // '?' never matches '/' in pathname mode
  EXPECT_TRUE(WmBase("a?c", "a/c"));
}

TEST(IgnoreWildmatch, Star) {
  EXPECT_TRUE(WmPath("*", "foo"));
  EXPECT_TRUE(WmPath("*", ""));
  EXPECT_FALSE(WmPath("*", "foo/bar"));
  EXPECT_TRUE(WmPath("f*", "foo"));
  EXPECT_TRUE(WmPath("*o", "foo"));
  EXPECT_TRUE(WmPath("*o*o*", "foo"));
  EXPECT_FALSE(WmPath("*x*", "foo"));
  EXPECT_TRUE(WmPath("foo/*", "foo/bar"));
  EXPECT_FALSE(WmPath("foo/*", "foo/bar/baz"));
  EXPECT_TRUE(WmPath("*/bar", "foo/bar"));
  EXPECT_FALSE(WmPath("*/bar", "a/foo/bar"));
  EXPECT_FALSE(WmPath("foo*bar", "foo/bar"));
  EXPECT_TRUE(WmBase("foo*bar", "foo/bar"));  // without pathname, '*' crosses '/'
  EXPECT_TRUE(WmPath("*.c", ".c"));
}

TEST(IgnoreWildmatch, DoubleStar) {
  // Leading "**/": any number of directories, including none.
  EXPECT_TRUE(WmPath("**/foo", "foo"));
  EXPECT_TRUE(WmPath("**/foo", "a/foo"));
  EXPECT_TRUE(WmPath("**/foo", "a/b/foo"));
  EXPECT_FALSE(WmPath("**/foo", "a/xfoo"));
  EXPECT_TRUE(WmPath("**/foo/bar", "x/foo/bar"));
  // Trailing "/**": everything inside, not the directory itself.
  EXPECT_TRUE(WmPath("abc/**", "abc/x"));
  EXPECT_TRUE(WmPath("abc/**", "abc/x/y/z"));
  EXPECT_FALSE(WmPath("abc/**", "abc"));
  // Middle "/**/": zero or more directories.
  EXPECT_TRUE(WmPath("a/**/b", "a/b"));
  EXPECT_TRUE(WmPath("a/**/b", "a/x/b"));
  EXPECT_TRUE(WmPath("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(WmPath("a/**/b", "a/xb"));
  EXPECT_TRUE(WmPath("foo/**/**/bar", "foo/x/bar"));
  // "**" not forming a whole component is a plain '*'.
  EXPECT_FALSE(WmPath("foo**bar", "foo/baz/bar"));
  EXPECT_TRUE(WmPath("foo**bar", "foobazbar"));
  EXPECT_FALSE(WmPath("a**/b", "a/x/b"));
  EXPECT_TRUE(WmPath("a**/b", "ax/b"));
  EXPECT_FALSE(WmPath("a/**b", "a/x/yb"));
  EXPECT_TRUE(WmPath("a/**b", "a/xb"));
  // A lone "**" matches everything.
  EXPECT_TRUE(WmPath("**", "a/b/c"));
  EXPECT_TRUE(WmPath("***", "a/b/c"));
}

TEST(IgnoreWildmatch, Classes) {
  EXPECT_TRUE(WmPath("[abc]", "b"));
  EXPECT_FALSE(WmPath("[abc]", "d"));
  EXPECT_TRUE(WmPath("[a-c]x", "bx"));
  EXPECT_FALSE(WmPath("[a-c]x", "dx"));
  EXPECT_TRUE(WmPath("[!a-c]", "d"));
  EXPECT_FALSE(WmPath("[!a-c]", "a"));
  EXPECT_TRUE(WmPath("[^a-c]", "d"));
  EXPECT_FALSE(WmPath("[^a-c]", "b"));
  EXPECT_TRUE(WmPath("[]]", "]"));       // ']' first is a member
  EXPECT_TRUE(WmPath("[!]]", "a"));
  EXPECT_FALSE(WmPath("[!]]", "]"));
  EXPECT_TRUE(WmPath("[a-]", "-"));      // '-' last is literal
  EXPECT_TRUE(WmPath("[-a]", "-"));      // '-' first is literal
  EXPECT_TRUE(WmPath("[\\]]", "]"));     // escaped ']'
  EXPECT_TRUE(WmPath("[a\\-c]", "-"));   // escaped '-' is a member, not a range
  EXPECT_FALSE(WmPath("[a\\-c]", "b"));
  EXPECT_FALSE(WmPath("[/]", "/"));      // classes never match '/' in pathname mode
  EXPECT_FALSE(WmPath("[!a]", "/"));
  EXPECT_TRUE(WmPath("[[:digit:]]", "7"));
  EXPECT_FALSE(WmPath("[[:digit:]]", "x"));
  EXPECT_TRUE(WmPath("[[:alpha:][:digit:]]", "q"));
  EXPECT_TRUE(WmPath("[[:upper:]]", "Q"));
  EXPECT_FALSE(WmPath("[[:upper:]]", "q"));
  EXPECT_FALSE(WmPath("[[:bogus:]]", "a"));  // unknown class: matches nothing
  EXPECT_TRUE(WmPath("[[:]", ":"));      // not a class: '[' and ':' are members
  EXPECT_TRUE(WmPath("[[:]", "["));
  // Unterminated class: the whole pattern matches nothing, not even itself.
  EXPECT_FALSE(WmPath("a[b", "a[b"));
  EXPECT_FALSE(WmPath("a[", "a["));
}

TEST(IgnoreWildmatch, Escapes) {
  EXPECT_TRUE(WmPath("\\*", "*"));
  EXPECT_FALSE(WmPath("\\*", "a"));
  EXPECT_TRUE(WmPath("\\?", "?"));
  EXPECT_TRUE(WmPath("\\[a]", "[a]"));
  EXPECT_TRUE(WmPath("\\a", "a"));
  EXPECT_FALSE(WmPath("a\\", "a"));       // trailing backslash: never matches
  EXPECT_FALSE(WmPath("a\\", "a\\"));
}

TEST(IgnoreWildmatch, PathologicalIsFast) {
  // Git's pruning keeps this linear-ish instead of exponential.
  std::string text(200, 'a');
  EXPECT_FALSE(WmPath("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(WmPath("**/*a*a*a*a*a*a*a*a*a*a*a*b", "x/y/z/" + text));
}

// ---------------------------------------------------------------------------------------------
// Parsing

TEST(IgnoreParse, CommentsBlankLinesAndFlags) {
  IgnoreList l;
  l.AddFile("# comment\n\n   \n*.o\n!keep.o\nbuild/\n/root\na/b\n");
  ASSERT_EQ(l.patterns().size(), 5u);
  EXPECT_EQ(l.patterns()[0].text, "*.o");
  EXPECT_TRUE(l.patterns()[0].flags & IgnorePattern::kEndsWith);
  EXPECT_TRUE(l.patterns()[0].flags & IgnorePattern::kNoDir);
  EXPECT_EQ(l.patterns()[1].text, "keep.o");
  EXPECT_TRUE(l.patterns()[1].flags & IgnorePattern::kNegative);
  EXPECT_EQ(l.patterns()[2].text, "build");
  EXPECT_TRUE(l.patterns()[2].flags & IgnorePattern::kMustBeDir);
  EXPECT_TRUE(l.patterns()[2].flags & IgnorePattern::kNoDir);
  EXPECT_EQ(l.patterns()[3].text, "/root");
  EXPECT_FALSE(l.patterns()[3].flags & IgnorePattern::kNoDir);
  EXPECT_FALSE(l.patterns()[4].flags & IgnorePattern::kNoDir);
  EXPECT_EQ(l.patterns()[4].line, 8u);
}

TEST(IgnoreParse, TrailingSpaces) {
  IgnoreList l;
  l.AddLine("foo   ");
  l.AddLine("bar\\ ");     // escaped: keeps one space
  l.AddLine("baz\\  ");    // escaped space kept, the unescaped one after it trimmed
  l.AddLine("tab\t");      // only spaces are trimmed
  l.AddLine("x \\");       // ends in a lone backslash: nothing is trimmed
  ASSERT_EQ(l.patterns().size(), 5u);
  EXPECT_EQ(l.patterns()[0].text, "foo");
  EXPECT_EQ(l.patterns()[1].text, "bar\\ ");
  EXPECT_EQ(l.patterns()[2].text, "baz\\ ");
  EXPECT_EQ(l.patterns()[3].text, "tab\t");
  EXPECT_EQ(l.patterns()[4].text, "x \\");
}

TEST(IgnoreParse, CrLfAndBom) {
  IgnoreList l;
  l.AddFile("\xEF\xBB\xBF*.o\r\nfoo\r\nlast\r");
  ASSERT_EQ(l.patterns().size(), 3u);
  EXPECT_EQ(l.patterns()[0].text, "*.o");
  EXPECT_EQ(l.patterns()[1].text, "foo");
  EXPECT_EQ(l.patterns()[2].text, "last");
}

TEST(IgnoreParse, EmptyPatternsAreDropped) {
  IgnoreList l;
  l.AddFile("!\n/\n!/\n \n");
  EXPECT_TRUE(l.empty());
}

// ---------------------------------------------------------------------------------------------
// Matching through a list / tree

TEST(IgnoreMatch, BasenamePatternsMatchAtAnyDepth) {
  EXPECT_TRUE(Ign("foo", "foo"));
  EXPECT_TRUE(Ign("foo", "a/b/foo"));
  EXPECT_TRUE(Ign("foo", "foo", true));
  EXPECT_FALSE(Ign("foo", "foobar"));
  EXPECT_TRUE(Ign("*.o", "x/y.o"));
  EXPECT_TRUE(Ign("*.o", ".o"));
  EXPECT_FALSE(Ign("*.o", "y.oo"));
  EXPECT_TRUE(Ign("a?", "d/ab"));
  EXPECT_TRUE(Ign("[ab]*", "d/bz"));
}

TEST(IgnoreMatch, AnchoredPatterns) {
  EXPECT_TRUE(Ign("/foo", "foo"));
  EXPECT_FALSE(Ign("/foo", "a/foo"));
  // A slash in the middle anchors too.
  EXPECT_TRUE(Ign("a/foo", "a/foo"));
  EXPECT_FALSE(Ign("a/foo", "x/a/foo"));
  EXPECT_TRUE(Ign("a/*.c", "a/x.c"));
  EXPECT_FALSE(Ign("a/*.c", "a/b/x.c"));
  // A trailing slash alone does not anchor.
  EXPECT_TRUE(Ign("foo/", "a/foo", true));
}

TEST(IgnoreMatch, DirectoryOnly) {
  EXPECT_TRUE(Ign("build/", "build", true));
  EXPECT_FALSE(Ign("build/", "build", false));  // a file named build stays
  EXPECT_TRUE(Ign("build/", "build/x.c"));      // via the excluded parent
  EXPECT_TRUE(Ign("build/", "src/build", true));
  EXPECT_TRUE(Ign("/a/b/", "a/b", true));
  EXPECT_FALSE(Ign("/a/b/", "a/b", false));
}

TEST(IgnoreMatch, NegationOrdering) {
  // The last matching line wins.
  EXPECT_FALSE(Ign("*.log\n!keep.log\n", "keep.log"));
  EXPECT_TRUE(Ign("*.log\n!keep.log\n", "other.log"));
  EXPECT_TRUE(Ign("!keep.log\n*.log\n", "keep.log"));
  // Negation of a never-ignored path is harmless.
  EXPECT_FALSE(Ign("!foo\n", "foo"));
}

TEST(IgnoreMatch, NoReincludeInsideExcludedDirectory) {
  EXPECT_TRUE(Ign("dir/\n!dir/keep\n", "dir/keep"));
  EXPECT_TRUE(Ign("dir\n!dir/keep\n", "dir/keep"));
  // Excluding the contents (not the directory) allows re-including.
  EXPECT_FALSE(Ign("dir/*\n!dir/keep\n", "dir/keep"));
  EXPECT_TRUE(Ign("dir/*\n!dir/keep\n", "dir/other"));
}

TEST(IgnoreMatch, IgnoreAllButDebian) {
  const char* gi = "/*\n!/debian/\n";
  EXPECT_TRUE(Ign(gi, "README"));
  EXPECT_TRUE(Ign(gi, "src", true));
  EXPECT_TRUE(Ign(gi, "src/main.c"));
  EXPECT_FALSE(Ign(gi, "debian", true));
  EXPECT_FALSE(Ign(gi, "debian/control"));
  EXPECT_FALSE(Ign(gi, "debian/patches/x.patch"));
  EXPECT_TRUE(Ign(gi, "debian", false));  // a *file* named debian is not re-included
}

TEST(IgnoreMatch, DoubleStarForms) {
  EXPECT_TRUE(Ign("**/foo\n", "foo"));
  EXPECT_TRUE(Ign("**/foo\n", "a/b/foo"));
  EXPECT_TRUE(Ign("**/foo/bar\n", "x/foo/bar"));
  EXPECT_TRUE(Ign("**/foo/bar\n", "foo/bar"));
  EXPECT_TRUE(Ign("abc/**\n", "abc/x/y"));
  EXPECT_FALSE(Ign("abc/**\n", "abc", true));
  EXPECT_FALSE(Ign("abc/**\n", "abc", false));
  EXPECT_TRUE(Ign("a/**/b\n", "a/b"));
  EXPECT_TRUE(Ign("a/**/b\n", "a/x/y/b"));
  EXPECT_FALSE(Ign("a/**/b\n", "x/a/b"));
  // Everything below abc but re-include *.c files: the dirs themselves are not excluded.
  EXPECT_FALSE(Ign("abc/**\n!abc/**/\n!*.c\n", "abc/d/e.c"));
  EXPECT_TRUE(Ign("abc/**\n!abc/**/\n!*.c\n", "abc/d/e.h"));
}

TEST(IgnoreMatch, GitPrefixQuirk) {
  // Git matches the wildcard-free prefix ("a/b") literally and wildmatches the rest, so the
  // "**" that follows it counts as starting a component: it crosses directories here.
  EXPECT_TRUE(Ign("a/b**/c\n", "a/bx/y/c"));
  EXPECT_TRUE(Ign("a/b**/c\n", "a/b/c"));
}

TEST(IgnoreMatch, EscapedHashAndBang) {
  EXPECT_TRUE(Ign("\\#notes\n", "#notes"));
  EXPECT_FALSE(Ign("#notes\n", "#notes"));  // that one is a comment
  EXPECT_TRUE(Ign("\\!important\n", "!important"));
  EXPECT_FALSE(Ign("\\!important\n", "important"));
  EXPECT_FALSE(Ign("*\n!\\!x\n", "!x"));    // negated escaped bang
  EXPECT_TRUE(Ign("*\n!\\!x\n", "x"));
  EXPECT_TRUE(Ign("a\\*b\n", "a*b"));
  EXPECT_FALSE(Ign("a\\*b\n", "axb"));
}

TEST(IgnoreMatch, TrailingSpacesInFiles) {
  EXPECT_TRUE(Ign("foo  \n", "foo"));
  EXPECT_FALSE(Ign("foo  \n", "foo "));
  EXPECT_TRUE(Ign("foo\\ \n", "foo "));
  EXPECT_FALSE(Ign("foo\\ \n", "foo"));
  EXPECT_TRUE(Ign("a b\n", "a b"));  // inner spaces are kept
}

TEST(IgnoreMatch, NestedListsAndPrecedence) {
  IgnoreTree t;
  t.AddGlobal("*.tmp\n!keep.tmp\n");
  t.AddFile("", "*.log\n");
  t.AddFile("sub/", "!*.log\n/only-here\nx/\n");
  EXPECT_TRUE(t.IsIgnored("a.log", false));
  EXPECT_FALSE(t.IsIgnored("sub/a.log", false));       // deeper list wins
  EXPECT_FALSE(t.IsIgnored("sub/deeper/a.log", false));
  EXPECT_TRUE(t.IsIgnored("sub/only-here", false));    // anchored to sub/
  EXPECT_FALSE(t.IsIgnored("only-here", false));
  EXPECT_FALSE(t.IsIgnored("sub/deeper/only-here", false));
  EXPECT_TRUE(t.IsIgnored("sub/x/y", false));
  EXPECT_FALSE(t.IsIgnored("x/y", false));             // sub/'s rules stay in sub/
  EXPECT_TRUE(t.IsIgnored("q/w.tmp", false));          // global list
  EXPECT_FALSE(t.IsIgnored("keep.tmp", false));
  // A later file for the same base (a .pampaxignore) overrides the earlier one.
  t.AddFile("", "!important.log\n");
  EXPECT_FALSE(t.IsIgnored("important.log", false));
  EXPECT_TRUE(t.IsIgnored("other.log", false));
}

TEST(IgnoreMatch, StackOrder) {
  IgnoreList global("");
  global.AddLine("*.x");
  IgnoreList root("");
  root.AddLine("!a.x");
  IgnoreList sub("d/");
  sub.AddLine("a.x");
  IgnoreStack s;
  s.Push(&global);
  s.Push(&root);
  EXPECT_FALSE(s.IsExcluded("a.x", false));
  EXPECT_TRUE(s.IsExcluded("b.x", false));
  s.Push(&sub);
  EXPECT_TRUE(s.IsExcluded("d/a.x", false));
  EXPECT_EQ(s.Check("d/zzz", false), IgnoreList::Match::kNone);
  s.Pop();
  EXPECT_FALSE(s.IsExcluded("d/a.x", false));
}

TEST(IgnoreMatch, ListOnlyAppliesBelowItsBase) {
  IgnoreList l("sub/");
  l.AddLine("*");
  EXPECT_EQ(l.Check("sub/a", false), IgnoreList::Match::kExcluded);
  EXPECT_EQ(l.Check("subx/a", false), IgnoreList::Match::kNone);
  EXPECT_EQ(l.Check("sub", true), IgnoreList::Match::kNone);
}

}  // namespace
}  // namespace pampax
