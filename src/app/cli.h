// The pampax command line: parses arguments and calls the Engine. Results go to stdout,
// everything else (progress, warnings, errors) to stderr.
#pragma once

namespace pampax {

// Returns the process exit code: 0 success, 1 failure, 2 bad usage.
int run_cli(int argc, char** argv);

}  // namespace pampax
