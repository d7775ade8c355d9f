// Running a tool of the host: always by an argument vector (posix_spawnp),
// never through a shell, so that no name or path from a manifest or a
// Target is ever read as shell syntax.
#pragma once

#include <string>
#include <vector>

namespace vdc {

struct ProcessResult {
  int exit = -1;       // the exit status; -1 when it did not exit normally
  std::string errors;  // what it wrote to standard error (at most 64 KiB)
};

// Runs `argv` (argv[0] looked up on PATH) with `input` on its standard
// input; its standard output is discarded. Throws Error when it cannot be
// started at all.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace vdc
