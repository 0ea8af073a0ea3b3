// The current time in UTC, formatted with strftime (thread-safe: gmtime_r).
#pragma once
#include <ctime>
#include <string>

namespace pampax {

// e.g. utc_time("%Y-%m-%dT%H:%M:%SZ") -> "2026-11-24T16:20:00Z". The result is at most 63 bytes.
inline std::string utc_time(const char* format) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace pampax
