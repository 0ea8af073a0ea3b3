// The builtin embedder's training pieces (co-occurrence, PPMI, randomized eigen-decomposition)
// against hand-computed values, determinism of training, and embedding texts and queries.
#include "embed/builtin_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "embed/builtin_embedder.h"

namespace pampax {
namespace {

double entry(const SparseMatrix& m, int i, int j) {
  for (int64_t p = m.row_start[i]; p < m.row_start[i + 1]; ++p)
    if (m.col[p] == j) return m.val[p];
  return 0;
}

TEST(BuiltinModel, CooccurrenceCountsDistinctPairsPerBag) {
  // Bag 0 repeats term 1: still one co-occurrence of (0,1) for that bag.
  SparseMatrix c = cooccurrence({{0, 1, 1}, {1, 0}, {1, 2}, {3}}, 4);
  ASSERT_EQ(c.n, 4);
  EXPECT_EQ(entry(c, 0, 1), 2);
  EXPECT_EQ(entry(c, 1, 0), 2);
  EXPECT_EQ(entry(c, 1, 2), 1);
  EXPECT_EQ(entry(c, 2, 1), 1);
  EXPECT_EQ(entry(c, 0, 2), 0);
  EXPECT_EQ(entry(c, 1, 1), 0);  // no diagonal
  EXPECT_EQ(c.row_start[4] - c.row_start[3], 0);
  EXPECT_EQ(c.col.size(), 4u);
  for (int i = 0; i < c.n; ++i)
    for (int64_t p = c.row_start[i] + 1; p < c.row_start[i + 1]; ++p) EXPECT_LT(c.col[p - 1], c.col[p]);
}

TEST(BuiltinModel, PpmiMatchesTheFormula) {
  std::vector<std::vector<uint32_t>> bags = {{0, 1}, {0, 1}, {1, 2}, {0, 2}, {2, 3}, {2, 3}, {0, 3}};
  SparseMatrix c = cooccurrence(bags, 4);
  const double alpha = 0.75;
  SparseMatrix p = ppmi(c, alpha);
  std::vector<double> r(4, 0);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r[i] += entry(c, i, j);
  double z = 0;
  for (double x : r) z += std::pow(x, alpha);
  int positive = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double cij = entry(c, i, j);
      double want = cij > 0 ? std::max(0.0, std::log(cij / (r[i] * std::pow(r[j], alpha) / z))) : 0.0;
      EXPECT_NEAR(entry(p, i, j), want, 1e-5) << i << "," << j;
      positive += want > 0;
    }
  EXPECT_GT(positive, 0);
  EXPECT_EQ(static_cast<int>(p.col.size()), positive);  // zeros are not stored
}

TEST(BuiltinModel, JacobiDiagonalisesASmallMatrix) {
  // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 1, 3, 5.
  std::vector<double> w, v;
  jacobi_eigen({2, 1, 0, 1, 2, 0, 0, 0, 5}, 3, &w, &v);
  std::vector<double> sorted = w;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NEAR(sorted[0], 1, 1e-12);
  EXPECT_NEAR(sorted[1], 3, 1e-12);
  EXPECT_NEAR(sorted[2], 5, 1e-12);
  for (int e = 0; e < 3; ++e) {  // A v = w v
    const double a[3][3] = {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}};
    for (int i = 0; i < 3; ++i) {
      double av = 0;
      for (int k = 0; k < 3; ++k) av += a[i][k] * v[k * 3 + e];
      EXPECT_NEAR(av, w[e] * v[i * 3 + e], 1e-12);
    }
  }
}

