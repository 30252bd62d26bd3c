// tracehound: detects process injection (ptrace, process_vm_writev, /proc/<pid>/mem) with
// Falco-syntax rules. See README.md for the commands.
#include <csignal>
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
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (auto& [name, run] : commands)
    if (app.got_subcommand(name)) return run();
  return 2;
}
