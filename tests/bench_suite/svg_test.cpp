// The SVG plots of the benchmark report (bench_suite/svg.h).
#include "bench_suite/svg.h"

#include <gtest/gtest.h>

#include <string>

namespace pampax::bench {
namespace {

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

TEST(BenchSvg, EscapesMarkup) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(xml_escape("plain"), "plain");
}

TEST(BenchSvg, DistributionPlotHasOneRowPerOperationAndOneDotPerSample) {
  std::vector<DistributionRow> rows = {
      {"search_warm", {0.5, 0.7, 0.9}, 30, 800},
      {"a<b>", {2, 3, 5, 8, 13}, 0, 0},
  };
  std::string svg = svg_distribution_plot("Latency & more", rows);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(count(svg, "<svg"), 1u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_EQ(count(svg, "<g class=\"op\""), 2u);
  EXPECT_NE(svg.find("data-op=\"search_warm\" data-n=\"3\""), std::string::npos);
  EXPECT_NE(svg.find("data-op=\"a&lt;b&gt;\" data-n=\"5\""), std::string::npos);
  EXPECT_EQ(count(svg, "<circle class=\"pt\""), 8u);
  EXPECT_EQ(count(svg, "class=\"median\""), 2u);
  EXPECT_EQ(count(svg, "class=\"p95\""), 2u);
  EXPECT_EQ(count(svg, "class=\"goal\""), 1u);    // only the first row has one
  EXPECT_EQ(count(svg, "class=\"target\""), 1u);
  EXPECT_NE(svg.find("Latency &amp; more"), std::string::npos);
  EXPECT_EQ(svg.find("a<b>"), std::string::npos);
  // The axis spans the data and the limits: 0.1 ms to 1 s in decades.
  EXPECT_NE(svg.find(">0.1</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1 s</text>"), std::string::npos);
}

TEST(BenchSvg, DistributionPlotPlacesSamplesOnALogAxis) {
  // Two decades (1..100 ms) over the 656-pixel plot: 10 ms sits halfway.
  std::string svg = svg_distribution_plot("t", {{"op", {1, 10, 100}, 0, 0}});
  EXPECT_NE(svg.find("<circle class=\"pt\" cx=\"200.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<circle class=\"pt\" cx=\"528.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<circle class=\"pt\" cx=\"856.0\""), std::string::npos) << svg;
}

TEST(BenchSvg, EmptyPlotSaysSo) {
  std::string svg = svg_distribution_plot("nothing", {});
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 0u);
}

TEST(BenchSvg, BarChartScalesToTheLargestValue) {
  std::string svg = svg_bar_chart("Index throughput", "files/s", {{"small", 50}, {"medium", 100}, {"large", 0}});
  EXPECT_EQ(count(svg, "<rect class=\"bar\""), 3u);
  EXPECT_NE(svg.find("data-label=\"medium\" data-value=\"100\""), std::string::npos);
  // The plot is 880 - 200 - 24 - 130 = 526 px wide: the largest bar fills it, half is 263.
  EXPECT_NE(svg.find("data-value=\"100\" x=\"200.0\" y=\"76.0\" width=\"526.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("data-value=\"50.0\" x=\"200.0\" y=\"44.0\" width=\"263.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("100 files/s"), std::string::npos);
}

TEST(BenchSvg, MsTicks) {
  EXPECT_EQ(format_ms_tick(0.01), "0.01");
  EXPECT_EQ(format_ms_tick(100), "100");
  EXPECT_EQ(format_ms_tick(1000), "1 s");
  EXPECT_EQ(format_ms_tick(10000), "10 s");
}

}  // namespace
}  // namespace pampax::bench