// A = Q diag(lambda) Q^T with a known orthonormal Q (Gram-Schmidt of fixed vectors).
TEST(BuiltinModel, RandomizedEigsRecoversAKnownSpectrum) {
  const int n = 40;
  std::vector<std::vector<double>> q;
  for (int c = 0; c < n; ++c) {
    std::vector<double> x(n);
    for (int i = 0; i < n; ++i) x[i] = std::sin(1.0 + 0.37 * (i + 1) * (c + 1)) + (i == c ? 2.0 : 0.0);
    for (const auto& y : q) {
      double d = 0;
      for (int i = 0; i < n; ++i) d += x[i] * y[i];
      for (int i = 0; i < n; ++i) x[i] -= d * y[i];
    }
    double norm = 0;
    for (double t : x) norm += t * t;
    for (double& t : x) t /= std::sqrt(norm);
    q.push_back(x);
  }
  std::vector<double> lambda(n, 0.0);
  const double top[] = {10, -8, 6, 4.5};  // then small values
  for (int c = 0; c < n; ++c) lambda[c] = c < 4 ? top[c] : 0.2 / (c + 1);
  SparseMatrix a;
  a.n = n;
  a.row_start.push_back(0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int c = 0; c < n; ++c) s += lambda[c] * q[c][i] * q[c][j];
      a.col.push_back(j);
      a.val.push_back(static_cast<float>(s));
    }
    a.row_start.push_back(static_cast<int64_t>(a.col.size()));
  }
  std::vector<float> vecs, vals;
  randomized_eigs(a, 4, 8, 3, 7, &vecs, &vals);
  ASSERT_EQ(vals.size(), 4u);
  ASSERT_EQ(vecs.size(), static_cast<size_t>(n) * 4);
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(vals[c], top[c], 1e-3) << c;
    double dot = 0;
    for (int i = 0; i < n; ++i) dot += vecs[static_cast<size_t>(i) * 4 + c] * q[c][i];
    EXPECT_NEAR(std::fabs(dot), 1.0, 1e-4) << c;
  }
  // k larger than n is clamped; a zero matrix gives zero values.
  SparseMatrix zero;
  zero.n = 3;
  zero.row_start = {0, 0, 0, 0};
  randomized_eigs(zero, 10, 4, 2, 1, &vecs, &vals);
  ASSERT_EQ(vals.size(), 3u);
  for (float v : vals) EXPECT_EQ(v, 0.0f);
}

std::vector<std::string> corpus() {
  std::vector<std::string> t;
  for (int i = 0; i < 30; ++i) {
    t.push_back("def parse_json_config(path):\n    \"\"\"Read the JSON config file.\"\"\"\n    data = json.loads(open(path).read())\n    return data  # " + std::to_string(i));
    t.push_back("def send_http_request(url):\n    \"\"\"Send an HTTP request and return the response.\"\"\"\n    response = requests.get(url, timeout=10)\n    return response.status_code");
    t.push_back("def resize_image(img, width):\n    \"\"\"Scale the image to a width.\"\"\"\n    return img.resize((width, img.height * width // img.width))");
  }
  return t;
}

double cosine(const float* a, const float* b, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

TEST(BuiltinModel, TrainingIsDeterministicAndEmbedsByTopic) {
  BuiltinTrainOptions o;
  o.dim = 8;
  BuiltinModel a = train_builtin_model(corpus(), o), b = train_builtin_model(corpus(), o);
  ASSERT_GT(a.terms.size(), 10u);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.vectors, b.vectors);
  EXPECT_EQ(a.model_id(), b.model_id());
  EXPECT_EQ(a.model_id().rfind("builtin:ppmi-svd-d8:", 0), 0u) << a.model_id();
  EXPECT_TRUE(std::is_sorted(a.terms.begin(), a.terms.end()));
  std::vector<std::string> other = corpus();
  other.push_back("def unrelated(x): return x.compress().zstd()");
  other.push_back("def unrelated2(x): return x.compress().zstd()");
  EXPECT_NE(train_builtin_model(other, o).hash, a.hash);

  BuiltinEmbedder e(a);
  EXPECT_EQ(e.info().dim, 8);
  EXPECT_EQ(e.info().model_id, a.model_id());
  auto docs = e.embed({corpus()[0], corpus()[1], corpus()[2], "zzqx unknownword"}, EmbedRole::kDocument);
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 4u * 8);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(cosine(&(*docs)[i * 8], &(*docs)[i * 8], 8), 1.0, 1e-5);
  EXPECT_EQ(cosine(&(*docs)[3 * 8], &(*docs)[3 * 8], 8), 0.0);  // nothing known: zero row
  // A query in other words than the code finds its topic: "loads" and "config" co-occur with
  // "json" and "read" in the corpus.
  auto q = e.embed({"how to read a json config"}, EmbedRole::kQuery);
  ASSERT_TRUE(q.ok());
  double json_sim = cosine(q->data(), &(*docs)[0], 8), http_sim = cosine(q->data(), &(*docs)[8], 8),
         image_sim = cosine(q->data(), &(*docs)[16], 8);
  EXPECT_GT(json_sim, http_sim);
  EXPECT_GT(json_sim, image_sim);
  // Queries leave stop words out: "the" adds nothing.
  auto q2 = e.embed({"the json config the the"}, EmbedRole::kQuery);
  auto q3 = e.embed({"json config"}, EmbedRole::kQuery);
  ASSERT_TRUE(q2.ok() && q3.ok());
  EXPECT_NEAR(cosine(q2->data(), q3->data(), 8), 1.0, 1e-5);
}

