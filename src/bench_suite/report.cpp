#include "bench_suite/report.h"

#include <cstdio>

#include "bench_suite/svg.h"

namespace pampax::bench {
namespace {

using nlohmann::json;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Latencies: 3 significant digits, at least 3 decimals below 1 ms.
std::string ms(double v) {
  if (v >= 100) return fmt("%.0f", v);
  if (v >= 10) return fmt("%.1f", v);
  if (v >= 1) return fmt("%.2f", v);
  return fmt("%.3f", v);
}

std::string limit_str(const Check& c) {
  std::string l = fmt("%g", c.limit);
  return (c.at_most ? "<=" : ">=") + l;
}

// "p50<=300 ok, p95<=800 ok" for one operation and source; "" when none.
std::string verdict(const SizeResult& s, const std::string& metric, const std::string& source) {
  std::string out;
  for (const Check& c : s.checks) {
    if (c.metric != metric || c.source != source) continue;
    if (!out.empty()) out += ", ";
    out += c.stat + limit_str(c) + (c.pass ? " ok" : " FAIL");
  }
  return out;
}

std::string languages_line(const SynthReport& r) {
  std::string out;
  for (const auto& [lang, n] : r.languages) {
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += lang + " " + std::to_string(n);
  }
  return out;
}

std::string summary_line(const BenchReport& r) {
  int targets = 0, goals = 0;
  for (const SizeResult& s : r.sizes) {
    for (const Check& c : s.checks) (c.source == "own" ? goals : targets)++;
  }
  return "published targets met: " + std::to_string(targets - r.failed_targets) + " of " +
         std::to_string(targets) + "; own goals met: " + std::to_string(goals - r.failed_goals) +
         " of " + std::to_string(goals);
}

std::string header_line(const BenchReport& r) {
  return "pampax bench " + r.version + ", " + r.started_utc + ", " + std::to_string(r.cores) +
         " cores, load average " + fmt("%.2f", r.load_average) + " at the start, " +
         fmt("%.1f", r.seconds) + " s in all";
}

const OpResult* find_op(const SizeResult& s, const std::string& name) {
  for (const OpResult& op : s.ops)
    if (op.name == name) return &op;
  return nullptr;
}

// The p95 limits of an operation for the plot ticks.
void limits_of(const SizeResult& s, const std::string& name, double* target, double* goal) {
  *target = *goal = 0;
  for (const Check& c : s.checks) {
    if (c.metric != name || c.stat != "p95") continue;
    (c.source == "own" ? *goal : *target) = c.limit;
  }
}

}  // namespace

json report_json(const BenchReport& r) {
  json j;
  j["version"] = r.version;
  j["started_utc"] = r.started_utc;
  j["cores"] = r.cores;
  j["load_average"] = r.load_average;
  j["seconds"] = r.seconds;
  const BenchOptions& o = r.options;
  j["options"] = {{"sizes", o.sizes},           {"files", o.files},
                  {"repeat", o.repeat},         {"cold_repeat", o.cold_repeat},
                  {"sqlite_reads", o.sqlite_reads}, {"embed", o.embed},
                  {"seed", o.seed},             {"threads", o.threads}};
  j["queries"] = r.queries;
  j["assemble_queries"] = r.assemble_queries;
  j["failed_targets"] = r.failed_targets;
  j["failed_goals"] = r.failed_goals;
  json sizes = json::array();
  for (const SizeResult& s : r.sizes) {
    json js;
    js["size"] = s.size;
    js["files"] = s.synth.files;
    js["bytes"] = s.synth.bytes;
    js["lines"] = s.synth.lines;
    json langs = json::object();
    for (const auto& [lang, n] : s.synth.languages) langs[lang] = n;
    js["languages"] = langs;
    js["generate_seconds"] = s.generate_seconds;
    js["index"] = {{"files", s.files_indexed},
                   {"chunks", s.chunks},
                   {"symbols", s.symbols},
                   {"seconds", s.index_seconds},
                   {"files_per_second", s.files_per_second},
                   {"chunks_per_second", s.chunks_per_second},
                   {"embed_seconds", s.embed_seconds},
                   {"embedded", s.embedded}};
    js["search_mode"] = s.search_mode;
    js["memory_mb"] = {{"index_peak", s.index_peak_mb},
                       {"query_peak", s.query_peak_mb},
                       {"steady", s.steady_mb},
                       {"cold_search_peak", s.cold_search_peak_mb},
                       {"cold_assemble_peak", s.cold_assemble_peak_mb},
                       {"peak_reset", s.hwm_reset},
                       {"cold_peak_exact", s.cold_rss_exact}};
    json ops = json::array();
    for (const OpResult& op : s.ops) {
      json jo = {{"name", op.name},
                 {"description", op.description},
                 {"n", op.summary.n},
                 {"min_ms", op.summary.min},
                 {"max_ms", op.summary.max},
                 {"mean_ms", op.summary.mean},
                 {"p50_ms", op.summary.p50},
                 {"p95_ms", op.summary.p95},
                 {"p99_ms", op.summary.p99}};
      json pq = json::array();
      for (const auto& [q, sm] : op.per_query)
        pq.push_back({{"query", q}, {"n", sm.n}, {"p50_ms", sm.p50}, {"p95_ms", sm.p95}});
      jo["per_query"] = pq;
      ops.push_back(jo);
    }
    js["operations"] = ops;
    json checks = json::array();
    for (const Check& c : s.checks) {
      checks.push_back({{"metric", c.metric},
                        {"stat", c.stat},
                        {"source", c.source},
                        {"limit", c.limit},
                        {"value", c.value},
                        {"at_most", c.at_most},
                        {"pass", c.pass}});
    }
    js["checks"] = checks;
    sizes.push_back(js);
  }
  j["sizes"] = sizes;
  return j;
}

std::string report_text(const BenchReport& r) {
  std::string out = header_line(r) + "\n";
  out += "Timings are wall clock on this machine (a shared one is noisy). Warm: one Engine in this "
         "process, query cache bypassed (search_cached: answered by it). Cold: a new pampax process "
         "per run; the OS page cache is warm.\n";
  for (const SizeResult& s : r.sizes) {
    out += "\n== " + s.size + ": " + std::to_string(s.synth.files) + " files (" + languages_line(s.synth) +
           "), " + fmt("%.1f", static_cast<double>(s.synth.bytes) / 1e6) + " MB, " +
           std::to_string(s.synth.lines) + " lines\n";
    out += "index: " + std::to_string(s.files_indexed) + " files, " + std::to_string(s.chunks) +
           " chunks in " + fmt("%.2f", s.index_seconds) + " s = " + fmt("%.0f", s.files_per_second) +
           " files/s, " + fmt("%.0f", s.chunks_per_second) + " chunks/s";
    if (s.embedded > 0 || s.embed_seconds > 0) out += "; builtin vectors " + fmt("%.2f", s.embed_seconds) + " s";
    out += "; hybrid search ran as " + s.search_mode + "\n";
    char line[512];
    std::snprintf(line, sizeof line, "%-24s %5s %9s %9s %9s %9s  %-26s %s\n", "operation", "n", "p50 ms",
                  "p95 ms", "p99 ms", "mean ms", "PAMPAX target", "own goal");
    out += line;
    for (const OpResult& op : s.ops) {
      std::string t = verdict(s, op.name, "pampax"), g = verdict(s, op.name, "own");
      std::snprintf(line, sizeof line, "%-24s %5zu %9s %9s %9s %9s  %-26s %s\n", op.name.c_str(),
                    op.summary.n, ms(op.summary.p50).c_str(), ms(op.summary.p95).c_str(),
                    ms(op.summary.p99).c_str(), ms(op.summary.mean).c_str(), t.empty() ? "-" : t.c_str(),
                    g.empty() ? "-" : g.c_str());
      out += line;
    }
    out += "memory (MiB): index peak " + fmt("%.0f", s.index_peak_mb) + ", query peak " +
           fmt("%.0f", s.query_peak_mb) + ", steady " + fmt("%.0f", s.steady_mb) + ", cold search peak " +
           fmt("%.0f", s.cold_search_peak_mb) + ", cold assemble peak " + fmt("%.0f", s.cold_assemble_peak_mb) +
           (s.hwm_reset ? "" : " (peak not resettable: process-wide peaks)") +
           (s.cold_rss_exact ? "" : " (cold peaks are upper bounds: no /usr/bin/time)") + "\n";
    for (const Check& c : s.checks) {
      if (c.stat != "MB" && c.stat != "files/s") continue;
      out += "  " + c.metric + " " + fmt("%.0f", c.value) + " " + c.stat + " " + limit_str(c) + " (" +
             c.source + ") " + (c.pass ? "ok" : "FAIL") + "\n";
    }
  }
  out += "\n" + summary_line(r) + "\n";
  return out;
}

std::string report_html(const BenchReport& r) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<title>pampax bench report</title>\n<style>\n"
       "body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}\n"
       "table{border-collapse:collapse;margin:8px 0 16px}\n"
       "th,td{border:1px solid #ccc;padding:3px 8px;font-size:13px}\n"
       "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
       "td.ok{background:#e5f5e0}\ntd.fail{background:#fdd0a2}\n"
       "th{background:#f0f0f0}\nsvg{display:block;margin:8px 0}\n"
       "</style>\n</head>\n<body>\n";
  h += "<h1>pampax bench</h1>\n<p>" + xml_escape(header_line(r)) + ".<br>" + xml_escape(summary_line(r)) +
       ".</p>\n<p>Warm: one Engine in the benchmark process, query cache bypassed (search_cached is "
       "answered by it). Cold: a new <code>pampax</code> process per run; the OS page cache is warm. "
       "Wall-clock milliseconds.</p>\n";
  h += "<p>Queries: " + xml_escape([&] {
         std::string q;
         for (const std::string& s : r.queries) q += (q.empty() ? "" : ", ") + ("\"" + s + "\"");
         return q;
       }()) + "</p>\n";

