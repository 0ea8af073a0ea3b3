#include "util/bloom.h"

#include <algorithm>
#include <cstring>

#include "util/hash.h"

namespace pampax {

BloomFilter::BloomFilter(size_t items, int bits_per_item) {
  const uint64_t want = static_cast<uint64_t>(std::max<size_t>(items, 1)) *
                        static_cast<uint64_t>(std::max(bits_per_item, 1));
  bits_ = std::max<uint64_t>(64, (want + 63) / 64 * 64);
  words_.assign(bits_ / 64, 0);
}

void BloomFilter::add(std::string_view s) {
  const uint64_t h = hash64(s);
  const uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
  for (uint32_t i = 0; i < hashes_; ++i) {
    const uint64_t bit = (h1 + i * h2) % bits_;
    words_[bit / 64] |= uint64_t{1} << (bit % 64);
  }
}

bool BloomFilter::may_contain(std::string_view s) const {
  const uint64_t h = hash64(s);
  const uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
  for (uint32_t i = 0; i < hashes_; ++i) {
    const uint64_t bit = (h1 + i * h2) % bits_;
    if (!(words_[bit / 64] >> (bit % 64) & 1)) return false;
  }
  return true;
}

std::string BloomFilter::serialize() const {
  std::string out("PBF1");
  out.append(reinterpret_cast<const char*>(&hashes_), sizeof hashes_);
  out.append(reinterpret_cast<const char*>(&bits_), sizeof bits_);
  out.append(reinterpret_cast<const char*>(words_.data()), words_.size() * sizeof(uint64_t));
  return out;
}

std::optional<BloomFilter> BloomFilter::parse(std::string_view b) {
  constexpr size_t kHead = 4 + sizeof(uint32_t) + sizeof(uint64_t);
  if (b.size() < kHead || b.substr(0, 4) != "PBF1") return std::nullopt;
  BloomFilter f;
  std::memcpy(&f.hashes_, b.data() + 4, sizeof f.hashes_);
  std::memcpy(&f.bits_, b.data() + 8, sizeof f.bits_);
  if (f.hashes_ == 0 || f.hashes_ > 32 || f.bits_ == 0 || f.bits_ % 64 != 0 ||
      b.size() - kHead != f.bits_ / 8)
    return std::nullopt;
  f.words_.resize(f.bits_ / 64);
  std::memcpy(f.words_.data(), b.data() + kHead, b.size() - kHead);
  return f;
}

}  // namespace pampax
