// tracehound: detects process injection (ptrace, process_vm_writev, /proc/<pid>/mem) with
// Falco-syntax rules. See README.md for the commands and the exit-code rule (commands.h).
#include <csignal>
#include <iostream>
#include <string_view>
#include <utility>

#include "engine/cli/commands.h"

int main(int argc, char** argv) {
  // A closed stdout must be a counted write error of the stdout output, not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"tracehound: detect process injection with Falco-syntax rules"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tracehound ") + TH_VERSION);
  std::pair<const char*, th::cli::Runner> commands[] = {
      {"run", th::cli::add_run(app)},           {"replay", th::cli::add_replay(app)},
      {"capture", th::cli::add_capture(app)},   {"validate", th::cli::add_validate(app)},
      {"test", th::cli::add_test(app)},         {"list-fields", th::cli::add_list_fields(app)},
      {"convert", th::cli::add_convert(app)},   {"list-rules", th::cli::add_list_rules(app)},
  };
  // CLI11 would only say "A subcommand is required" for a misspelt one.
  if (argc > 1 && argv[1][0] != '-') {
    std::string_view word = argv[1];
    bool known = false;
    std::string names;
    for (auto& [name, run] : commands) {
      known = known || word == name;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    if (!known) {
      std::cerr << "tracehound: unknown command '" << word << "' (commands: " << names
                << "; see --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (auto& [name, run] : commands)
    if (app.got_subcommand(name)) return run();
  return 2;
}
