// tracehound validate FILES...: loads rules as `run` would and prints every diagnostic.
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/rules/loader.h"

namespace th::cli {

Runner add_validate(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "Check rules files and print every error and warning");
  auto files = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("files", *files, "Rules files or folders, in load order")->required();
  cmd->add_flag("--json", *json, "Print diagnostics as a JSON array");
  return [files, json]() {
    LoadResult r = load_rules(*files);
    if (*json) {
      std::cout << format_diagnostics_json(r.diags) << "\n";
    } else {
      std::cout << format_diagnostics_text(r.diags);
      std::size_t rules = r.ruleset ? r.ruleset->rules().size() : 0;
      // The kill rules by name: what `run --enforce` would stop in the kernel.
      if (r.ruleset)
        for (const auto& name : r.ruleset->kill_program().rules)
          std::cout << "action: kill  " << name << "\n";
      std::cout << r.files.size() << " file(s), " << rules << " enabled rule(s): "
                << r.diags.error_count() << " error(s), " << r.diags.warning_count()
                << " warning(s)\n";
    }
    return r.diags.has_errors() ? 1 : 0;
  };
}

}  // namespace th::cli
