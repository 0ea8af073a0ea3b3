// Test hooks of the parse module (not for production code).
#pragma once
#include <cstdint>

namespace pampax::parse_testing {

// Overrides the parse time budget of the calling thread (microseconds; 0 restores the default
// of 2 s + 1 s per MiB). Lets tests exercise the timeout fallback deterministically.
void set_parse_budget_micros(int64_t micros);

}  // namespace pampax::parse_testing
