// A Bloom filter over strings: "certainly absent" or "maybe present". Used to skip index
// lookups of spelling-correction candidates that the index cannot hold (store/index_store.h,
// term_filter). Deterministic: XXH3 with double hashing, the same bits on every machine.
// Threading: const methods are safe to call concurrently.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pampax {

class BloomFilter {
 public:
  // Sized for `items` strings at `bits_per_item` bits each (10 gives about 1% false positives).
  explicit BloomFilter(size_t items, int bits_per_item = 10);

  void add(std::string_view s);
  // False: `s` was never added. True: it probably was.
  bool may_contain(std::string_view s) const;

  // "PBF1", u32 hash count, u64 bit count, then the bits (little-endian u64 words).
  std::string serialize() const;
  // nullopt for bytes that are not a serialized filter.
  static std::optional<BloomFilter> parse(std::string_view bytes);

 private:
  BloomFilter() = default;
  uint32_t hashes_ = 7;
  uint64_t bits_ = 64;
  std::vector<uint64_t> words_;
};

}  // namespace pampax
