// The keys of each item of a rules file: the reader accepts exactly these and the schema test
// checks schema/rules.schema.json against them, so the two cannot drift apart.
#pragma once

#include <span>
#include <string_view>

namespace th::rules::keys {

using Keys = std::span<const std::string_view>;

inline constexpr std::string_view kList[] = {"list", "items", "append", "override"};
inline constexpr std::string_view kMacro[] = {"macro", "condition", "append", "override"};
inline constexpr std::string_view kRule[] = {
    "rule",     "condition",     "output",  "desc",       "priority",
    "tags",     "enabled",       "exceptions", "source",  "append",
    "override", "warn_evttypes", "skip-if-unknown-filter", "fold",
    "action",   "action_unless",
    // Falco keys tracehound accepts and ignores:
    "capture", "capture_duration"};
inline constexpr std::string_view kException[] = {"name", "fields", "comps", "values"};
inline constexpr std::string_view kEngineVersion[] = {"required_engine_version"};
inline constexpr std::string_view kPluginVersions[] = {"required_plugin_versions"};

// What `override:` may name, per item kind: keys that take `append`, keys that take `replace`.
inline constexpr std::string_view kListOverridable[] = {"items"};
inline constexpr std::string_view kMacroOverridable[] = {"condition"};
inline constexpr std::string_view kRuleAppendable[] = {"condition", "output", "desc", "tags",
                                                       "exceptions"};
inline constexpr std::string_view kRuleReplaceable[] = {
    "condition", "output",        "desc",                   "priority", "tags",
    "exceptions", "enabled",      "warn_evttypes",          "skip-if-unknown-filter", "fold",
    "action",    "action_unless"};

constexpr bool contains(Keys keys, std::string_view key) {
  for (std::string_view k : keys)
    if (k == key) return true;
  return false;
}

}  // namespace th::rules::keys
