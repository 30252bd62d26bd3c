// The catalogue of diagnostic codes: every code a diagnostic may carry, with its severity, a
// one-line summary and a longer description. docs/diagnostics.md is generated from it (a test
// keeps the two equal), and a code written at a call site is checked against it when compiling:
// `diags.error("TH-E-TYPO", ...)` does not build.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace th {

enum class Severity : uint8_t { error, warning };

struct DiagnosticCodeInfo {
  std::string_view code;  // TH-<area>-<NAME>: E rules and tests, W rule warnings, C config,
                          // O outputs
  Severity severity;
  std::string_view summary;      // one line
  std::string_view description;  // what causes it and how to fix it
};

// clang-format off
inline constexpr std::array kDiagnosticCodes = {
// Rules files: reading (stage 1).
DiagnosticCodeInfo{"TH-E-FILE", Severity::error, "A rules or rule-test file cannot be read",
  "The path does not exist, is not readable, or names a folder without rules files. Check the "
  "path given to --rules, the config's rules_files, or the test file argument."},
DiagnosticCodeInfo{"TH-E-YAML", Severity::error, "A rules file is not valid YAML",
  "yaml-cpp could not parse the document; the position is where the parser gave up, which may "
  "be after the real mistake (an unclosed quote or bracket, a tab used for indentation)."},
DiagnosticCodeInfo{"TH-E-BAD-TYPE", Severity::error, "A value has the wrong YAML type",
  "The file must be a sequence of mappings, keys must be plain strings, and each key has a type: "
  "`condition` and `output` are strings, `tags` a sequence, `enabled` true or false, and so on "
  "(see schema/rules.schema.json)."},
DiagnosticCodeInfo{"TH-E-UNKNOWN-ITEM", Severity::error, "An item is neither a rule, macro nor list",
  "Each item of a rules file must have one of the keys rule, macro, list, "
  "required_engine_version or required_plugin_versions."},
DiagnosticCodeInfo{"TH-E-UNKNOWN-KEY", Severity::error, "An item has a key tracehound does not know",
  "A misspelt key would otherwise be ignored silently. The message suggests the closest known "
  "key. The keys of each item are listed in schema/rules.schema.json."},
DiagnosticCodeInfo{"TH-E-DUPLICATE-KEY", Severity::error, "A key appears twice in one item",
  "YAML would keep only one of the two values; say which one is meant by removing the other."},
DiagnosticCodeInfo{"TH-E-MISSING-KEY", Severity::error, "An item lacks a key it needs",
  "A list needs `items`, a macro `condition`, and a rule that is not an override needs "
  "`condition`, `output`, `desc` and `priority`."},
DiagnosticCodeInfo{"TH-E-BAD-NAME", Severity::error, "A list or macro name cannot be referenced",
  "Names are used inside conditions, so they cannot contain blanks, quotes, parentheses, '=' or "
  "','."},
DiagnosticCodeInfo{"TH-E-BAD-OVERRIDE", Severity::error, "An `override` entry is invalid",
  "`override` maps keys of the item to `append` or `replace`. Only some keys can be appended to, "
  "every overridden key needs a value in the item, every value of an override item needs an "
  "entry, and `append: true` cannot be combined with `override`."},
DiagnosticCodeInfo{"TH-E-DUPLICATE-OVERRIDE", Severity::error, "A key is overridden twice in one item",
  "Each key may appear once under `override`."},
DiagnosticCodeInfo{"TH-E-DUPLICATE-EXCEPTION", Severity::error, "Two exceptions of a rule share a name",
  "Exception names identify them for appends: give each a distinct `name`."},
DiagnosticCodeInfo{"TH-W-DEPRECATED-APPEND", Severity::warning, "`append: true` is deprecated",
  "Falco replaced `append: true` with `override: {key: append}`; both still work. Write the "
  "override form to say which keys are appended."},
DiagnosticCodeInfo{"TH-W-PLUGINS", Severity::warning, "`required_plugin_versions` is ignored",
  "tracehound has no plugins. A rule that uses a field of Falco's container plugin is skipped "
  "(TH-W-FALCO-ONLY); fields of other plugins are unknown fields."},
// Rules files: collecting (stage 2).
DiagnosticCodeInfo{"TH-E-ENGINE-VERSION", Severity::error, "The file needs a newer rules engine",
  "`required_engine_version` is higher than the Falco engine version tracehound implements, or "
  "is not a version (N or x.y.z)."},
DiagnosticCodeInfo{"TH-E-BAD-PRIORITY", Severity::error, "A priority is not one of Falco's",
  "Use EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL or DEBUG (any case; "
  "INFO is accepted)."},
DiagnosticCodeInfo{"TH-E-BAD-ACTION", Severity::error, "A rule's action is not one tracehound knows",
  "`action` (a tracehound extension) is `kill` (with enforcement on, the kernel kills the caller "
  "of a matching syscall before its write) or `none` (alert only, the default; useful to take "
  "the action off a default rule with `override: {action: replace}`)."},
DiagnosticCodeInfo{"TH-E-DANGLING-OVERRIDE", Severity::error, "An override names nothing defined earlier",
  "An item with `override` (or `append: true`) changes an earlier list, macro or rule of the same "
  "name, which must come first in load order."},
DiagnosticCodeInfo{"TH-E-BAD-EXCEPTION", Severity::error, "A rule exception is malformed",
  "An exception needs `fields`; `comps` must hold one comparison operator per field; each value "
  "must have one entry per field; a list of values needs `in`, `intersects` or `pmatch`."},
DiagnosticCodeInfo{"TH-W-DEPRECATED-ENABLED", Severity::warning, "An `enabled`-only item is deprecated",
  "An item with just `rule` and `enabled` used to switch a rule on or off; write it as an "
  "override: `override: {enabled: replace}`."},
// Rules files: resolving and compiling (stage 3).
DiagnosticCodeInfo{"TH-E-PARSE", Severity::error, "A condition is not valid Falco syntax",
  "The condition does not parse; the position and message say what was expected there. "
  "tracehound's parser follows Falco's grammar (libs 0.25), including its quirks."},
DiagnosticCodeInfo{"TH-E-UNDEFINED-MACRO", Severity::error, "A condition names a macro that does not exist",
  "A bare name in a condition is a macro reference. Define the macro before the rules are "
  "compiled (any file of the load), or fix the name: the message suggests the closest one."},
DiagnosticCodeInfo{"TH-E-MACRO-LOOP", Severity::error, "Macros refer to each other in a cycle",
  "The message shows the chain; a macro cannot use itself, directly or through others."},
DiagnosticCodeInfo{"TH-E-LIST-LOOP", Severity::error, "A list includes itself",
  "Lists may name other lists among their items, but not in a cycle."},
DiagnosticCodeInfo{"TH-E-TOO-LARGE", Severity::error, "A list or condition grows beyond the limits",
  "Lists that include other lists many times, or macros that expand exponentially, would make "
  "loading and evaluation unbounded; tracehound stops at a fixed size."},
DiagnosticCodeInfo{"TH-E-TOO-DEEP", Severity::error, "A condition nests too deeply",
  "Parentheses, `not` and macros nested beyond the limit are rejected so that hostile rules "
  "cannot exhaust the stack."},
DiagnosticCodeInfo{"TH-E-UNKNOWN-FIELD", Severity::error, "A condition or output uses an unknown field",
  "The field is not one tracehound provides (`tracehound list-fields` lists them). The message "
  "suggests the closest field; a rule with `skip-if-unknown-filter: true` is skipped instead."},
DiagnosticCodeInfo{"TH-E-UNKNOWN-EVENT-TYPE", Severity::error, "A condition compares evt.type with an unknown name",
  "The value is neither one of tracehound's event types nor one of Falco's (`falco --list-events`), "
  "so it is most likely a typo: the message suggests the closest name. A type only Falco has is "
  "not an error (see TH-W-FALCO-ONLY)."},
DiagnosticCodeInfo{"TH-E-FIELD-ARG", Severity::error, "A field's [argument] is missing or invalid",
  "Some fields need an argument (`proc.aname[2]`), others take none; numeric arguments have a "
  "range."},
DiagnosticCodeInfo{"TH-E-BAD-OPERAND", Severity::error, "An operand is not what the operator takes",
  "The left side of a comparison must be a field or transformer; list operators take a list, "
  "scalar operators one value, and only some operators accept a field on the right."},
DiagnosticCodeInfo{"TH-E-BAD-OPERATOR", Severity::error, "An operator does not apply to the field's type",
  "For example `contains` on a number or `<` on a string; the message names the field's type."},
DiagnosticCodeInfo{"TH-E-TYPE-MISMATCH", Severity::error, "Two fields of different types are compared",
  "A field on the right side (`val(...)` or a bare field) must have the left field's type."},
DiagnosticCodeInfo{"TH-E-BAD-VALUE", Severity::error, "A constant is not valid for the field",
  "Numbers must be integers in the field's range, booleans true or false, enumerations one of "
  "their names (for example PTRACE_POKETEXT), and no value may contain a NUL byte."},
DiagnosticCodeInfo{"TH-E-BAD-REGEX", Severity::error, "A `regex` pattern does not compile",
  "Patterns are RE2 syntax (no backreferences or lookaround); the message carries RE2's reason."},
DiagnosticCodeInfo{"TH-E-BAD-TRANSFORMER", Severity::error, "A transformer is used wrongly",
  "Each transformer takes a given number and type of arguments (`tolower(proc.name)`, "
  "`join(\",\", (a, b))`); `val()` only on the right side."},
DiagnosticCodeInfo{"TH-E-OUTPUT", Severity::error, "A rule's output format is invalid",
  "`%field` references in `output` must be known fields, with a closing ']' after an argument."},
DiagnosticCodeInfo{"TH-E-KILL-FIELD", Severity::error, "A kill rule's condition needs what the kernel does not know",
  "The kernel decides `action: kill` on its own, inside the syscall, from what it knows there: "
  "the event type, the ptrace request, whether the target is the caller or a descendant, the "
  "target's pid, the caller's and the target's executable by file identity (`in` lists and `=` "
  "of paths), the container boundary as the pid namespaces draw it, and the caller's uid. A "
  "field or operator outside that set (the message names it and where it is written) cannot be "
  "decided there: move the check out of the rule's condition into a separate alert-only rule, "
  "or into `action_unless`, or drop `action: kill`. `tracehound list-fields` marks the fields "
  "the kernel knows."},
DiagnosticCodeInfo{"TH-W-UNUSED-MACRO", Severity::warning, "A macro is not used by any rule",
  "Often a leftover or a misspelt reference; remove it or use it."},
DiagnosticCodeInfo{"TH-W-UNUSED-LIST", Severity::warning, "A list is not used by any rule",
  "Often a leftover or a misspelt reference; remove it or use it."},
DiagnosticCodeInfo{"TH-W-SOURCE", Severity::warning, "A rule's source is not syscall",
  "tracehound evaluates syscall rules only; rules for other sources (k8s_audit, plugins) are "
  "skipped."},
DiagnosticCodeInfo{"TH-W-SKIPPED-UNKNOWN-FIELD", Severity::warning, "A rule is skipped for an unknown field",
  "The rule says `skip-if-unknown-filter: true` and uses a field tracehound does not have, so it "
  "is left out instead of failing the load."},
DiagnosticCodeInfo{"TH-W-FALCO-ONLY", Severity::warning, "A rule needs a Falco field or event type tracehound lacks",
  "The rule (as Falco's stock rules do) uses a field Falco has and tracehound does not (`fd.sip`, "
  "`container.image.repository`...), or can only match event types tracehound does not see "
  "(`connect`, `mount`...). It is skipped, the rest load; the warning names the field or type and "
  "where it is used. `validate` ends with the count of rules skipped per reason, and "
  "docs/migration.md says what loads from Falco's stock files."},
DiagnosticCodeInfo{"TH-W-NEVER-MATCHES", Severity::warning, "A rule can match no event type tracehound sees",
  "Its `evt.type` checks exclude every type tracehound produces, so it never fires."},
DiagnosticCodeInfo{"TH-W-ALL-EVENT-TYPES", Severity::warning, "A rule does not restrict evt.type",
  "It is evaluated for every event. Add an `evt.type` check, or `warn_evttypes: false` when this "
  "is intended."},
DiagnosticCodeInfo{"TH-W-SELECTION-UNMATCHED", Severity::warning, "A rule selection matches no rule",
  "An entry of the config's `rules:` list (or -D, -T, -t, `-o rules[]...`) names a rule or tag "
  "that none of the loaded rules has, so it changes nothing: check the spelling, the `*` "
  "wildcards and the rules files loaded (`tracehound list-rules` lists names and tags)."},
DiagnosticCodeInfo{"TH-W-EMPTY-FOLDER", Severity::warning, "A rules folder holds no rules files",
  "Only *.yaml and *.yml files of a folder are loaded."},
// Event files (replay, capture).
DiagnosticCodeInfo{"TH-E-EVENT", Severity::error, "An event of an event file is invalid",
  "A line of a replay file is not a JSON object of schema/event.schema.json: invalid JSON, an "
  "unknown key, a value of the wrong type, or an unknown event type or ptrace request. The "
  "message names the key; the line is skipped and counted."},
// Rule-test files.
DiagnosticCodeInfo{"TH-E-TEST-YAML", Severity::error, "A rule-test file is not valid YAML",
  "yaml-cpp could not parse the file; see TH-E-YAML."},
DiagnosticCodeInfo{"TH-E-TEST-TYPE", Severity::error, "A rule-test value has the wrong type",
  "See schema/rule-tests.schema.json for the type of each key."},
DiagnosticCodeInfo{"TH-E-TEST-KEY", Severity::error, "A rule-test key is unknown or repeated",
  "A misspelt key would otherwise be ignored; the message suggests the closest known key."},
DiagnosticCodeInfo{"TH-E-TEST-MISSING", Severity::error, "A rule-test file or case lacks a key",
  "A file needs `cases`; each case needs `name`, `events` and `expect`."},
DiagnosticCodeInfo{"TH-E-TEST-DUPLICATE", Severity::error, "A test case or expectation is repeated",
  "Case names must be unique in a file, and a case expects each rule once."},
DiagnosticCodeInfo{"TH-E-TEST-EVENT", Severity::error, "An event of a rule test is invalid",
  "The event is checked as replay checks it (see TH-E-EVENT); the position points at the key "
  "at fault."},
DiagnosticCodeInfo{"TH-E-TEST-PROCESS", Severity::error, "A process declared by a rule test is invalid",
  "Declared processes are process objects of the event format and need a positive pid."},
// Configuration.
DiagnosticCodeInfo{"TH-C-IO", Severity::error, "The config file cannot be read",
  "Check the path given to --config and its permissions."},
DiagnosticCodeInfo{"TH-C-YAML", Severity::error, "The config file is not valid YAML",
  "yaml-cpp could not parse the file; the position is where it gave up."},
DiagnosticCodeInfo{"TH-C-UNKNOWN-KEY", Severity::error, "The config has a key tracehound does not know",
  "The message suggests the closest known key; see schema/config.schema.json."},
DiagnosticCodeInfo{"TH-C-DUPLICATE-KEY", Severity::error, "A config key appears twice",
  "YAML would keep only one value; remove the other."},
DiagnosticCodeInfo{"TH-C-MISSING-KEY", Severity::error, "A config section lacks a key it needs",
  "For example a webhook without `url`, or an enabled file output without `path`."},
DiagnosticCodeInfo{"TH-C-BAD-TYPE", Severity::error, "A config value has the wrong type",
  "See schema/config.schema.json for the type of each key."},
DiagnosticCodeInfo{"TH-C-BAD-VALUE", Severity::error, "A config value is out of range or unknown",
  "Sizes and durations must be positive and within limits, names one of the allowed values."},
DiagnosticCodeInfo{"TH-C-SECRET", Severity::error, "A webhook secret cannot be used",
  "A webhook's auth header value comes from an environment variable that must be set, or from a "
  "file that must be readable and hold one non-empty line."},
// Outputs.
DiagnosticCodeInfo{"TH-O-FILE", Severity::error, "The file output cannot be opened",
  "The alert file's folder must exist and be writable."},
DiagnosticCodeInfo{"TH-O-SPOOL", Severity::error, "A webhook's spool cannot be used",
  "The write-ahead spool folder must be creatable and writable; it keeps accepted alerts "
  "across restarts."},
DiagnosticCodeInfo{"TH-O-HTTP", Severity::error, "The HTTP module cannot be loaded",
  "Webhooks need libtracehound_http.so, installed with tracehound in lib/tracehound/ (next to "
  "the command in a build tree), and the libcurl it links; the message says what the dynamic "
  "loader found wrong."},
DiagnosticCodeInfo{"TH-O-SYSLOG", Severity::error, "The syslog output is misconfigured",
  "An unknown facility, or a socket path too long for a Unix socket."},
};
// clang-format on

