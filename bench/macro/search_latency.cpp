// Warm in-process search latency: opens one Engine, runs each query many times, prints
// p50/p95/max per query and overall (wall clock), and the process CPU time per search (what
// the search costs on a machine shared with other jobs, where wall clock measures them too).
// usage: pampax_search_latency [--mode hybrid|bm25|vector|symbol] ROOT ROUNDS QUERY...
#include <algorithm>
#include <chrono>
#include <ctime>
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

static double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

int main(int argc, char** argv) {
  SearchMode mode = SearchMode::kHybrid;
  if (argc > 2 && std::string(argv[1]) == "--mode") {
    if (!parse_search_mode(argv[2], &mode)) {
      std::fprintf(stderr, "unknown mode %s\n", argv[2]);
      return 2;
    }
    argv += 2;
    argc -= 2;
  }
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s [--mode M] ROOT ROUNDS QUERY...\n", argv[0]);
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
  std::vector<double> all, all_cpu;
  std::printf("%-40s %8s %8s %8s %6s %9s %9s\n", "query", "p50 ms", "p95 ms", "max ms", "hits",
              "CPU p50", "CPU p95");
  for (int qi = 3; qi < argc; ++qi) {
    SearchRequest req;
    req.query = argv[qi];
    req.limit = 10;
    req.mode = mode;
    size_t hits = 0;
    (void)(*engine)->search(req);  // warm-up
    std::vector<double> ms, cpu;
    for (int r = 0; r < rounds; ++r) {
      double c0 = cpu_ms();
      auto t0 = std::chrono::steady_clock::now();
      auto res = (*engine)->search(req);
      auto t1 = std::chrono::steady_clock::now();
      cpu.push_back(cpu_ms() - c0);
      if (!res.ok()) {
        std::fprintf(stderr, "query failed: %s\n", res.status().message().c_str());
        return 1;
      }
      hits = res->hits.size();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    all.insert(all.end(), ms.begin(), ms.end());
    all_cpu.insert(all_cpu.end(), cpu.begin(), cpu.end());
    std::printf("%-40.40s %8.3f %8.3f %8.3f %6zu %9.3f %9.3f\n", argv[qi], pct(ms, 0.5), pct(ms, 0.95),
                *std::max_element(ms.begin(), ms.end()), hits, pct(cpu, 0.5), pct(cpu, 0.95));
  }
  std::printf("%-40s %8.3f %8.3f %8.3f %6s %9.3f %9.3f\n", "ALL", pct(all, 0.5), pct(all, 0.95),
              *std::max_element(all.begin(), all.end()), "", pct(all_cpu, 0.5), pct(all_cpu, 0.95));
  return 0;
}