TEST(BuiltinModel, TermsAreStemmedSplitAndFiltered) {
  std::vector<std::string> got;
  builtin_terms("parseJsonFiles the 42 x", false, [&](const std::string& t) { got.push_back(t); });
  EXPECT_EQ(got, (std::vector<std::string>{"parsejsonfil", "pars", "json", "file", "the"}));
  got.clear();
  builtin_terms("the parsing", true, [&](const std::string& t) { got.push_back(t); });
  EXPECT_EQ(got, (std::vector<std::string>{"pars"}));
  got.clear();
  builtin_terms("the", true, [&](const std::string& t) { got.push_back(t); });  // all stop words
  EXPECT_EQ(got, (std::vector<std::string>{"the"}));
}

TEST(BuiltinModel, TinyCorpusGivesAnEmptyButUsableModel) {
  BuiltinModel m = train_builtin_model({"alpha"}, {});
  EXPECT_TRUE(m.terms.empty());
  BuiltinEmbedder e(m);
  auto v = e.embed({"alpha beta"}, EmbedRole::kQuery);
  ASSERT_TRUE(v.ok());
  for (float x : *v) EXPECT_EQ(x, 0.0f);
}

TEST(BuiltinModel, SparseMultiplyMatchesADenseProduct) {
  // Enough non-zeros (> 65,536) for the threaded split, and k not a multiple of 8 (the AVX2
  // loop's tail).
  const int n = 400, k = 19;
  SparseMatrix m;
  m.n = n;
  m.row_start.push_back(0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j)
      if ((i * 7 + j * 3) % 2 == 0 && i != j) {
        m.col.push_back(j);
        m.val.push_back(static_cast<float>(std::sin(0.1 * i + 0.2 * j)));
      }
    m.row_start.push_back(static_cast<int64_t>(m.col.size()));
  }
  ASSERT_GT(m.col.size(), 65536u);
  std::vector<float> x(static_cast<size_t>(n) * k), out(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::cos(0.01 * static_cast<double>(i)));
  m.multiply(x.data(), k, out.data());
  for (int i = 0; i < n; i += 37)
    for (int c = 0; c < k; ++c) {
      double want = 0;
      for (int64_t p = m.row_start[i]; p < m.row_start[i + 1]; ++p)
        want += static_cast<double>(m.val[p]) * x[static_cast<size_t>(m.col[p]) * k + c];
      EXPECT_NEAR(out[static_cast<size_t>(i) * k + c], want, 1e-3) << i << "," << c;
    }
  std::vector<float> again(x.size());
  m.multiply(x.data(), k, again.data());
  EXPECT_EQ(out, again);  // deterministic
}

TEST(BuiltinModel, DocumentVectorIsTheIdfWeightedSumOfItsTerms) {
  BuiltinTrainOptions o;
  o.dim = 8;
  BuiltinModel m = train_builtin_model(corpus(), o);
  BuiltinEmbedder e(m);
  // The embedder's indexing path looks words up before stemming; it must give the terms of
  // builtin_terms(text, false), repeats included, and skip unknown ones.
  const std::string text = "def loadJsonConfig(path): return json.loads(read_file(path)) # 42 x loads";
  std::vector<double> want(8, 0.0);
  builtin_terms(text, false, [&](const std::string& t) {
    auto it = std::lower_bound(m.terms.begin(), m.terms.end(), t);
    if (it == m.terms.end() || *it != t) return;
    size_t i = static_cast<size_t>(it - m.terms.begin());
    for (int c = 0; c < 8; ++c) want[c] += static_cast<double>(m.idf[i]) * m.vectors[i * 8 + c];
  });
  double norm = 0;
  for (double w : want) norm += w * w;
  ASSERT_GT(norm, 0);
  for (int rep = 0; rep < 2; ++rep) {  // the second time from the embedder's caches
    auto v = e.embed({text}, EmbedRole::kDocument);
    ASSERT_TRUE(v.ok());
    for (int c = 0; c < 8; ++c) EXPECT_NEAR((*v)[c], want[c] / std::sqrt(norm), 1e-5) << c;
  }
}

TEST(BuiltinModel, TrainingOptionsFromTheEnvironment) {
  ::unsetenv("PAMPAX_BUILTIN_TRAIN");
  BuiltinTrainOptions d = builtin_train_options_from_env();
  EXPECT_EQ(d.dim, BuiltinTrainOptions{}.dim);
  ::setenv("PAMPAX_BUILTIN_TRAIN", "dim=64,power=0,sample=500,terms=-3,bogus=1,,vocab", 1);
  BuiltinTrainOptions o = builtin_train_options_from_env();
  ::unsetenv("PAMPAX_BUILTIN_TRAIN");
  EXPECT_EQ(o.dim, 64);
  EXPECT_EQ(o.power, 0);
  EXPECT_EQ(o.sample_chunks, 500);
  EXPECT_EQ(o.max_terms_per_chunk, d.max_terms_per_chunk);  // invalid values are ignored
  EXPECT_EQ(o.max_vocab, d.max_vocab);
}

