#include "util/hash.h"

#include <xxhash.h>

namespace pampax {

std::string content_hash(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  static const char* kHex = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    uint64_t word = i < 8 ? h.high64 : h.low64;
    int shift = 56 - 8 * (i % 8);
    unsigned byte = static_cast<unsigned>((word >> shift) & 0xff);
    out[2 * i] = kHex[byte >> 4];
    out[2 * i + 1] = kHex[byte & 15];
  }
  return out;
}

uint64_t hash64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

}  // namespace pampax
