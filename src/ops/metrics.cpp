#include "ops/metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "store/index_store.h"

namespace pampax {

// ---- Histogram ----------------------------------------------------------------------------
void Histogram::observe(double ms) {
  if (!(ms >= 0)) ms = 0;  // NaN or negative (clock step): count it in the first bucket
  size_t i = 0;
  while (i < kDurationBucketsMs.size() && ms > kDurationBucketsMs[i]) ++i;
  ++counts[i];
  sum += ms;
  ++count;
  max = std::max(max, ms);
}

void Histogram::merge(const Histogram& o) {
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += o.counts[i];
  sum += o.sum;
  count += o.count;
  max = std::max(max, o.max);
}

double Histogram::quantile(double q) const {
  if (count == 0) return 0;
  double rank = q * static_cast<double>(count);
  uint64_t cum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    uint64_t before = cum;
    cum += counts[i];
    if (static_cast<double>(cum) >= rank && counts[i] > 0) {
      if (i == kDurationBucketsMs.size()) return max;  // +Inf bucket
      double lo = i == 0 ? 0 : kDurationBucketsMs[i - 1];
      double hi = std::min(kDurationBucketsMs[i], std::max(max, lo));
      double frac = (rank - static_cast<double>(before)) / static_cast<double>(counts[i]);
      return lo + (hi - lo) * std::clamp(frac, 0.0, 1.0);
    }
  }
  return max;
}

// ---- labels -------------------------------------------------------------------------------
std::string label(std::string_view name, std::string_view value) {
  std::string s(name);
  s += "=\"";
  for (char c : value) {
    if (c == '\\') s += "\\\\";
    else if (c == '"') s += "\\\"";
    else if (c == '\n') s += "\\n";
    else s += c;
  }
  s += '"';
  return s;
}

std::string label_value(const std::string& labels, std::string_view name) {
  std::string key = std::string(name) + "=\"";
  size_t at = 0;
  while ((at = labels.find(key, at)) != std::string::npos) {
    if (at == 0 || labels[at - 1] == ',') break;
    at += key.size();
  }
  if (at == std::string::npos) return "";
  std::string out;
  for (size_t i = at + key.size(); i < labels.size(); ++i) {
    char c = labels[i];
    if (c == '"') break;
    if (c == '\\' && i + 1 < labels.size()) {
      char n = labels[++i];
      out += n == 'n' ? '\n' : n;
    } else {
      out += c;
    }
  }
  return out;
}

static std::string op_labels(std::string_view op, bool cache_hit) {
  return label("operation", op) + "," + label("cache_hit", cache_hit ? "true" : "false");
}

// ---- MetricsSnapshot ----------------------------------------------------------------------
double MetricsSnapshot::counter(const std::string& name, const std::string& labels) const {
  auto it = counters.find({name, labels});
  return it == counters.end() ? 0 : it->second;
}

double MetricsSnapshot::counter_sum(const std::string& name, const std::string& part) const {
  double total = 0;
  for (auto it = counters.lower_bound({name, ""}); it != counters.end() && it->first.first == name;
       ++it)
    if (it->first.second.find(part) != std::string::npos) total += it->second;
  return total;
}

Histogram MetricsSnapshot::operation(const std::string& op, const bool* cache_hit) const {
  Histogram h;
  for (bool hit : {false, true}) {
    if (cache_hit && *cache_hit != hit) continue;
    auto it = histograms.find({kDurationMetric, op_labels(op, hit)});
    if (it != histograms.end()) h.merge(it->second);
  }
  return h;
}

std::vector<std::string> MetricsSnapshot::operations() const {
  std::set<std::string> ops;
  for (const auto& [key, h] : histograms)
    if (key.first == kDurationMetric) ops.insert(label_value(key.second, "operation"));
  return {ops.begin(), ops.end()};
}

// ---- MetricsRegistry ----------------------------------------------------------------------
void MetricsRegistry::observe(std::string_view operation, bool cache_hit, double ms) {
  std::lock_guard lk(mu_);
  pending_.histograms[{kDurationMetric, op_labels(operation, cache_hit)}].observe(ms);
}

void MetricsRegistry::observe_many(std::string_view operation, bool cache_hit, const Histogram& h) {
  if (h.count == 0) return;
  std::lock_guard lk(mu_);
  pending_.histograms[{kDurationMetric, op_labels(operation, cache_hit)}].merge(h);
}

void MetricsRegistry::add(const std::string& counter, double v, const std::string& labels) {
  std::lock_guard lk(mu_);
  pending_.counters[{counter, labels}] += v;
}

void MetricsRegistry::set_gauge(const std::string& gauge, double v, const std::string& labels) {
  std::lock_guard lk(mu_);
  pending_.gauges[{gauge, labels}] = v;
}

MetricsSnapshot MetricsRegistry::snapshot() const {
  std::lock_guard lk(mu_);
  MetricsSnapshot s = base_;
  for (const auto& [k, h] : pending_.histograms) s.histograms[k].merge(h);
  for (const auto& [k, v] : pending_.counters) s.counters[k] += v;
  for (const auto& [k, v] : pending_.gauges) s.gauges[k] = v;
  return s;
}

