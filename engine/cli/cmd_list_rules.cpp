// tracehound list-rules [--json] [-r R]... [-c F]: every rule of the files loaded, as `falco -L`
// describes them: name, priority, tags, action (kill or none), whether it is enabled (after the config's selections and
// -D/-T/-t), whether it loaded or was skipped (and for what), and where it is defined.
#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

struct ListOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::vector<std::string> rules;
  RuleFlags flags;
  bool json = false;
};

std::string state(const RuleStatus& r) {
  switch (r.outcome) {
    case RuleOutcome::loaded: return r.enabled ? "enabled" : "disabled";
    case RuleOutcome::failed: return "error";
    default: break;
  }
  return "skipped: " + std::string(rule_outcome_reason(r.outcome)) +
         (r.missing.empty() ? "" : " (" + r.missing + ")");
}

nlohmann::ordered_json as_json(const std::vector<RuleStatus>& rules) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& r : rules) {
    nlohmann::ordered_json j;
    j["name"] = r.name;
    j["priority"] = priority_name(r.priority);
    j["tags"] = r.tags;
    j["enabled"] = r.enabled && r.outcome == RuleOutcome::loaded;
    j["action"] = rule_action_name(r.action);
    j["status"] = r.outcome == RuleOutcome::loaded ? "loaded"
                  : r.outcome == RuleOutcome::failed ? "error"
                                                      : "skipped";
    if (auto why = rule_outcome_reason(r.outcome); !why.empty()) j["skipped_because"] = why;
    if (!r.missing.empty()) j["needs"] = r.missing;
    j["source"] = {{"file", r.pos.file}, {"line", r.pos.line}};
    out.push_back(std::move(j));
  }
  return out;
}

void print_text(const std::vector<RuleStatus>& rules) {
  std::size_t width = 4;
  for (const auto& r : rules) width = std::max(width, std::min<std::size_t>(r.name.size(), 60));
  auto pad = [](std::string s, std::size_t w) { return s.size() < w ? s + std::string(w - s.size(), ' ') : s; };
  std::cout << pad("RULE", width) << "  " << pad("PRIORITY", 13) << "  " << pad("STATE", 9)
            << "  ACTION  SOURCE  TAGS\n";
  for (const auto& r : rules) {
    std::string tags;
    for (const auto& t : r.tags) tags += (tags.empty() ? "" : ",") + t;
    std::cout << pad(r.name, width) << "  " << pad(std::string(priority_name(r.priority)), 13)
              << "  " << pad(state(r), 9) << "  " << pad(std::string(rule_action_name(r.action)), 6)
              << "  " << r.pos.file << ":" << r.pos.line << "  "
              << tags << "\n";
  }
}

int list_rules(const ListOptions& o) {
  Config cfg;
  if (!load_config(o.config_path, o.overrides, cfg)) return 2;
  if (!o.rules.empty()) cfg.rules_files = o.rules;
  if (cfg.rules_files.empty()) cfg.rules_files = {default_rules_dir()};
  append_rule_flags(o.flags, cfg.rule_selections);
  LoadResult r = load_rules(cfg.rules_files, load_options(cfg));
  // Errors on stderr, and selections that matched no rule (what the user asked for here); the
  // other warnings (skipped rules and why) are what `validate` prints.
  for (const auto& d : r.diags.items())
    if (d.severity == Severity::error || d.code == "TH-W-SELECTION-UNMATCHED")
      std::cerr << format_diagnostic(d);
  bool errors = r.diags.has_errors();
  if (o.json)
    std::cout << as_json(r.rules).dump(2) << "\n";
  else
    print_text(r.rules);
  return errors ? 1 : 0;
}

}  // namespace

Runner add_list_rules(CLI::App& app) {
  auto* cmd = app.add_subcommand("list-rules", "List the rules loaded, as falco -L does");
  auto o = std::make_shared<ListOptions>();
  add_config_option(*cmd, o->config_path);
  add_override_option(*cmd, o->overrides, true);
  cmd->add_option("-r,--rules", o->rules,
                  "Rules file or folder, repeatable, loaded in order (default: the config's, "
                  "else the built-in ruleset)")
      ->allow_extra_args(false);
  add_rule_flags(*cmd, o->flags);
  cmd->add_flag("--json", o->json, "As a JSON array");
  return [o]() { return list_rules(*o); };
}

}  // namespace th::cli
