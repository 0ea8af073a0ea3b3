// The metrics registry: bucket placement, quantile estimates, label escaping, performance
// scores, Prometheus rendering, and persistence across registries (processes) on a real
// index database.
#include "ops/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "../test_util.h"
#include "store/index_store.h"

namespace pampax {
namespace {

using testing::TempDir;

TEST(Histogram, BucketsAreUpperInclusive) {
  Histogram h;
  for (double v : {0.0, 1.0, 1.0001, 5.0, 4999.0, 5000.0, 5000.5, 1e9}) h.observe(v);
  EXPECT_EQ(h.counts[0], 2u);   // <= 1
  EXPECT_EQ(h.counts[1], 2u);   // (1, 5]
  EXPECT_EQ(h.counts[10], 2u);  // (2000, 5000]
  EXPECT_EQ(h.counts[11], 2u);  // +Inf
  EXPECT_EQ(h.count, 8u);
  EXPECT_EQ(h.max, 1e9);
  Histogram nan;
  nan.observe(std::nan(""));
  nan.observe(-3);
  EXPECT_EQ(nan.counts[0], 2u);
}

TEST(Histogram, QuantilesInterpolateWithinBuckets) {
  Histogram h;
  EXPECT_EQ(h.quantile(0.5), 0);
  // 100 observations spread evenly in (10, 25]: p50 lies in that bucket.
  for (int i = 0; i < 100; ++i) h.observe(10.1 + 0.149 * i);
  double p50 = h.quantile(0.5), p95 = h.quantile(0.95);
  EXPECT_GT(p50, 10);
  EXPECT_LE(p50, 25);
  EXPECT_GE(p95, p50);
  EXPECT_LE(p95, 25);
  // Beyond the last bound: the recorded maximum.
  Histogram slow;
  for (int i = 0; i < 10; ++i) slow.observe(9000);
  EXPECT_EQ(slow.quantile(0.99), 9000);
  // A single fast observation: never above the maximum seen.
  Histogram one;
  one.observe(0.2);
  EXPECT_LE(one.quantile(0.5), 0.2 + 1e-12);
}

TEST(Labels, EscapeAndReadBack) {
  std::string l = label("operation", "se\"ar\\ch\nx") + "," + label("cache_hit", "true");
  EXPECT_EQ(l, "operation=\"se\\\"ar\\\\ch\\nx\",cache_hit=\"true\"");
  EXPECT_EQ(label_value(l, "operation"), "se\"ar\\ch\nx");
  EXPECT_EQ(label_value(l, "cache_hit"), "true");
  EXPECT_EQ(label_value(l, "hit"), "");  // a suffix of another name is not that label
}

TEST(Performance, ScoresAgainstTheTargets) {
  MetricsRegistry m;
  for (int i = 0; i < 100; ++i) m.observe("search", false, 3);
  for (int i = 0; i < 100; ++i) m.observe("database", false, 200);  // target 50 ms
  m.observe("index", false, 10000);                                   // no target
  auto perf = performance(m.snapshot());
  ASSERT_EQ(perf.size(), 3u);
  std::map<std::string, OperationPerformance> by;
  for (auto& p : perf) by[p.operation] = p;
  EXPECT_EQ(by["search"].score, 100);
  EXPECT_EQ(by["search"].threshold_ms, 800);
  EXPECT_LT(by["database"].score, 100);
  EXPECT_GT(by["database"].score, 0);
  EXPECT_EQ(by["database"].threshold_ms, 50);
  EXPECT_EQ(by["index"].score, -1);
  EXPECT_EQ(operation_threshold_ms("assemble"), 2000);
  EXPECT_EQ(operation_threshold_ms("cache"), 20);
}

TEST(Prometheus, RendersFamiliesWithCumulativeBuckets) {
  MetricsRegistry m;
  m.observe("search", false, 3);
  m.observe("search", false, 30);
  m.observe("search", true, 0.5);
  m.add(kQueriesTotal, 3);
  m.add(kCacheHitsTotal, 1, label("cache", "query"));
  m.set_gauge(kIndexChunks, 12);
  ProcessStats p = sample_process();
  EXPECT_GT(p.rss_bytes, 0u);
  std::string text = render_prometheus(m.snapshot(), &p);
  EXPECT_NE(text.find("# TYPE pampax_operation_duration_ms histogram\n"), std::string::npos);
  EXPECT_NE(text.find("pampax_operation_duration_ms_bucket{operation=\"search\",cache_hit=\"false\",le=\"5\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("pampax_operation_duration_ms_bucket{operation=\"search\",cache_hit=\"false\",le=\"50\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("pampax_operation_duration_ms_bucket{operation=\"search\",cache_hit=\"false\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("pampax_operation_duration_ms_count{operation=\"search\",cache_hit=\"true\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("pampax_queries_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("pampax_cache_hits_total{cache=\"query\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE pampax_index_chunks gauge\npampax_index_chunks 12\n"), std::string::npos);
  EXPECT_NE(text.find("pampax_process_resident_memory_bytes "), std::string::npos);
  // Every family is announced once, before its samples.
  EXPECT_EQ(text.find("# TYPE pampax_queries_total"), text.rfind("# TYPE pampax_queries_total"));
}

TEST(Registry, PersistsAcrossRegistriesAndKeepsFailedFlushes) {
  TempDir d;
  std::string path = (d / "index.db").string();
  auto s1 = IndexStore::open(path, Db::Mode::kCreate);
  ASSERT_TRUE(s1.ok());
  MetricsRegistry a;
  a.observe("search", false, 12);
  a.add(kQueriesTotal);
  a.set_gauge(kIndexChunks, 5);
  ASSERT_TRUE(a.flush(**s1).ok());
  EXPECT_FALSE(a.has_pending());
  EXPECT_EQ(a.snapshot().counter(kQueriesTotal), 1);  // moved into base, not lost

  auto s2 = IndexStore::open(path, Db::Mode::kReadWrite);
  ASSERT_TRUE(s2.ok());
  MetricsRegistry b;
  b.observe("search", true, 0.4);
  b.add(kQueriesTotal, 2);
  // A writer holds the lock: the flush fails and b keeps its observations.
  ASSERT_TRUE((*s1)->begin().ok());
  EXPECT_FALSE(b.flush(**s2).ok());
  EXPECT_TRUE(b.has_pending());
  ASSERT_TRUE((*s1)->rollback().ok());
  ASSERT_TRUE(b.flush(**s2).ok());

  MetricsRegistry c;
  ASSERT_TRUE(c.load(**s2).ok());
  MetricsSnapshot snap = c.snapshot();
  EXPECT_EQ(snap.counter(kQueriesTotal), 3);
  EXPECT_EQ(snap.operation("search").count, 2u);
  bool hit = true;
  EXPECT_EQ(snap.operation("search", &hit).count, 1u);
  EXPECT_EQ((snap.gauges[{kIndexChunks, ""}]), 5);
  EXPECT_EQ(snap.operations(), (std::vector<std::string>{"search"}));
}

TEST(OperationTimer, RecordsDurationCpuRssAndFailures) {
  MetricsRegistry m;
  {
    OperationTimer t(m, "embed");
    volatile double x = 0;
    for (int i = 0; i < 100000; ++i) x = x + i;
    EXPECT_GE(t.finish(false), 0);
  }
  { OperationTimer t(m, "embed"); }  // not finished: an early return, counted as a failure
  MetricsSnapshot s = m.snapshot();
  EXPECT_EQ(s.operation("embed").count, 2u);
  EXPECT_EQ(s.counter(kErrorsTotal, label("operation", "embed")), 1);
  EXPECT_GT((s.gauges[{kOperationPeakRss, label("operation", "embed")}]), 0);
  EXPECT_TRUE(s.counters.count({kOperationCpuTotal, label("operation", "embed")}));
}

}  // namespace
}  // namespace pampax
