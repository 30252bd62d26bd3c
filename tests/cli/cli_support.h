// Running the `tracehound` command as a user does, for the command-line tests: a real process,
// its exit status, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "support/skip.h"
#include "support/temp.h"

namespace cli_test {

struct Result {
  int status = -1;
  std::string out, err;
};

// Files of this test program, removed when it ends (also after a failed assertion).
inline std::string temp_path(const std::string& name) {
  static const th::test::TempDir dir("th-cli");
  return dir / name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `tracehound ARGS` through the shell (ARGS is shell text); `binary`: another copy of the command.
inline Result run(const std::string& args, const std::string& binary = TH_TRACEHOUND) {
  std::string out = temp_path("out"), err = temp_path("err");
  // Bounded, so that a command that fails to stop fails its test instead of hanging the suite.
  std::string cmd =
      "timeout -k 5 120 " + binary + " " + args + " >" + out + " 2>" + err;
  int rc = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

inline std::string write_file(const std::string& name, const std::string& content) {
  std::string p = temp_path(name);
  std::ofstream(p) << content;
  return p;
}

}  // namespace cli_test

