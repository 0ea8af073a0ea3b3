// parse_file throughput (parse + symbols + refs + chunks) on synthetic source, single thread.
// Reports lines/s as items_per_second. For real corpora see docs (numbers measured with a
// standalone loop over /usr/lib/python3.11 and Linux kernel sources).
#include <benchmark/benchmark.h>

#include <string>

#include "parse/chunker.h"

namespace {

std::string synthetic_c(int functions) {
  std::string s = "#include <stdio.h>\n#include <stdlib.h>\n\nstruct point { int x, y; };\n\n";
  for (int f = 0; f < functions; ++f) {
    const std::string n = std::to_string(f);
    s +=
        "/* Computes value " + n + ". */\nstatic int compute_" + n + "(struct point *p, int k) {\n";
    s += "  int total = 0;\n  for (int i = 0; i < k; ++i) {\n";
    s += "    if (p[i].x > p[i].y) total += helper(p[i].x, " + n + ");\n";
    s += "    else total -= helper(p[i].y, i);\n  }\n";
    s += "  printf(\"%d\\n\", total);\n  return total * " + n + ";\n}\n\n";
  }
  return s;
}

std::string synthetic_python(int classes) {
  std::string s = "import os\nimport sys\n\n";
  for (int c = 0; c < classes; ++c) {
    const std::string n = std::to_string(c);
    s += "class Model" + n + "(Base):\n    \"\"\"Model number " + n + ".\"\"\"\n\n";
    s += "    def __init__(self, value):\n        self.value = value\n\n";
    for (int m = 0; m < 4; ++m) {
      s += "    def method_" + std::to_string(m) + "(self, x):\n";
      s += "        if x > self.value:\n            return helper(x, " + n + ")\n";
      s += "        return [y * 2 for y in range(x)]\n\n";
    }
  }
  return s;
}

void run(benchmark::State& state, const std::string& src, pampax::Lang lang, const char* path) {
  int64_t lines = 0;
  for (char c : src) lines += c == '\n';
  for (auto _ : state) {
    pampax::ParsedFile pf = pampax::parse_file(path, src, lang);
    benchmark::DoNotOptimize(pf.chunks.data());
  }
  state.SetItemsProcessed(state.iterations() * lines);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(src.size()));
}

void BM_ParseFileC(benchmark::State& state) {
  static const std::string src = synthetic_c(2000);
  run(state, src, pampax::Lang::kC, "bench.c");
}
BENCHMARK(BM_ParseFileC)->Unit(benchmark::kMillisecond);

void BM_ParseFilePython(benchmark::State& state) {
  static const std::string src = synthetic_python(500);
  run(state, src, pampax::Lang::kPython, "bench.py");
}
BENCHMARK(BM_ParseFilePython)->Unit(benchmark::kMillisecond);

void BM_FallbackText(benchmark::State& state) {
  static const std::string src = [] {
    std::string s;
    for (int i = 0; i < 20000; ++i) {
      s += (i % 9 == 8) ? "\n" : "Some prose line number " + std::to_string(i) + " of the text.\n";
    }
    return s;
  }();
  run(state, src, pampax::Lang::kUnknown, "bench.txt");
}
BENCHMARK(BM_FallbackText)->Unit(benchmark::kMillisecond);

}  // namespace
