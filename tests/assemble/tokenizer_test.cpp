#include "assemble/tokenizer.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "../test_util.h"

namespace pampax {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = PAMPAX_SOURCE_DIR;
const fs::path kCorpus = kSource / "tests/assemble/data/tokenizer";
const fs::path kData = kSource / "third_party";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string from_hex(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nib(hex[i]) << 4 | nib(hex[i + 1])));
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  // A round trip through the replacing tokenizer is identity only for valid input.
  const std::string copy(s);
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(copy.data());
  while (i < copy.size()) {
    unsigned c = p[i];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4                ? 4
                                                         : 0;
    if (len == 0 || i + len > copy.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    if ((c == 0xE0 && p[i + 1] < 0xA0) || (c == 0xED && p[i + 1] > 0x9F) ||
        (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] > 0x8F)) {
      return false;
    }
    i += len;
  }
  return true;
}

class TokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (TokenizerKind k : {TokenizerKind::kCl100k, TokenizerKind::kO200k}) {
      auto t = Tokenizer::load_from(k, kData);
      ASSERT_TRUE(t.ok()) << t.status().message();
      tokenizers_[k] = std::move(t.value());
    }
    const fs::path ref = kData / "tiktoken/reference.json";
    ASSERT_TRUE(fs::exists(ref)) << ref << " is missing: run scripts/bootstrap";
    reference_ = nlohmann::json::parse(slurp(ref));
  }
  static void TearDownTestSuite() {
    tokenizers_.clear();
    reference_ = nullptr;
  }
  static const Tokenizer& tok(TokenizerKind k) { return *tokenizers_.at(k); }

  static inline std::map<TokenizerKind, std::unique_ptr<Tokenizer>> tokenizers_;
  static inline nlohmann::json reference_;
};

TEST_F(TokenizerTest, IdsMatchTiktokenOnEveryReferenceText) {
  ASSERT_EQ(reference_["package"], "tiktoken@1.0.22");
  size_t texts = 0, failures = 0;
  for (const auto& c : reference_["cases"]) {
    const std::string name = c["name"];
    const std::string bytes = from_hex(c["hex"]);
    ++texts;
    for (TokenizerKind k : {TokenizerKind::kCl100k, TokenizerKind::kO200k}) {
      const std::string enc(tokenizer_name(k));
      const std::vector<uint32_t> want = c[enc].get<std::vector<uint32_t>>();
      const std::vector<uint32_t> got = tok(k).encode(bytes);
      if (got != want) {
        ++failures;
        const size_t at = std::mismatch(got.begin(), got.end(), want.begin(), want.end()).first -
                          got.begin();
        ADD_FAILURE() << name << " (" << enc << "): " << got.size() << " ids, tiktoken "
                      << want.size() << "; first difference at id " << at << ": got "
                      << (at < got.size() ? std::to_string(got[at]) : "end") << ", want "
                      << (at < want.size() ? std::to_string(want[at]) : "end");
        if (failures > 20) FAIL() << "too many differences";
        continue;
      }
      EXPECT_EQ(tok(k).count(bytes), want.size()) << name << " " << enc;
      if (valid_utf8(bytes)) {
        EXPECT_EQ(tok(k).decode(got), bytes) << name << " " << enc;
      }
    }
  }
  EXPECT_GT(texts, 500u);
}

// The reference was generated from the committed corpus at set-up; an edited corpus needs a new
// reference, otherwise the comparison above would silently test old text.
TEST_F(TokenizerTest, ReferenceCoversTheCommittedCorpus) {
  std::map<std::string, std::string> ref;
  for (const auto& c : reference_["cases"]) ref[c["name"]] = c["hex"];
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    const std::string name = "corpus/" + e.path().filename().string();
    ++files;
    ASSERT_TRUE(ref.count(name)) << name << " has no reference ids: run scripts/bootstrap";
    EXPECT_EQ(from_hex(ref[name]), slurp(e.path()))
        << name << " changed since the reference was made: run scripts/bootstrap";
  }
  EXPECT_GE(files, 10u);
}

TEST_F(TokenizerTest, KnownIds) {
  // Spot checks that hold even without the generated reference.
  EXPECT_EQ(tok(TokenizerKind::kCl100k).encode("hello world"), (std::vector<uint32_t>{15339, 1917}));
  EXPECT_EQ(tok(TokenizerKind::kO200k).encode("hello world"), (std::vector<uint32_t>{24912, 2375}));
  EXPECT_EQ(tok(TokenizerKind::kCl100k).encode("don't"), (std::vector<uint32_t>{15357, 956}));
  EXPECT_TRUE(tok(TokenizerKind::kCl100k).encode("").empty());
  EXPECT_EQ(tok(TokenizerKind::kO200k).count(""), 0u);
}