bool MetricsRegistry::has_pending() const {
  std::lock_guard lk(mu_);
  return !pending_.histograms.empty() || !pending_.counters.empty() || !pending_.gauges.empty();
}

Status MetricsRegistry::load(IndexStore& store) {
  std::vector<IndexStore::MetricValueRow> values;
  std::vector<IndexStore::MetricHistogramRow> hists;
  PAMPAX_RETURN_IF_ERROR(store.load_metrics(&values, &hists));
  MetricsSnapshot s;
  for (const auto& v : values) (v.kind == "counter" ? s.counters : s.gauges)[{v.name, v.labels}] = v.value;
  for (const auto& r : hists) {
    if (r.counts.size() != kDurationBucketsMs.size() + 1) continue;  // other bucket layout
    Histogram h;
    std::copy(r.counts.begin(), r.counts.end(), h.counts.begin());
    h.sum = r.sum;
    h.count = r.count;
    h.max = r.max;
    s.histograms[{r.name, r.labels}] = h;
  }
  std::lock_guard lk(mu_);
  base_ = std::move(s);
  return Status::Ok();
}

Status MetricsRegistry::flush(IndexStore& store) {
  MetricsSnapshot taken;
  {
    std::lock_guard lk(mu_);
    taken = std::move(pending_);
    pending_ = {};
  }
  std::vector<IndexStore::MetricValueRow> values;
  std::vector<IndexStore::MetricHistogramRow> hists;
  for (const auto& [k, v] : taken.counters) values.push_back({k.first, k.second, "counter", v});
  for (const auto& [k, v] : taken.gauges) values.push_back({k.first, k.second, "gauge", v});
  for (const auto& [k, h] : taken.histograms)
    hists.push_back({k.first, k.second, std::vector<uint64_t>(h.counts.begin(), h.counts.end()),
                     h.sum, h.max, h.count});
  Status st = store.merge_metrics(values, hists);
  std::lock_guard lk(mu_);
  MetricsSnapshot& into = st.ok() ? base_ : pending_;
  for (const auto& [k, h] : taken.histograms) into.histograms[k].merge(h);
  for (const auto& [k, v] : taken.counters) into.counters[k] += v;
  for (const auto& [k, v] : taken.gauges)
    if (st.ok() || !into.gauges.count(k)) into.gauges[k] = v;  // a newer pending value wins
  return st;
}

// ---- process ------------------------------------------------------------------------------
ProcessStats sample_process() {
  ProcessStats p;
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %llu kB", &kib) == 1) p.rss_bytes = kib * 1024;
    else if (std::sscanf(line.c_str(), "VmHWM: %llu kB", &kib) == 1) p.peak_rss_bytes = kib * 1024;
  }
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0)
    p.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return p;
}

// CPU seconds and peak RSS from one getrusage call (no /proc read: timers run per search).
static void usage(double* cpu, double* peak_rss) {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return;
  *cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  if (peak_rss) *peak_rss = static_cast<double>(ru.ru_maxrss) * 1024.0;  // KiB on Linux
}

static double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

OperationTimer::OperationTimer(MetricsRegistry& m, std::string operation)
    : m_(m), op_(std::move(operation)), t0_(now_ms()) {
  usage(&cpu0_, nullptr);
}

OperationTimer::~OperationTimer() {
  if (!done_) finish(false, true);
}

double OperationTimer::finish(bool cache_hit, bool failed) {
  if (done_) return 0;
  done_ = true;
  double ms = now_ms() - t0_;
  double cpu = cpu0_, peak = 0;
  usage(&cpu, &peak);
  std::string op = label("operation", op_);
  m_.observe(op_, cache_hit, ms);
  m_.add(kOperationCpuTotal, std::max(0.0, cpu - cpu0_), op);
  m_.set_gauge(kOperationPeakRss, peak, op);
  if (failed) m_.add(kErrorsTotal, 1, op);
  return ms;
}

// ---- performance --------------------------------------------------------------------------
double operation_threshold_ms(std::string_view op) {
  if (op == "search") return 800;
  if (op == "assemble") return 2000;
  if (op == "database") return 50;
  if (op == "cache") return 20;
  return 0;
}

std::vector<OperationPerformance> performance(const MetricsSnapshot& s) {
  std::vector<OperationPerformance> out;
  for (const std::string& op : s.operations()) {
    Histogram h = s.operation(op);
    if (h.count == 0) continue;
    OperationPerformance p;
    p.operation = op;
    p.count = h.count;
    p.p50 = h.quantile(0.50);
    p.p95 = h.quantile(0.95);
    p.p99 = h.quantile(0.99);
    p.mean = h.sum / static_cast<double>(h.count);
    p.max = h.max;
    p.threshold_ms = operation_threshold_ms(op);
    if (p.threshold_ms > 0)
      p.score = p.p95 <= p.threshold_ms
                    ? 100
                    : static_cast<int>(std::floor(100.0 * p.threshold_ms / p.p95));
    out.push_back(p);
  }
  return out;
}

