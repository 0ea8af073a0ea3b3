// gguf embedder throughput on code-like chunks of ~100-300 tokens with the generated
// MiniLM-L6-shaped test model (same shapes, hence same speed, as all-MiniLM-L6-v2 in F16).
// Reports chunks/s as items_per_second and model tokens/s (special tokens included) as
// tokens_per_second. Args: token budget per forward pass, threads.
//   pampax_micro --benchmark_filter=Embed
#include <benchmark/benchmark.h>
#include <llama.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.h"
#include "embed/gguf_embedder.h"

namespace {

const std::string& model_path() {
  static const std::string p = pampax::bench::test_embed_model();
  return p;
}

std::vector<std::string> code_chunks(int n) { return pampax::bench::code_chunks(n, 12345, false); }

int64_t count_tokens(const std::vector<std::string>& texts) {
  llama_model_params mp = llama_model_default_params();
  mp.vocab_only = true;
  llama_model* m = llama_model_load_from_file(model_path().c_str(), mp);
  if (!m) return 0;
  const llama_vocab* v = llama_model_get_vocab(m);
  int64_t total = 0;
  std::vector<llama_token> buf(1 << 16);
  for (const auto& t : texts) {
    total += llama_tokenize(v, t.data(), static_cast<int32_t>(t.size()), buf.data(),
                            static_cast<int32_t>(buf.size()), true, false);
  }
  llama_model_free(m);
  return total;
}

void BM_EmbedGguf(benchmark::State& state) {
  pampax::GgufOptions o;
  o.model_path = model_path();
  o.batch_tokens = static_cast<int>(state.range(0));
  o.threads = static_cast<int>(state.range(1));
  auto e = pampax::open_gguf_embedder(o);
  if (!e.ok()) {
    state.SkipWithError(e.status().message().c_str());
    return;
  }
  const auto chunks = code_chunks(64);
  const int64_t tokens = count_tokens(chunks);
  (void)e.value()->embed({"warm up"}, pampax::EmbedRole::kDocument);
  for (auto _ : state) {
    auto r = e.value()->embed(chunks, pampax::EmbedRole::kDocument);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r.value().data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(chunks.size()));
  state.counters["tokens_per_second"] = benchmark::Counter(
      static_cast<double>(state.iterations() * tokens), benchmark::Counter::kIsRate);
  state.counters["tokens_per_chunk"] = static_cast<double>(tokens) / chunks.size();
}
BENCHMARK(BM_EmbedGguf)
    ->ArgsProduct({{128, 256, 512, 1024, 2048}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
