// Trains the builtin prior (embed/builtin_prior.h) from a corpus file of NUL-separated texts
// (bench/eval/research/prior_corpus.py writes one) with the repository model's trainer.
// Usage: pampax_train_prior CORPUS OUT [key=value,... as $PAMPAX_BUILTIN_TRAIN]
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "embed/builtin_model.h"
#include "embed/builtin_prior.h"

int main(int argc, char** argv) {
  using namespace pampax;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s CORPUS OUT\n(training options from $PAMPAX_BUILTIN_TRAIN)\n", argv[0]);
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string all = ss.str();
  std::vector<std::string> texts;
  for (size_t at = 0; at < all.size();) {
    size_t end = all.find('\0', at);
    if (end == std::string::npos) end = all.size();
    if (end > at) texts.emplace_back(all, at, end - at);
    at = end + 1;
  }
  BuiltinTrainOptions o = builtin_train_options_from_env();
  o.sample_chunks = static_cast<int>(texts.size());
  o.threads = 0;
  std::fprintf(stderr, "training on %zu texts: dim %d, vocab %d, min_df %d, terms %d, power %d\n", texts.size(),
               o.dim, o.max_vocab, o.min_df, o.max_terms_per_chunk, o.power);
  BuiltinModel m = train_builtin_model(texts, o);
  const std::string bytes = serialize_builtin_prior(m);
  std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  std::fprintf(stderr, "%zu terms x %d, %zu bytes\n", m.terms.size(), m.dim, bytes.size());
  return 0;
}
