// Runs the pampax binary under test (PAMPAX_BINARY) and reads its JSON output (tests only).
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process_util.h"

namespace pampax::testing {

// `pampax ARGS...` with `input` on stdin; blocks until it exits.
inline ProcResult pampax(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), PAMPAX_BINARY);
  return run_process(args, input);
}

// The process's stdout as JSON; a test failure (with both streams) when it is not JSON.
inline nlohmann::json parse(const ProcResult& r) {
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << "\nstderr: " << r.err;
  return j;
}

}  // namespace pampax::testing
