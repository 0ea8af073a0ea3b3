#include "util/trace.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pampax {
namespace {

double now_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// The process start in CLOCK_BOOTTIME milliseconds (field 22 of /proc/self/stat), or -1.
double process_start_ms() {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f) return -1;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command name may contain spaces
  if (!p) return -1;
  // After ") " come fields 3, 4, ...: skip to field 22.
  int field = 2;
  for (; *p && field < 22; ++p)
    if (*p == ' ') ++field;
  long ticks = sysconf(_SC_CLK_TCK);
  if (field != 22 || ticks <= 0) return -1;
  return static_cast<double>(std::strtoull(p, nullptr, 10)) * 1e3 / static_cast<double>(ticks);
}

}  // namespace

void trace_point(const char* what) {
  static const bool on = [] {
    const char* e = std::getenv("PAMPAX_TRACE");
    return e && *e;
  }();
  if (!on) return;
  static const double origin = [] {
    double s = process_start_ms();
    return s >= 0 ? s : now_ms(CLOCK_BOOTTIME);
  }();
  static std::atomic<double> last{-1};
  double t = now_ms(CLOCK_BOOTTIME) - origin;
  double prev = last.exchange(t);
  std::fprintf(stderr, "pampax-trace: %8.1f ms (+%7.1f) %s [cpu %.1f ms]\n", t, prev < 0 ? t : t - prev,
               what, now_ms(CLOCK_PROCESS_CPUTIME_ID));
}

}  // namespace pampax
