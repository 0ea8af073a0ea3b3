// Warm in-process context assembly: opens one Engine, assembles each query ROUNDS times and
// prints, per query, the median and p95 of the search alone and of everything after it
// (selection, rendering, exact token counting), then the time to render the finished bundle
// as markdown with evidence and as JSON (rendering only), with the bundle's size.
// usage: pampax_assemble_latency ROOT ROUNDS BUDGET QUERY...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "assemble/assembler.h"
#include "assemble/render.h"
#include "core/engine.h"

using namespace pampax;

static double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

static double ms_of(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s ROOT ROUNDS BUDGET QUERY...\n", argv[0]);
    return 2;
  }
  auto engine = Engine::open(argv[1], Engine::Mode::kRead);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().message().c_str());
    return 1;
  }
  int rounds = std::max(1, std::atoi(argv[2]));
  int64_t budget = std::atoll(argv[3]);
  std::vector<double> all_search, all_asm, all_md, all_json;
  std::printf("%-34s %7s %7s %8s %8s %7s %7s %6s %6s %6s\n", "query (markdown + evidence)",
              "search", "p95", "assembly", "p95", "md ren", "json", "tokens", "items", "cands");
  for (int qi = 4; qi < argc; ++qi) {
    AssembleRequest req;
    req.query = argv[qi];
    req.budget = budget;
    req.evidence = true;
    auto warm = assemble(**engine, req);  // loads the tokenizer, warms the caches
    if (!warm.ok()) {
      std::fprintf(stderr, "query failed: %s\n", warm.status().message().c_str());
      return 1;
    }
    std::vector<double> s_ms, a_ms, md_ms, js_ms;
    Bundle last;
    for (int r = 0; r < rounds; ++r) {
      auto b = assemble(**engine, req);
      if (!b.ok()) return 1;
      s_ms.push_back(b->search_ms);
      a_ms.push_back(b->assemble_ms);
      last = std::move(b).value();
    }
    Bundle js = last;
    js.format = BundleFormat::kJson;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      std::string md = render_markdown(last);
      md_ms.push_back(ms_of(t0));
      t0 = std::chrono::steady_clock::now();
      std::string j = render_json(js);
      js_ms.push_back(ms_of(t0));
      if (md.empty() && j.empty()) return 1;
    }
    all_search.insert(all_search.end(), s_ms.begin(), s_ms.end());
    all_asm.insert(all_asm.end(), a_ms.begin(), a_ms.end());
    all_md.insert(all_md.end(), md_ms.begin(), md_ms.end());
    all_json.insert(all_json.end(), js_ms.begin(), js_ms.end());
    std::printf("%-34.34s %7.2f %7.2f %8.2f %8.2f %7.3f %7.3f %6lld %6zu %6d\n", argv[qi],
                pct(s_ms, 0.5), pct(s_ms, 0.95), pct(a_ms, 0.5), pct(a_ms, 0.95), pct(md_ms, 0.5),
                pct(js_ms, 0.5), static_cast<long long>(last.tokens), last.items.size(),
                last.candidates);
  }
  std::printf("%-34s %7.2f %7.2f %8.2f %8.2f %7.3f %7.3f   (ms, medians and p95 over %d rounds, budget %lld)\n",
              "ALL", pct(all_search, 0.5), pct(all_search, 0.95), pct(all_asm, 0.5),
              pct(all_asm, 0.95), pct(all_md, 0.5), pct(all_json, 0.5), rounds,
              static_cast<long long>(budget));
  return 0;
}
