// tracehound test: rule tests without a kernel (see engine/ruletest).
#include "engine/cli/commands.h"

namespace th::cli {

Runner add_test(CLI::App& app) {
  auto* cmd = app.add_subcommand("test", "Run rule tests (no kernel, no root needed)");
  cmd->allow_extras();
  return []() {
    std::fprintf(stderr, "tracehound test: not built yet\n");
    return 2;
  };
}

}  // namespace th::cli
