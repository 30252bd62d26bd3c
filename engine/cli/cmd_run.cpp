// tracehound run / capture: live mode (wired to the probe loader).
#include "engine/cli/commands.h"

namespace th::cli {

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Watch this host live and print alerts");
  cmd->allow_extras();
  return []() {
    std::fprintf(stderr, "tracehound run: not built yet\n");
    return 2;
  };
}

Runner add_capture(CLI::App& app) {
  auto* cmd = app.add_subcommand("capture", "Record live events as JSON Lines");
  cmd->allow_extras();
  return []() {
    std::fprintf(stderr, "tracehound capture: not built yet\n");
    return 2;
  };
}

}  // namespace th::cli
