// tracehound validate FILES...: loads rules as `run` would and prints every diagnostic.
#include <algorithm>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

// What the skipped rules need most, so that a migrating user sees the gaps at a glance.
void print_needs(const LoadSummary& s) {
  if (s.missing.empty()) return;
  std::vector<std::pair<std::size_t, std::string>> needs;
  for (const auto& [what, count] : s.missing) needs.emplace_back(count, what);
  std::stable_sort(needs.begin(), needs.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::cout << "skipped rules need:";
  constexpr std::size_t kShown = 8;
  for (std::size_t i = 0; i < needs.size() && i < kShown; ++i)
    std::cout << (i ? ", " : " ") << needs[i].second << " (" << needs[i].first << ")";
  if (needs.size() > kShown) std::cout << ", and " << needs.size() - kShown << " more";
  std::cout << "\n";
}

}  // namespace

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
      print_needs(r.summary);
      std::cout << "rules: " << r.summary.describe() << "\n";
    }
    return r.diags.has_errors() ? 1 : 0;
  };
}

}  // namespace th::cli