  // Throughput per size.
  std::vector<Bar> files_s, chunks_s, warm_p50;
  for (const SizeResult& s : r.sizes) {
    std::string label = s.size + " (" + std::to_string(s.synth.files) + " files)";
    files_s.push_back({label, s.files_per_second});
    chunks_s.push_back({label, s.chunks_per_second});
    if (const OpResult* op = find_op(s, "search_warm")) warm_p50.push_back({label, op->summary.p50});
  }
  h += "<h2>Throughput per repository size</h2>\n";
  h += svg_bar_chart("Index throughput: files per second", "files/s", files_s);
  h += svg_bar_chart("Index throughput: chunks per second", "chunks/s", chunks_s);
  h += svg_bar_chart("Warm hybrid search: median latency", "ms", warm_p50);

  for (const SizeResult& s : r.sizes) {
    h += "<h2>" + xml_escape(s.size) + ": " + std::to_string(s.synth.files) + " files</h2>\n<p>" +
         xml_escape(languages_line(s.synth)) + "; " + fmt("%.1f", static_cast<double>(s.synth.bytes) / 1e6) +
         " MB, " + std::to_string(s.synth.lines) + " lines. Index: " + std::to_string(s.chunks) + " chunks, " +
         std::to_string(s.symbols) + " symbols in " + fmt("%.2f", s.index_seconds) + " s (" +
         fmt("%.0f", s.files_per_second) + " files/s, " + fmt("%.0f", s.chunks_per_second) +
         " chunks/s); builtin vectors " + fmt("%.2f", s.embed_seconds) + " s. Hybrid search ran as " +
         xml_escape(s.search_mode) + ".</p>\n";
    std::vector<DistributionRow> rows;
    for (const OpResult& op : s.ops) {
      DistributionRow row;
      row.label = op.name;
      row.values = op.samples_ms;
      limits_of(s, op.name, &row.target_ms, &row.goal_ms);
      rows.push_back(std::move(row));
    }
    h += svg_distribution_plot("Latency distributions: " + s.size, rows);
    h += "<table>\n<tr><th>operation</th><th>n</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>"
         "<th>mean ms</th><th>max ms</th><th>PAMPAX target</th><th>own goal</th></tr>\n";
    for (const OpResult& op : s.ops) {
      std::string t = verdict(s, op.name, "pampax"), g = verdict(s, op.name, "own");
      auto cls = [](const std::string& v) {
        return v.empty() ? std::string() : v.find("FAIL") != std::string::npos ? " class=\"fail\"" : " class=\"ok\"";
      };
      h += "<tr><td title=\"" + xml_escape(op.description) + "\">" + xml_escape(op.name) +
           "</td><td class=\"num\">" + std::to_string(op.summary.n) + "</td><td class=\"num\">" +
           ms(op.summary.p50) + "</td><td class=\"num\">" + ms(op.summary.p95) + "</td><td class=\"num\">" +
           ms(op.summary.p99) + "</td><td class=\"num\">" + ms(op.summary.mean) + "</td><td class=\"num\">" +
           ms(op.summary.max) + "</td><td" + cls(t) + ">" + xml_escape(t.empty() ? "-" : t) + "</td><td" +
           cls(g) + ">" + xml_escape(g.empty() ? "-" : g) + "</td></tr>\n";
    }
    h += "</table>\n<table>\n<tr><th>resource</th><th>value</th><th>limit</th><th>source</th><th>verdict</th></tr>\n";
    for (const Check& c : s.checks) {
      if (c.stat != "MB" && c.stat != "files/s") continue;
      h += "<tr><td>" + xml_escape(c.metric) + "</td><td class=\"num\">" + fmt("%.0f", c.value) + " " +
           xml_escape(c.stat) + "</td><td class=\"num\">" + xml_escape(limit_str(c)) + "</td><td>" +
           xml_escape(c.source) + "</td><td class=\"" + (c.pass ? "ok\">ok" : "fail\">FAIL") + "</td></tr>\n";
    }
    h += "</table>\n";
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace pampax::bench
