// The subcommands of `tracehound`. Each registers its options on the CLI11 app and returns the
// function that runs it; main() parses and dispatches. One exit-code rule for every command
// (README.md): 0 success; 1 the content judged is wrong (rules that do not compile, event lines
// that cannot be read, rule tests that fail); 2 bad usage (flags, config, an invalid rule-test
// file) or an infrastructure error (no probe, unreadable input, failed writes).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "engine/config/config.h"

namespace th::cli {

using Runner = std::function<int()>;

Runner add_validate(CLI::App& app);
Runner add_list_fields(CLI::App& app);
Runner add_list_rules(CLI::App& app);
Runner add_replay(CLI::App& app);
Runner add_run(CLI::App& app);
Runner add_capture(CLI::App& app);
Runner add_convert(CLI::App& app);
Runner add_test(CLI::App& app);

// Falco's rule-selection flags: -D SUBSTRING disables the rules whose names contain it, -T TAG
// disables the rules with the tag, -t TAG runs only the rules with one of the tags. They become
// selections after the config's (`rules:` and -o), as Falco 0.38 maps them.
struct RuleFlags {
  std::vector<std::string> disable_substrings, disable_tags, only_tags;
};
void add_rule_flags(CLI::App& cmd, RuleFlags& f);
void append_rule_flags(const RuleFlags& f, std::vector<RuleSelection>& out);

// Options shared by run and replay: config file, rules, format, webhooks.
struct CommonOptions {
  std::string config_path;
  std::vector<std::string> rules;
  std::string format;  // "", "text" or "json"
  std::vector<std::string> webhooks;
  std::string min_priority;
  bool no_fold = false;
  std::vector<std::string> overrides;  // -o key=value
  RuleFlags rule_flags;
};
void add_common_options(CLI::App& cmd, CommonOptions& o);
// Loads the config (if any) and applies the flags on top. Prints diagnostics; false on error.
bool build_config(const CommonOptions& o, Config& cfg);
// Loads the config file (`path`, or the default one when it exists) and checks the files it
// names. Prints diagnostics; false on error.
bool load_config(const std::string& path, const std::vector<std::string>& overrides, Config& cfg);

// -c,--config, --option key=value (with -o as its short form where -o is free) and --duration,
// as every command that takes them spells them.
void add_config_option(CLI::App& cmd, std::string& path);
void add_override_option(CLI::App& cmd, std::vector<std::string>& overrides, bool short_o);
void add_duration_option(CLI::App& cmd, double& seconds);

// The default ruleset: next to the installed binary, the install prefix, or the source tree.
std::string default_rules_dir();

// Logs go to stderr, so that stdout carries alerts only.
void setup_logging(bool verbose);

// Prints diagnostics to stderr (text) and returns whether there were errors.
bool print_diagnostics(const Diagnostics& d);

}  // namespace th::cli
