// English stemming (M.F. Porter, "An algorithm for suffix stripping", 1980), so that
// "parsing", "parses" and "parsed" meet at "pars" in the lexical index. Applied to lowercase
// alphabetic words longer than 2 letters; anything else is returned unchanged.
#pragma once
#include <string>
#include <string_view>

namespace pampax {

// True when stem() may change the word: only a-z, length > 2.
bool stemmable(std::string_view lower_word);
std::string porter_stem(std::string_view lower_word);

}  // namespace pampax
