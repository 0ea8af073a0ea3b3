// Warm in-process context assembly: opens one Engine, assembles each query ROUNDS times and
// prints, per query, the median and p95 of the search alone and of everything after it
// (selection, rendering, exact token counting), then the time to render the finished bundle
// as markdown with evidence and as JSON (rendering only), with the bundle's size. Wall-clock
// times, and the thread's CPU time of the same work (CLOCK_THREAD_CPUTIME_ID: what the work
// costs when the machine is shared and the thread waits for a core).
// usage: pampax_assemble_latency ROOT ROUNDS BUDGET QUERY...
#include <time.h>

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

static double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
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
  std::vector<double> all_search, all_asm, all_md, all_json, all_cpu_search, all_cpu_asm;
  std::printf("%-34s %7s %7s %8s %8s %7s %7s %7s %7s %6s %6s %6s\n", "query (markdown + evidence)",
              "search", "p95", "assembly", "p95", "cpu:srch", "cpu:asm", "md ren", "json", "tokens",
              "items", "cands");
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
    std::vector<double> s_ms, a_ms, md_ms, js_ms, cpu_s, cpu_a;
    Bundle last;
    SearchRequest sr;  // the search assemble() runs
    sr.query = req.query;
    sr.limit = static_cast<int>(std::clamp<int64_t>(budget / 400, 8, 40));
    for (int r = 0; r < rounds; ++r) {
      double c0 = cpu_ms();
      auto b = assemble(**engine, req);
      double c1 = cpu_ms();
      if (!b.ok()) return 1;
      auto s = (*engine)->search(sr);
      double c2 = cpu_ms();
      if (!s.ok()) return 1;
      s_ms.push_back(b->search_ms);
      a_ms.push_back(b->assemble_ms);
      cpu_s.push_back(c2 - c1);
      cpu_a.push_back(std::max(0.0, (c1 - c0) - (c2 - c1)));
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
    all_cpu_search.insert(all_cpu_search.end(), cpu_s.begin(), cpu_s.end());
    all_cpu_asm.insert(all_cpu_asm.end(), cpu_a.begin(), cpu_a.end());
    std::printf("%-34.34s %7.2f %7.2f %8.2f %8.2f %7.2f %7.2f %7.3f %7.3f %6lld %6zu %6d\n",
                argv[qi], pct(s_ms, 0.5), pct(s_ms, 0.95), pct(a_ms, 0.5), pct(a_ms, 0.95),
                pct(cpu_s, 0.5), pct(cpu_a, 0.5), pct(md_ms, 0.5), pct(js_ms, 0.5),
                static_cast<long long>(last.tokens), last.items.size(), last.candidates);
  }
  std::printf("%-34s %7.2f %7.2f %8.2f %8.2f %7.2f %7.2f %7.3f %7.3f   (ms, medians and p95 over "
              "%d rounds, budget %lld)\n",
              "ALL", pct(all_search, 0.5), pct(all_search, 0.95), pct(all_asm, 0.5),
              pct(all_asm, 0.95), pct(all_cpu_search, 0.5), pct(all_cpu_asm, 0.5), pct(all_md, 0.5),
              pct(all_json, 0.5), rounds, static_cast<long long>(budget));
  return 0;
}