// Documents embedded on 1, 2 or 3 threads give bit-identical vectors (each text is summed by one
// thread in its own term order), in the caller's order, also when the memos are warm.
TEST(BuiltinModel, ThreadCountDoesNotChangeTheVectors) {
  BuiltinTrainOptions o;
  o.dim = 16;
  BuiltinModel m = train_builtin_model(corpus(), o);
  ASSERT_GT(m.terms.size(), 10u);
  // Varied texts, more than the threshold for threads (32 a thread), some with no known term.
  const std::vector<std::string> bases = corpus();
  std::vector<std::string> texts;
  for (int i = 0; i < 700; ++i) {
    const std::string& base = bases[static_cast<size_t>(i) % bases.size()];
    texts.push_back(i % 50 == 7 ? "zzqx " + std::to_string(i)
                                : base.substr(0, base.size() * static_cast<size_t>(1 + i % 5) / 5) +
                                      " request" + std::string(static_cast<size_t>(i % 3), 'x'));
  }
  BuiltinEmbedder one(m);
  one.set_threads(1);
  auto want = one.embed(texts, EmbedRole::kDocument);
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(want->size(), texts.size() * 16);
  size_t zero_rows = 0;
  for (size_t i = 0; i < texts.size(); ++i)
    zero_rows += std::all_of(&(*want)[i * 16], &(*want)[i * 16] + 16, [](float x) { return x == 0.0f; });
  EXPECT_EQ(zero_rows, 14u);  // the "zzqx" texts only
  for (int threads : {2, 3, 0}) {
    BuiltinEmbedder e(m);
    e.set_threads(threads);
    for (int rep = 0; rep < 2; ++rep) {  // cold, then warm memos
      auto got = e.embed(texts, EmbedRole::kDocument);
      ASSERT_TRUE(got.ok());
      ASSERT_EQ(got->size(), want->size());
      EXPECT_EQ(std::memcmp(got->data(), want->data(), want->size() * sizeof(float)), 0)
          << threads << " threads, pass " << rep;
    }
  }
  // Each text alone (one thread) gives its row of the batch.
  for (size_t i : {size_t{0}, size_t{7}, size_t{345}, size_t{699}}) {
    auto v = one.embed({texts[i]}, EmbedRole::kDocument);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(std::memcmp(v->data(), &(*want)[i * 16], 16 * sizeof(float)), 0) << i;
  }
}

// Training counts terms and pairs on several threads; the model (terms, idf, vectors, id) is
// the same for every thread count.
TEST(BuiltinModel, TrainingThreadsDoNotChangeTheModel) {
  // Enough chunks for several counting threads (256 texts and 512 bags a thread at least).
  std::vector<std::string> texts;
  const std::vector<std::string> bases = corpus();
  for (int i = 0; i < 1600; ++i)
    texts.push_back(bases[static_cast<size_t>(i) % bases.size()] + " step" + std::to_string(i % 40) +
                    " stage" + std::to_string(i % 13) + " item" + std::to_string(i % 7));
  BuiltinTrainOptions o;
  o.dim = 8;
  o.threads = 1;
  BuiltinModel one = train_builtin_model(texts, o);
  ASSERT_GT(one.terms.size(), 30u);
  for (int threads : {2, 3}) {
    o.threads = threads;
    BuiltinModel m = train_builtin_model(texts, o);
    EXPECT_EQ(m.terms, one.terms) << threads;
    EXPECT_EQ(m.idf, one.idf) << threads;
    EXPECT_EQ(m.vectors, one.vectors) << threads;
    EXPECT_EQ(m.model_id(), one.model_id()) << threads;
  }
  // The co-occurrence counts alone, with repeats inside bags.
  std::vector<std::vector<uint32_t>> bags;
  uint64_t x = 7;
  for (int b = 0; b < 2000; ++b) {
    std::vector<uint32_t> bag;
    for (int k = 0; k < 2 + b % 9; ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      bag.push_back(static_cast<uint32_t>((x >> 33) % 300));
    }
    bags.push_back(bag);
  }
  SparseMatrix c1 = cooccurrence(bags, 300, 1), c3 = cooccurrence(bags, 300, 3);
  EXPECT_EQ(c1.row_start, c3.row_start);
  EXPECT_EQ(c1.col, c3.col);
  EXPECT_EQ(c1.val, c3.val);
  EXPECT_GT(c1.col.size(), 1000u);
}

}  // namespace
}  // namespace pampax
