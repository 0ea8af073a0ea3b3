// Warm in-process search latency: opens one Engine, runs each query many times, prints
// p50/p95/max per query and overall. usage: pampax_search_latency ROOT ROUNDS QUERY...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/query_cache.h"

using namespace pampax;

static double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s ROOT ROUNDS QUERY...\n", argv[0]);
    return 2;
  }
  auto engine = Engine::open(argv[1], Engine::Mode::kRead);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().message().c_str());
    return 1;
  }
  // The pipeline's latency, not the query cache's (which would answer every repeat), unless
  // PAMPAX_QUERY_CACHE=on asks for the cache's.
  const char* cache_env = std::getenv("PAMPAX_QUERY_CACHE");
  if (!cache_env || std::string(cache_env) != "on") {
    QueryCacheOptions no_cache;
    no_cache.enabled = false;
    (*engine)->query_cache().set_options(no_cache);
  }
  int rounds = std::atoi(argv[2]);
  std::vector<double> all;
  std::printf("%-40s %8s %8s %8s %6s\n", "query", "p50 ms", "p95 ms", "max ms", "hits");
  for (int qi = 3; qi < argc; ++qi) {
    SearchRequest req;
    req.query = argv[qi];
    req.limit = 10;
    size_t hits = 0;
    (void)(*engine)->search(req);  // warm-up
    std::vector<double> ms;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto res = (*engine)->search(req);
      auto t1 = std::chrono::steady_clock::now();
      if (!res.ok()) {
        std::fprintf(stderr, "query failed: %s\n", res.status().message().c_str());
        return 1;
      }
      hits = res->hits.size();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    all.insert(all.end(), ms.begin(), ms.end());
    std::printf("%-40.40s %8.3f %8.3f %8.3f %6zu\n", argv[qi], pct(ms, 0.5), pct(ms, 0.95),
                *std::max_element(ms.begin(), ms.end()), hits);
  }
  std::printf("%-40s %8.3f %8.3f %8.3f\n", "ALL", pct(all, 0.5), pct(all, 0.95),
              *std::max_element(all.begin(), all.end()));
  return 0;
}
