#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
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

void add_config_option(CLI::App& cmd, std::string& path) {
  cmd.add_option("-c,--config", path,
                 std::string("Config file (default: ") + kDefaultConfigPath + " when it exists)");
}

void add_override_option(CLI::App& cmd, std::vector<std::string>& overrides, bool short_o) {
  cmd.add_option(short_o ? "-o,--option" : "--option", overrides,
                 "Set a config key, e.g. metrics.port=9000 (repeatable; as in the file)")
      ->allow_extra_args(false);
}

void add_duration_option(CLI::App& cmd, double& seconds) {
  cmd.add_option("--duration", seconds, "Stop after this many seconds (default: until a signal)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            double d = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
            if (ec != std::errc() || p != v.data() + v.size() || !(d >= 0) || d > 1e9)
              return "'" + v + "' is not a number of seconds, 0 or more";
            return {};
          },
          "SECONDS"));
}

void add_rule_flags(CLI::App& cmd, RuleFlags& f) {
  cmd.add_option("-D", f.disable_substrings,
                 "Disable the rules whose names contain this text (repeatable; Falco's -D)")
      ->allow_extra_args(false);
  auto* big_t = cmd.add_option("-T", f.disable_tags,
                               "Disable the rules with this tag (repeatable; Falco's -T)")
                    ->allow_extra_args(false);
  cmd.add_option("-t", f.only_tags,
                 "Run only the rules with this tag (repeatable; Falco's -t; not with -T)")
      ->allow_extra_args(false)
      ->excludes(big_t);
}

void append_rule_flags(const RuleFlags& f, std::vector<RuleSelection>& out) {
  for (const auto& s : f.disable_substrings)
    out.push_back({false, false, "*" + s + "*", {"-D " + s, 0, 0}});
  for (const auto& t : f.disable_tags) out.push_back({false, true, t, {"-T " + t, 0, 0}});
  if (!f.only_tags.empty()) out.push_back({false, false, "*", {"-t", 0, 0}});
  for (const auto& t : f.only_tags) out.push_back({true, true, t, {"-t " + t, 0, 0}});
}

void add_common_options(CLI::App& cmd, CommonOptions& o) {
  add_rule_flags(cmd, o.rule_flags);
  add_config_option(cmd, o.config_path);
  add_override_option(cmd, o.overrides, true);
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

namespace {

void read_config_file(const std::string& path, const std::vector<std::string>& overrides,
                      Config& cfg, Diagnostics& d) {
  if (auto p = resolve_config_path(path)) cfg = load_config_file(*p, d);
  for (const auto& kv : overrides) apply_config_override(cfg, kv, d);
}

// The cross-field checks (once: parse_config made them for the file alone) and the files the
// config names, then the diagnostics printed; true when there was no error.
bool finish_config(const Config& cfg, Diagnostics& d) {
  if (!d.has_errors()) validate_config(cfg, d);
  if (!d.has_errors()) check_config_files(cfg, d);
  d.attach_snippets();
  return !print_diagnostics(d);
}

}  // namespace

bool load_config(const std::string& path, const std::vector<std::string>& overrides, Config& cfg) {
  Diagnostics d;
  read_config_file(path, overrides, cfg, d);
  return finish_config(cfg, d);
}

bool build_config(const CommonOptions& o, Config& cfg) {
  Diagnostics d;
  read_config_file(o.config_path, o.overrides, cfg, d);
  if (!o.rules.empty()) cfg.rules_files = o.rules;
  append_rule_flags(o.rule_flags, cfg.rule_selections);
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
  return finish_config(cfg, d);
}

}  // namespace th::cli
