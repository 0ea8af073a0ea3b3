// Start-up tracing: with $PAMPAX_TRACE set (to anything non-empty), trace_point("what") prints
// "pampax-trace: <ms since exec> ms (+<ms since the previous point>) what" on stderr. Used to
// see where a cold CLI process spends its time (docs/benchmarks.md); free when unset (one
// cached getenv). The origin is the process's start time from /proc/self/stat (clock ticks,
// 10 ms granularity) when readable, else the first call.
// Threading: may be called from any thread (points from several threads interleave).
#pragma once

namespace pampax {

void trace_point(const char* what);

}  // namespace pampax