constexpr const DiagnosticCodeInfo* find_diagnostic_code(std::string_view code) {
  for (const DiagnosticCodeInfo& c : kDiagnosticCodes)
    if (c.code == code) return &c;
  return nullptr;
}

namespace detail {
// Called only when a code is missing from kDiagnosticCodes: not constexpr, so the consteval
// constructors below fail to compile and name it.
inline const DiagnosticCodeInfo* code_not_in_the_catalogue_with_this_severity() { return nullptr; }

consteval const DiagnosticCodeInfo& catalogued(const char* code, Severity want, bool check) {
  const DiagnosticCodeInfo* c = find_diagnostic_code(code);
  if (!c || (check && c->severity != want)) c = code_not_in_the_catalogue_with_this_severity();
  return *c;
}
}  // namespace detail

// A code known to the catalogue, checked at compile time. `DiagCode` takes any code;
// `ErrorCode` and `WarningCode` only codes of that severity.
class DiagCode {
 public:
  consteval DiagCode(const char* code)  // NOLINT: implicit on purpose, from the literal
      : info_(&detail::catalogued(code, Severity::error, false)) {}
  constexpr const DiagnosticCodeInfo& info() const { return *info_; }
  constexpr std::string_view code() const { return info_->code; }
  constexpr Severity severity() const { return info_->severity; }

 protected:
  constexpr explicit DiagCode(const DiagnosticCodeInfo* info) : info_(info) {}

 private:
  const DiagnosticCodeInfo* info_;
};

class ErrorCode : public DiagCode {
 public:
  consteval ErrorCode(const char* code)  // NOLINT
      : DiagCode(&detail::catalogued(code, Severity::error, true)) {}
};

class WarningCode : public DiagCode {
 public:
  consteval WarningCode(const char* code)  // NOLINT
      : DiagCode(&detail::catalogued(code, Severity::warning, true)) {}
};

// docs/diagnostics.md: every code with its severity, summary and description.
std::string diagnostic_codes_markdown();

}  // namespace th
