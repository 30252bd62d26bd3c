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

namespace cli_test {

struct Result {
  int status = -1;
  std::string out, err;
};

inline std::string temp_path(const std::string& name) {
  return "/tmp/th-cli-" + std::to_string(getpid()) + "-" + name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `tracehound ARGS` through the shell (ARGS is shell text).
inline Result run(const std::string& args) {
  std::string out = temp_path("out"), err = temp_path("err");
  // Bounded, so that a command that fails to stop fails its test instead of hanging the suite.
  std::string cmd =
      "timeout -k 5 120 " + std::string(TH_TRACEHOUND) + " " + args + " >" + out + " 2>" + err;
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

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace cli_test

// Root is needed (another user's files are planted): skipped with the reason, failed under CI=true.
#define CLI_REQUIRE_ROOT()                                                  \
  do {                                                                      \
    if (geteuid() != 0) {                                                   \
      if (::cli_test::in_ci()) FAIL() << "CI=true, cannot skip: not root";  \
      GTEST_SKIP() << "needs root (plants files as user nobody)";           \
    }                                                                       \
  } while (0)
