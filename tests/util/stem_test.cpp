#include "util/stem.h"

#include <gtest/gtest.h>

namespace pampax {
namespace {

// Examples worked through by hand from the rules of Porter's 1980 paper (each step's own
// examples), plus the words a code search meets most.
TEST(PorterStem, PaperExamples) {
  const std::pair<const char*, const char*> cases[] = {
      // step 1a
      {"caresses", "caress"}, {"ponies", "poni"}, {"caress", "caress"}, {"cats", "cat"},
      // step 1b
      {"feed", "feed"}, {"agreed", "agre"}, {"plastered", "plaster"}, {"bled", "bled"},
      {"motoring", "motor"}, {"sing", "sing"}, {"conflated", "conflat"}, {"troubled", "troubl"},
      {"sized", "size"}, {"hopping", "hop"}, {"tanned", "tan"}, {"falling", "fall"},
      {"hissing", "hiss"}, {"fizzed", "fizz"}, {"failing", "fail"}, {"filing", "file"},
      // step 1c
      {"happy", "happi"}, {"sky", "sky"},
      // steps 2-5 (whole-word results)
      {"relational", "relat"}, {"conditional", "condit"}, {"rational", "ration"},
      {"valenci", "valenc"}, {"digitizer", "digit"}, {"conformabli", "conform"},
      {"radicalli", "radic"}, {"differentli", "differ"}, {"vileli", "vile"},
      {"analogousli", "analog"}, {"vietnamization", "vietnam"}, {"predication", "predic"},
      {"operator", "oper"}, {"feudalism", "feudal"}, {"decisiveness", "decis"},
      {"hopefulness", "hope"}, {"callousness", "callous"}, {"formaliti", "formal"},
      {"sensitiviti", "sensit"}, {"sensibiliti", "sensibl"},
      {"triplicate", "triplic"}, {"formative", "form"}, {"formalize", "formal"},
      {"electriciti", "electr"}, {"electrical", "electr"}, {"hopeful", "hope"},
      {"goodness", "good"}, {"revival", "reviv"}, {"allowance", "allow"},
      {"inference", "infer"}, {"airliner", "airlin"}, {"adjustable", "adjust"},
      {"defensible", "defens"}, {"irritant", "irrit"}, {"replacement", "replac"},
      {"adjustment", "adjust"}, {"dependent", "depend"}, {"adoption", "adopt"},
      {"homologou", "homolog"}, {"communism", "commun"}, {"activate", "activ"},
      {"angulariti", "angular"}, {"homologous", "homolog"}, {"effective", "effect"},
      {"bowdlerize", "bowdler"}, {"probate", "probat"}, {"rate", "rate"}, {"cease", "ceas"},
      {"controll", "control"}, {"roll", "roll"},
      // code search vocabulary
      {"parsing", "pars"}, {"parses", "pars"}, {"parsed", "pars"}, {"parser", "parser"},
      {"connection", "connect"}, {"connections", "connect"}, {"connecting", "connect"},
      {"iterable", "iter"}, {"iterator", "iter"}, {"caching", "cach"}, {"cached", "cach"},
      {"timeout", "timeout"}, {"timeouts", "timeout"}, {"files", "file"}, {"running", "run"}};
  for (auto [in, want] : cases) EXPECT_EQ(porter_stem(in), want) << in;
}

TEST(PorterStem, OnlyLowercaseAlphabeticWordsChange) {
  EXPECT_EQ(porter_stem("is"), "is");        // too short
  EXPECT_EQ(porter_stem("utf8"), "utf8");    // digit
  EXPECT_EQ(porter_stem("Running"), "Running");
  EXPECT_EQ(porter_stem("get_users"), "get_users");
  EXPECT_EQ(porter_stem(""), "");
  EXPECT_FALSE(stemmable("ab"));
  EXPECT_TRUE(stemmable("abc"));
  EXPECT_FALSE(stemmable("caf\xc3\xa9"));
}

}  // namespace
}  // namespace pampax
