// Inline SVG plots for the benchmark report (`pampax bench --html`): self-contained markup,
// no scripts, no external resources. Pure functions, thread-safe.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace pampax::bench {

// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
std::string xml_escape(std::string_view s);

// One row of a distribution plot: the samples of one operation, in milliseconds.
struct DistributionRow {
  std::string label;
  std::vector<double> values;  // samples; values <= 0 are drawn at the axis minimum
  double goal_ms = 0;          // our own p95 goal, drawn as a green tick (0 = none)
  double target_ms = 0;        // the published p95 target, drawn as a grey tick (0 = none)
};

// A horizontal box-and-strip plot on a log10 millisecond axis, one row per operation: the
// whisker spans min..max, the box p25..p75, a thick line marks the median and a diamond the
// p95; every sample is a dot (`<circle class="pt">`, jittered vertically by a fixed pattern so
// the plot is deterministic). Each row is a `<g class="op" data-op="LABEL" data-n="N">`.
// Returns one `<svg ...>...</svg>` element; an empty `rows` gives a plot that says so.
std::string svg_distribution_plot(const std::string& title, const std::vector<DistributionRow>& rows);

struct Bar {
  std::string label;
  double value = 0;  // >= 0
};

// A horizontal bar chart on a linear axis from 0 to the largest value; each bar is a
// `<rect class="bar" data-label="LABEL" data-value="V">` with its value written beside it
// followed by `unit`. Returns one `<svg ...>...</svg>` element.
std::string svg_bar_chart(const std::string& title, const std::string& unit, const std::vector<Bar>& bars);

// Formats a duration in ms compactly for axis labels: 0.001, 0.01, 0.1, 1, 10, 100, 1 s, 10 s.
std::string format_ms_tick(double ms);

}  // namespace pampax::bench
