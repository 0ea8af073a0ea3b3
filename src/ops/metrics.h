// Metrics: operation-duration histograms, counters and gauges, persisted per index so that
// `pampax metrics` and `pampax report` see what earlier processes recorded, and rendered as
// Prometheus text (for `pampax metrics --format prometheus` and the HTTP server's /metrics).
//
// One MetricsRegistry per Engine. It holds two snapshots: `base` (what the index's metric
// tables held when last loaded or flushed) and `pending` (recorded by this process since the
// last flush). snapshot() is base + pending; flush() merges pending into the tables
// (counters and histograms add, gauges are replaced) and moves it into base.
// Thread-safe: every method may be called from any thread (a mutex guards the state), so an
// HTTP server can render while searches record.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace pampax {

class IndexStore;

// Upper bounds (ms) of the duration buckets; a last, implicit bucket is +Inf.
inline constexpr std::array<double, 11> kDurationBucketsMs = {1,   5,   10,   25,   50,  100,
                                                              250, 500, 1000, 2000, 5000};
inline constexpr const char* kDurationMetric = "pampax_operation_duration_ms";

// Metric names (Prometheus conventions: counters end in _total).
inline constexpr const char* kQueriesTotal = "pampax_queries_total";
inline constexpr const char* kCacheHitsTotal = "pampax_cache_hits_total";      // {cache}
inline constexpr const char* kCacheMissesTotal = "pampax_cache_misses_total";  // {cache}
inline constexpr const char* kFilesIndexedTotal = "pampax_files_indexed_total";
inline constexpr const char* kErrorsTotal = "pampax_errors_total";              // {operation}
inline constexpr const char* kOperationCpuTotal = "pampax_operation_cpu_seconds_total";  // {operation}
inline constexpr const char* kOperationPeakRss = "pampax_operation_peak_rss_bytes";      // {operation}
inline constexpr const char* kIndexSizeBytes = "pampax_index_size_bytes";
inline constexpr const char* kIndexChunks = "pampax_index_chunks";
inline constexpr const char* kIndexFiles = "pampax_index_files";
inline constexpr const char* kEmbeddedChunks = "pampax_embedded_chunks";

struct Histogram {
  std::array<uint64_t, kDurationBucketsMs.size() + 1> counts{};  // per bucket, not cumulative
  double sum = 0, max = 0;
  uint64_t count = 0;

  void observe(double ms);
  void merge(const Histogram& o);
  // The q-quantile (0 < q <= 1) estimated as Prometheus' histogram_quantile does: linear
  // within the bucket that holds it. Above the last bound, the recorded maximum. 0 if empty.
  double quantile(double q) const;
};

// `name{labels}`: labels is Prometheus label text, e.g. operation="search",cache_hit="false"
// (empty for none), values escaped by label().
using MetricKey = std::pair<std::string, std::string>;

struct MetricsSnapshot {
  std::map<MetricKey, Histogram> histograms;
  std::map<MetricKey, double> counters;
  std::map<MetricKey, double> gauges;

  double counter(const std::string& name, const std::string& labels = "") const;
  // Sum of a counter over all its label sets whose text contains `labels_part`.
  double counter_sum(const std::string& name, const std::string& labels_part = "") const;
  // The duration histogram of one operation (both cache_hit values merged when `cache_hit`
  // is null).
  Histogram operation(const std::string& op, const bool* cache_hit = nullptr) const;
  // Operation names that have a duration histogram, sorted.
  std::vector<std::string> operations() const;
};

// Label text for one pair, value escaped (backslash, quote, newline) as the exposition
// format requires; join several with ','.
std::string label(std::string_view name, std::string_view value);
// The value of label `name` in label text, "" if absent.
std::string label_value(const std::string& labels, std::string_view name);

class MetricsRegistry {
 public:
  void observe(std::string_view operation, bool cache_hit, double ms);
  // Adds a batch of observations of one operation (e.g. collected on a hot path).
  void observe_many(std::string_view operation, bool cache_hit, const Histogram& h);
  void add(const std::string& counter, double v = 1, const std::string& labels = "");
  void set_gauge(const std::string& gauge, double v, const std::string& labels = "");

  MetricsSnapshot snapshot() const;
  bool has_pending() const;

  // Replaces base with the index's tables. Pending observations are kept.
  Status load(IndexStore& store);
  // Merges pending into the tables and base. On failure (e.g. another writer held the lock
  // past IndexStore::kOpsBusyMs) pending is kept for the next flush.
  Status flush(IndexStore& store);

 private:
  mutable std::mutex mu_;
  MetricsSnapshot base_, pending_;
};

// This process's resources, from /proc and getrusage.
struct ProcessStats {
  uint64_t rss_bytes = 0, peak_rss_bytes = 0;
  double cpu_seconds = 0;  // user + system, all threads
};
ProcessStats sample_process();

// Times one operation: on finish(), records its duration, its CPU seconds, the process's
// peak RSS as a gauge, and (failed) an error. Not thread-safe itself (one per operation).
class OperationTimer {
 public:
  OperationTimer(MetricsRegistry& m, std::string operation);
  ~OperationTimer();  // finish(false, true) unless finished: an early return is a failure
  double finish(bool cache_hit, bool failed = false);  // returns the milliseconds

 private:
  MetricsRegistry& m_;
  std::string op_;
  double t0_ = 0, cpu0_ = 0;
  bool done_ = false;
};

// Performance against the targets of the system's performance guide.
struct OperationPerformance {
  std::string operation;
  uint64_t count = 0;
  double p50 = 0, p95 = 0, p99 = 0, mean = 0, max = 0;  // ms, estimated from the histogram
  double threshold_ms = 0;  // p95 target; 0 = none
  int score = -1;           // 0-100: 100 when p95 <= threshold, else 100 * threshold / p95; -1 none
};
// p95 targets (ms): search 800, assemble 2000, database 50, cache 20.
double operation_threshold_ms(std::string_view operation);
std::vector<OperationPerformance> performance(const MetricsSnapshot& s);

// Prometheus text exposition format 0.0.4: HELP and TYPE for every family, histograms with
// cumulative _bucket{le}, _sum and _count. `process` adds this process's gauges.
std::string render_prometheus(const MetricsSnapshot& s, const ProcessStats* process = nullptr);

}  // namespace pampax
