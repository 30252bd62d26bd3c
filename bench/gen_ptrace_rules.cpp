// Prints the generated ptrace-style rule set of N rules (bench/ptrace_rules.h) as a rules file,
// for whole-process runs: `gen_ptrace_rules 50 > rules50.yaml`.
#include <cstdio>
#include <cstdlib>

#include "ptrace_rules.h"

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 0;
  if (n < 1) {
    std::fprintf(stderr, "usage: %s N (the number of rules, at least 1)\n", argv[0]);
    return 2;
  }
  std::fputs(th::bench::ptrace_rules(n).c_str(), stdout);
  return 0;
}
