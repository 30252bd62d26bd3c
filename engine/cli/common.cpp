#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "engine/cli/commands.h"

namespace th::cli {
namespace fs = std::filesystem;

void setup_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("tracehound");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
}

bool print_diagnostics(const Diagnostics& d) {
  std::cerr << format_diagnostics_text(d);
  return d.has_errors();
}

std::string default_rules_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/tracehound/rules");
  candidates.push_back(TH_INSTALL_RULES_DIR);
  candidates.push_back(fs::path(TH_SOURCE_DIR) / "rules");
  for (const auto& c : candidates)
    if (fs::is_directory(c, ec)) return c.string();
  return (fs::path(TH_SOURCE_DIR) / "rules").string();
}

void add_common_options(CLI::App& cmd, CommonOptions& o) {
  cmd.add_option("-c,--config", o.config_path,
                 std::string("Config file (default: ") + kDefaultConfigPath + " when it exists)");
  // One value per flag, so that a following positional argument is never taken for a rule file.
  cmd.add_option("-r,--rules", o.rules,
                 "Rules file or folder, repeatable, loaded in order (default: the built-in "
                 "ruleset)")
      ->allow_extra_args(false);
  cmd.add_option("--format", o.format, "Alert format on stdout: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd.add_option("--webhook", o.webhooks,
                 "Also POST alerts to this URL (repeatable; default webhook settings)")
      ->allow_extra_args(false);
  cmd.add_option("--min-priority", o.min_priority,
                 "Drop alerts less severe than this priority (e.g. WARNING)");
  cmd.add_flag("--no-fold", o.no_fold,
               "Alert on every match instead of one alert per injection session");
}

bool build_config(const CommonOptions& o, Config& cfg) {
  Diagnostics d;
  if (auto path = resolve_config_path(o.config_path)) cfg = load_config_file(*path, d);
  if (!o.rules.empty()) cfg.rules_files = o.rules;
  if (cfg.rules_files.empty()) cfg.rules_files = {default_rules_dir()};
  if (o.format == "text") cfg.format = AlertFormat::text;
  if (o.format == "json") cfg.format = AlertFormat::json;
  for (const auto& url : o.webhooks) add_webhook_url(cfg, url, d);
  if (!o.min_priority.empty()) {
    auto p = priority_from_name(o.min_priority);
    if (!p)
      d.error("TH-C-BAD-VALUE", {"--min-priority", 0, 0},
              "unknown priority '" + o.min_priority + "'");
    else
      cfg.minimum_priority = *p;
  }
  if (o.no_fold) cfg.folding.enabled = false;
  validate_config(cfg, d);
  d.attach_snippets();
  return !print_diagnostics(d);
}

}  // namespace th::cli
