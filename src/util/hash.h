// Content hashing (xxHash3-128): file change detection and chunk identity.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace pampax {

// 32 lowercase hex digits of XXH3-128 over `data`. Stable across platforms and versions.
std::string content_hash(std::string_view data);
// 64-bit XXH3 of `data`, for in-memory keys.
uint64_t hash64(std::string_view data);

}  // namespace pampax
