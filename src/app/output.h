// Small output helpers shared by the CLI's command files (stdout results, stderr errors).
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "util/status.h"

namespace pampax {

// Pretty JSON; source text may hold invalid UTF-8, which is replaced rather than failing.
inline std::string dump_json(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Prints "pampax: error: MESSAGE" to stderr and returns the exit code 1.
inline int fail_status(const Status& st) {
  std::fprintf(stderr, "pampax: error: %s\n", st.message().c_str());
  return 1;
}

// 1536 -> "1.5 KiB".
inline std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

}  // namespace pampax
