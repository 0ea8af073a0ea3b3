#include "util/compress.h"

#include <gtest/gtest.h>

#include "util/hash.h"

namespace pampax {
namespace {

TEST(Zstd, RoundTrip) {
  for (std::string s : {std::string(), std::string("x"), std::string(100000, 'q'),
                        std::string("int main() {\n  return 0;\n}\n")}) {
    auto back = zstd_decompress(zstd_compress(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
}

TEST(Zstd, CorruptInputIsAnErrorNotACrash) {
  std::string frame = zstd_compress(std::string(5000, 'z') + "tail");
  EXPECT_EQ(zstd_decompress("not a frame").status().code(), Code::kCorrupt);
  std::string damaged = frame;
  damaged[damaged.size() / 2] ^= 0x5a;
  damaged.resize(damaged.size() - 3);
  EXPECT_FALSE(zstd_decompress(damaged).ok());
  EXPECT_FALSE(zstd_decompress("").ok());
}

TEST(ContentHash, StableHexAndSensitive) {
  std::string h = content_hash("hello");
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(h, content_hash("hello"));
  EXPECT_NE(h, content_hash("hellp"));
  EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace pampax
