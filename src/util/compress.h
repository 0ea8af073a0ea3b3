// zstd compression of chunk bodies.
#pragma once
#include <string>
#include <string_view>

#include "util/status.h"

namespace pampax {

// Compresses `data` at `level` (zstd levels; 3 is a good speed/size point for source code).
std::string zstd_compress(std::string_view data, int level = 3);
// Decompresses a frame made by zstd_compress. Corrupt input gives kCorrupt, never a crash.
Result<std::string> zstd_decompress(std::string_view frame);

}  // namespace pampax
