#include "bench_suite/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench_suite/stats.h"

namespace pampax::bench {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string fmt_value(double v) {
  char buf[48];
  if (v >= 100) std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (v >= 10) std::snprintf(buf, sizeof buf, "%.1f", v);
  else if (v >= 1) std::snprintf(buf, sizeof buf, "%.2f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

constexpr double kWidth = 880, kLeft = 200, kRight = 24, kTop = 44, kRowH = 34, kBottom = 56;
constexpr double kMinMs = 1e-3;

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The opening of a plot: <svg> of the plot width and `height`, its title element, a white
// background and the title drawn at the top left.
static std::string svg_open(const char* cls, double height, const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + std::string(cls) + "\" width=\"" +
         num(kWidth) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(kWidth) + " " +
         num(height) + "\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n" +
         "<title>" + xml_escape(title) + "</title>\n" + "<rect x=\"0\" y=\"0\" width=\"" +
         num(kWidth) + "\" height=\"" + num(height) + "\" fill=\"#ffffff\"/>\n" + "<text x=\"" +
         num(kLeft) + "\" y=\"24\" font-size=\"15\" font-weight=\"bold\">" + xml_escape(title) +
         "</text>\n";
}

std::string format_ms_tick(double ms) {
  char buf[32];
  if (ms >= 1000) std::snprintf(buf, sizeof buf, "%g s", ms / 1000);
  else std::snprintf(buf, sizeof buf, "%g", ms);
  return buf;
}

std::string svg_distribution_plot(const std::string& title, const std::vector<DistributionRow>& rows) {
  double lo = 1e300, hi = 0;
  for (const DistributionRow& r : rows) {
    for (double v : r.values) {
      v = std::max(v, kMinMs);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    for (double t : {r.goal_ms, r.target_ms}) {
      if (t > 0) {
        lo = std::min(lo, t);
        hi = std::max(hi, t);
      }
    }
  }
  if (hi <= 0) lo = hi = 1;
  int d0 = static_cast<int>(std::floor(std::log10(lo)));
  int d1 = static_cast<int>(std::ceil(std::log10(hi)));
  if (d1 <= d0) d1 = d0 + 1;
  const double plot_w = kWidth - kLeft - kRight;
  auto x_of = [&](double v) {
    double l = std::log10(std::max(v, kMinMs));
    return kLeft + (l - d0) / (d1 - d0) * plot_w;
  };
  size_t nrows = std::max<size_t>(rows.size(), 1);
  double height = kTop + kRowH * static_cast<double>(nrows) + kBottom;
  std::string s;
  s += svg_open("dist", height, title);
  double axis_y = kTop + kRowH * static_cast<double>(nrows);
  // Decade grid lines and labels.
  for (int d = d0; d <= d1; ++d) {
    double v = std::pow(10.0, d);
    double x = x_of(v);
    s += "<line x1=\"" + num(x) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(x) + "\" y2=\"" +
         num(axis_y) + "\" stroke=\"#dddddd\"/>\n";
    s += "<text x=\"" + num(x) + "\" y=\"" + num(axis_y + 16) + "\" text-anchor=\"middle\">" +
         xml_escape(format_ms_tick(v)) + "</text>\n";
    if (d < d1) {
      for (int m = 2; m <= 9; ++m) {
        double xm = x_of(v * m);
        s += "<line x1=\"" + num(xm) + "\" y1=\"" + num(axis_y - 4) + "\" x2=\"" + num(xm) +
             "\" y2=\"" + num(axis_y) + "\" stroke=\"#bbbbbb\"/>\n";
      }
    }
  }
  s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(axis_y) + "\" x2=\"" + num(kLeft + plot_w) +
       "\" y2=\"" + num(axis_y) + "\" stroke=\"#444444\"/>\n";
  s += "<text x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" + num(axis_y + 34) +
       "\" text-anchor=\"middle\">milliseconds (log scale)</text>\n";
  if (rows.empty()) {
    s += "<text x=\"" + num(kLeft + 8) + "\" y=\"" + num(kTop + 20) + "\">no data</text>\n";
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const DistributionRow& r = rows[i];
    double cy = kTop + kRowH * (static_cast<double>(i) + 0.5);
    std::vector<double> v = r.values;
    for (double& x : v) x = std::max(x, kMinMs);
    std::sort(v.begin(), v.end());
    s += "<g class=\"op\" data-op=\"" + xml_escape(r.label) + "\" data-n=\"" +
         std::to_string(v.size()) + "\">\n";
    if (i % 2 == 1) {
      s += "<rect x=\"0\" y=\"" + num(cy - kRowH / 2) + "\" width=\"" + num(kWidth) +
           "\" height=\"" + num(kRowH) + "\" fill=\"#f4f6f8\" fill-opacity=\"0.6\"/>\n";
    }
    s += "<text x=\"" + num(kLeft - 8) + "\" y=\"" + num(cy + 4) + "\" text-anchor=\"end\">" +
         xml_escape(r.label) + "</text>\n";
    if (!v.empty()) {
      double p25 = percentile_sorted(v, 0.25), p50 = percentile_sorted(v, 0.5);
      double p75 = percentile_sorted(v, 0.75), p95 = percentile_sorted(v, 0.95);
      s += "<line class=\"whisker\" x1=\"" + num(x_of(v.front())) + "\" y1=\"" + num(cy) +
           "\" x2=\"" + num(x_of(v.back())) + "\" y2=\"" + num(cy) + "\" stroke=\"#555555\"/>\n";
      double bx = x_of(p25), bw = std::max(1.0, x_of(p75) - bx);
      s += "<rect class=\"box\" x=\"" + num(bx) + "\" y=\"" + num(cy - 9) + "\" width=\"" +
           num(bw) + "\" height=\"18\" fill=\"#9ecae1\" fill-opacity=\"0.55\" stroke=\"#3182bd\"/>\n";
      // Dots: a fixed jitter pattern over the row's height.
      for (size_t k = 0; k < r.values.size(); ++k) {
        double jitter = (static_cast<double>((k * 7919) % 13) / 12.0 - 0.5) * 16;
        s += "<circle class=\"pt\" cx=\"" + num(x_of(r.values[k])) + "\" cy=\"" +
             num(cy + jitter) + "\" r=\"1.8\" fill=\"#08519c\" fill-opacity=\"0.45\"/>\n";
      }
      s += "<line class=\"median\" x1=\"" + num(x_of(p50)) + "\" y1=\"" + num(cy - 11) +
           "\" x2=\"" + num(x_of(p50)) + "\" y2=\"" + num(cy + 11) +
           "\" stroke=\"#000000\" stroke-width=\"2.5\"/>\n";
      double px = x_of(p95);
      s += "<path class=\"p95\" d=\"M" + num(px) + " " + num(cy - 6) + " L" + num(px + 5) + " " +
           num(cy) + " L" + num(px) + " " + num(cy + 6) + " L" + num(px - 5) + " " + num(cy) +
           " Z\" fill=\"#e6550d\"/>\n";
    }
    if (r.target_ms > 0) {
      double x = x_of(r.target_ms);
      s += "<line class=\"target\" x1=\"" + num(x) + "\" y1=\"" + num(cy - 14) + "\" x2=\"" +
           num(x) + "\" y2=\"" + num(cy + 14) + "\" stroke=\"#777777\" stroke-width=\"2\" "
           "stroke-dasharray=\"3,2\"/>\n";
    }
    if (r.goal_ms > 0) {
      double x = x_of(r.goal_ms);
      s += "<line class=\"goal\" x1=\"" + num(x) + "\" y1=\"" + num(cy - 14) + "\" x2=\"" +
           num(x) + "\" y2=\"" + num(cy + 14) + "\" stroke=\"#31a354\" stroke-width=\"2\"/>\n";
    }
    s += "</g>\n";
  }
  // Legend.
  double ly = height - 10;
  s += "<g class=\"legend\" font-size=\"11\">"
       "<rect x=\"" + num(kLeft) + "\" y=\"" + num(ly - 9) + "\" width=\"14\" height=\"10\" "
       "fill=\"#9ecae1\" stroke=\"#3182bd\"/><text x=\"" + num(kLeft + 18) + "\" y=\"" + num(ly) +
       "\">p25-p75, line = median</text>"
       "<path d=\"M" + num(kLeft + 170) + " " + num(ly - 9) + " L" + num(kLeft + 175) + " " +
       num(ly - 4) + " L" + num(kLeft + 170) + " " + num(ly + 1) + " L" + num(kLeft + 165) + " " +
       num(ly - 4) + " Z\" fill=\"#e6550d\"/><text x=\"" + num(kLeft + 180) + "\" y=\"" + num(ly) +
       "\">p95</text>"
       "<line x1=\"" + num(kLeft + 230) + "\" y1=\"" + num(ly - 10) + "\" x2=\"" + num(kLeft + 230) +
       "\" y2=\"" + num(ly + 2) + "\" stroke=\"#31a354\" stroke-width=\"2\"/><text x=\"" +
       num(kLeft + 236) + "\" y=\"" + num(ly) + "\">own p95 goal</text>"
       "<line x1=\"" + num(kLeft + 330) + "\" y1=\"" + num(ly - 10) + "\" x2=\"" + num(kLeft + 330) +
       "\" y2=\"" + num(ly + 2) + "\" stroke=\"#777777\" stroke-width=\"2\" stroke-dasharray=\"3,2\"/>"
       "<text x=\"" + num(kLeft + 336) + "\" y=\"" + num(ly) + "\">PAMPAX p95 target</text>"
       "</g>\n";
  s += "</svg>\n";
  return s;
}

std::string svg_bar_chart(const std::string& title, const std::string& unit, const std::vector<Bar>& bars) {
  constexpr double kBarH = 22, kGap = 10, kValueRoom = 130;
  double maxv = 0;
  for (const Bar& b : bars) maxv = std::max(maxv, b.value);
  if (maxv <= 0) maxv = 1;
  const double plot_w = kWidth - kLeft - kRight - kValueRoom;
  double height = kTop + (kBarH + kGap) * static_cast<double>(std::max<size_t>(bars.size(), 1)) + 16;
  std::string s;
  s += svg_open("bars", height, title);
  if (bars.empty()) s += "<text x=\"" + num(kLeft) + "\" y=\"" + num(kTop + 14) + "\">no data</text>\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    double y = kTop + (kBarH + kGap) * static_cast<double>(i);
    double w = std::max(0.0, b.value) / maxv * plot_w;
    s += "<text x=\"" + num(kLeft - 8) + "\" y=\"" + num(y + kBarH / 2 + 4) +
         "\" text-anchor=\"end\">" + xml_escape(b.label) + "</text>\n";
    s += "<rect class=\"bar\" data-label=\"" + xml_escape(b.label) + "\" data-value=\"" +
         fmt_value(b.value) + "\" x=\"" + num(kLeft) + "\" y=\"" + num(y) + "\" width=\"" +
         num(std::max(w, 1.0)) + "\" height=\"" + num(kBarH) + "\" fill=\"#3182bd\"/>\n";
    s += "<text x=\"" + num(kLeft + w + 6) + "\" y=\"" + num(y + kBarH / 2 + 4) + "\">" +
         xml_escape(fmt_value(b.value) + " " + unit) + "</text>\n";
  }
  s += "</svg>\n";
  return s;
}

}  // namespace pampax::bench