TEST_F(TokenizerTest, InvalidUtf8BecomesReplacementCharacters) {
  for (TokenizerKind k : {TokenizerKind::kCl100k, TokenizerKind::kO200k}) {
    const Tokenizer& t = tok(k);
    // One U+FFFD per maximal invalid subpart: a lone bad byte, a truncated 3-byte sequence at
    // the end, an encoded surrogate (three subparts: ED is a valid lead, A0 is not acceptable
    // after it, then 80 is a stray continuation).
    EXPECT_EQ(t.encode("a\xff" "b"), t.encode("a\xEF\xBF\xBD" "b"));
    EXPECT_EQ(t.encode("x\xe2\x82"), t.encode("x\xEF\xBF\xBD"));
    EXPECT_EQ(t.encode("\xed\xa0\x80"), t.encode("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
    EXPECT_EQ(t.encode("\xe2\x82" "\xe2\x82\xac"), t.encode("\xEF\xBF\xBD\xe2\x82\xac"));
    // Binary garbage: no crash, every byte accounted for by some token.
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 167 + 13) & 0xFF));
    const auto ids = t.encode(junk);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(t.count(junk), ids.size());
    EXPECT_EQ(t.decode(t.encode(std::string_view("nul\0byte", 8))), std::string("nul\0byte", 8));
  }
}

TEST_F(TokenizerTest, DecodeSkipsUnknownIds) {
  const Tokenizer& t = tok(TokenizerKind::kCl100k);
  EXPECT_EQ(t.decode({15339, 4000000000u, 1917}), "hello world");
  EXPECT_EQ(t.decode({100257}), "");  // <|endoftext|> is special, not a rank
}

TEST_F(TokenizerTest, ThreadsShareOneTokenizer) {
  const std::string text = slurp(kCorpus / "code_cpp.txt") + slurp(kCorpus / "zh.txt");
  ASSERT_GT(text.size(), 4000u);
  const Tokenizer& t = tok(TokenizerKind::kO200k);
  const auto want = t.encode(text);
  std::vector<std::vector<uint32_t>> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back([&] { g = t.encode(text); });
  for (auto& th : threads) th.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

TEST_F(TokenizerTest, EstimateIsWithinAQuarterOnTheCorpus) {
  auto est = Tokenizer::load(TokenizerKind::kEstimate);
  ASSERT_TRUE(est.ok());
  EXPECT_FALSE(est.value()->exact());
  EXPECT_TRUE(est.value()->encode("abc").empty());
  double sum = 0;
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    const std::string text = slurp(e.path());
    const double exact = static_cast<double>(tok(TokenizerKind::kCl100k).count(text));
    const double guess = static_cast<double>(est.value()->count(text));
    EXPECT_EQ(guess, static_cast<double>(estimate_bpe_tokens(text)));
    sum += std::abs(guess - exact) / exact;
    ++files;
  }
  const double mape = 100.0 * sum / static_cast<double>(files);
  RecordProperty("estimate_mape_percent", std::to_string(mape));
  EXPECT_LT(mape, 25.0);
}

TEST(TokenizerLoad, MissingDataSaysRunBootstrap) {
  testing::TempDir dir;
  auto t = Tokenizer::load_from(TokenizerKind::kO200k, dir.path());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kNotFound);
  EXPECT_NE(t.status().message().find("scripts/bootstrap"), std::string::npos);
}

TEST(TokenizerLoad, DamagedDataIsCorrupt) {
  testing::TempDir dir;
  dir.write("tiktoken/cl100k_base.bpe", "PXBPE001 this is not a rank file");
  auto t = Tokenizer::load_from(TokenizerKind::kCl100k, dir.path());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kCorrupt);
  // Truncated real data.
  std::string real = slurp(kData / "tiktoken/cl100k_base.bpe");
  real.resize(real.size() - 1);
  dir.write("tiktoken/cl100k_base.bpe", real);
  t = Tokenizer::load_from(TokenizerKind::kCl100k, dir.path());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Code::kCorrupt);
}

TEST(TokenizerLoad, DataDirFromEnvironment) {
  const char* old = std::getenv("PAMPAX_DATA_DIR");
  const std::string saved = old ? old : "";
  ::setenv("PAMPAX_DATA_DIR", kData.c_str(), 1);
  EXPECT_EQ(tokenizer_data_dir(), kData);
  auto t = Tokenizer::load(TokenizerKind::kCl100k);
  EXPECT_TRUE(t.ok());
  ::setenv("PAMPAX_DATA_DIR", "/nonexistent/pampax", 1);
  EXPECT_FALSE(Tokenizer::load(TokenizerKind::kCl100k).ok());
  if (old) {
    ::setenv("PAMPAX_DATA_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("PAMPAX_DATA_DIR");
  }
  // Without the override the source tree's third_party/ is found (tests run from the build dir).
  if (!old) {
    EXPECT_TRUE(fs::exists(tokenizer_data_dir() / "tiktoken/o200k_base.bpe"));
  }
}

TEST(TokenizerKindNames, RoundTrip) {
  for (TokenizerKind k : {TokenizerKind::kCl100k, TokenizerKind::kO200k, TokenizerKind::kEstimate}) {
    auto parsed = parse_tokenizer_kind(tokenizer_name(k));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value(), k);
  }
  auto bad = parse_tokenizer_kind("gpt2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace pampax