// ---- Prometheus text ----------------------------------------------------------------------
namespace {

struct Family {
  const char* name;
  const char* type;
  const char* help;
};

constexpr Family kFamilies[] = {
    {kDurationMetric, "histogram",
     "Duration of pampax operations in milliseconds (search, cache, database reads, index, embed, ...)."},
    {kQueriesTotal, "counter", "Search queries answered."},
    {kCacheHitsTotal, "counter", "Cache lookups that found an entry, by cache."},
    {kCacheMissesTotal, "counter", "Cache lookups that found nothing, by cache."},
    {kFilesIndexedTotal, "counter", "Files parsed and written by index and update runs."},
    {kErrorsTotal, "counter", "Operations that failed, by operation."},
    {kOperationCpuTotal, "counter", "CPU seconds (user + system) spent in operations, by operation."},
    {kOperationPeakRss, "gauge", "Peak resident memory of the process at the end of the last operation, by operation."},
    {kIndexSizeBytes, "gauge", "Size of the index database and its write-ahead log."},
    {kIndexChunks, "gauge", "Chunks in the index."},
    {kIndexFiles, "gauge", "Files in the index."},
    {kEmbeddedChunks, "gauge", "Chunks that have a vector of the index's embedding model."},
};

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shortest form that round-trips reads better: try fewer digits first.
  for (int prec = 1; prec < 17; ++prec) {
    char s[64];
    std::snprintf(s, sizeof s, "%.*g", prec, v);
    if (std::strtod(s, nullptr) == v) return s;
  }
  return buf;
}

std::string series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

const Family* family_of(const std::string& name) {
  for (const Family& f : kFamilies)
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

std::string render_prometheus(const MetricsSnapshot& s, const ProcessStats* process) {
  std::ostringstream out;
  // Families in a fixed order; each family's series together (the format requires it).
  std::set<std::string> names;
  for (const auto& [k, v] : s.histograms) names.insert(k.first);
  for (const auto& [k, v] : s.counters) names.insert(k.first);
  for (const auto& [k, v] : s.gauges) names.insert(k.first);
  std::vector<std::string> order;
  for (const Family& f : kFamilies)
    if (names.count(f.name)) order.push_back(f.name);
  for (const std::string& n : names)
    if (!family_of(n)) order.push_back(n);
  for (const std::string& name : order) {
    const Family* f = family_of(name);
    bool is_hist = false, is_counter = false;
    {
      auto h = s.histograms.lower_bound({name, ""});
      is_hist = h != s.histograms.end() && h->first.first == name;
      auto c = s.counters.lower_bound({name, ""});
      is_counter = c != s.counters.end() && c->first.first == name;
    }
    std::string type = f ? f->type : is_hist ? "histogram" : is_counter ? "counter" : "gauge";
    out << "# HELP " << name << " " << (f ? f->help : "pampax metric.") << "\n";
    out << "# TYPE " << name << " " << type << "\n";
    if (is_hist) {
      for (auto it = s.histograms.lower_bound({name, ""});
           it != s.histograms.end() && it->first.first == name; ++it) {
        const std::string& labels = it->first.second;
        const Histogram& h = it->second;
        std::string sep = labels.empty() ? "" : ",";
        uint64_t cum = 0;
        for (size_t i = 0; i < h.counts.size(); ++i) {
          cum += h.counts[i];
          std::string le = i < kDurationBucketsMs.size() ? num(kDurationBucketsMs[i]) : "+Inf";
          out << name << "_bucket{" << labels << sep << "le=\"" << le << "\"} " << cum << "\n";
        }
        out << series(name + "_sum", labels) << " " << num(h.sum) << "\n";
        out << series(name + "_count", labels) << " " << h.count << "\n";
      }
      continue;
    }
    for (const auto* m : {&s.counters, &s.gauges})
      for (auto it = m->lower_bound({name, ""}); it != m->end() && it->first.first == name; ++it)
        out << series(name, it->first.second) << " " << num(it->second) << "\n";
  }
  if (process) {
    out << "# HELP pampax_process_resident_memory_bytes Resident memory of this process.\n"
        << "# TYPE pampax_process_resident_memory_bytes gauge\n"
        << "pampax_process_resident_memory_bytes " << process->rss_bytes << "\n"
        << "# HELP pampax_process_peak_resident_memory_bytes Peak resident memory of this process.\n"
        << "# TYPE pampax_process_peak_resident_memory_bytes gauge\n"
        << "pampax_process_peak_resident_memory_bytes " << process->peak_rss_bytes << "\n"
        << "# HELP pampax_process_cpu_seconds_total CPU seconds (user + system) of this process.\n"
        << "# TYPE pampax_process_cpu_seconds_total counter\n"
        << "pampax_process_cpu_seconds_total " << num(process->cpu_seconds) << "\n";
  }
  return out.str();
}

}  // namespace pampax
