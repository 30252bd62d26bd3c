// Rule files read into plain structs (stage 1 of loading). Every value keeps where it was written,
// so later stages can point diagnostics at it. Nothing here is resolved or checked beyond shape.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/condition/source_map.h"
#include "engine/core/diagnostics.h"

namespace th::rules {

// A string from the file with the position of each of its pieces (for multi-line scalars).
struct Text {
  std::string value;
  std::string file;
  std::vector<cond::SourceMap::Segment> segments;
  SourcePos pos() const;  // where the value starts
  bool empty() const { return value.empty(); }
};

template <class T>
struct Located {
  T value{};
  SourcePos pos;
};

enum class OverrideOp : uint8_t { append, replace };

// `override: {condition: append, output: replace}`
struct Overrides {
  std::map<std::string, Located<OverrideOp>> keys;
  bool present = false;
  bool has(const std::string& key, OverrideOp op) const {
    auto it = keys.find(key);
    return it != keys.end() && it->second.value == op;
  }
};

struct ListItem {
  Located<std::string> name;
  SourcePos pos;
  std::vector<Text> items;
  bool append = false;  // deprecated `append: true`, or `override: {items: append}`
  Overrides overrides;
};

struct MacroItem {
  Located<std::string> name;
  SourcePos pos;
  Text condition;
  bool append = false;
  Overrides overrides;
};

// One exception entry: fields (one or a list), comps (optional), values (tuples).
struct ExceptionValue {
  bool is_list = false;
  Text item;                          // when scalar
  std::vector<ExceptionValue> items;  // when a list
  SourcePos pos;
};

struct ExceptionItem {
  Located<std::string> name;
  SourcePos pos;
  std::optional<ExceptionValue> fields;
  std::optional<ExceptionValue> comps;
  std::vector<ExceptionValue> values;
};

struct RuleItem {
  Located<std::string> name;
  SourcePos pos;
  std::optional<Text> condition;
  std::optional<Text> output;
  std::optional<Located<std::string>> desc;
  std::optional<Located<std::string>> priority;
  std::optional<std::vector<Located<std::string>>> tags;
  std::optional<Located<bool>> enabled;
  std::optional<std::vector<ExceptionItem>> exceptions;
  std::optional<Located<std::string>> source;
  std::optional<Located<bool>> warn_evttypes;
  std::optional<Located<bool>> skip_if_unknown_filter;
  std::optional<Located<bool>> fold;  // tracehound: fold repeated matches into a summary
  // tracehound: what the kernel does when the rule matches and enforcement is on ("kill",
  // "none"), and a condition under which it does not (the alert stays).
  std::optional<Located<std::string>> action;
  std::optional<Text> action_unless;
  bool append = false;  // deprecated `append: true`
  Overrides overrides;
};

struct EngineVersionItem {
  Located<std::string> version;
  SourcePos pos;
};

// One item of a rules file, in file order.
struct Item {
  enum class Kind : uint8_t { list, macro, rule, engine_version, plugin_versions } kind;
  ListItem list;
  MacroItem macro;
  RuleItem rule;
  EngineVersionItem engine_version;
};

struct RulesFile {
  std::string path;
  std::vector<Item> items;
};

}  // namespace th::rules
