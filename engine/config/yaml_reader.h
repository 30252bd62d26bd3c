// Typed reads from a yaml-cpp tree that report every problem as a TH-C-* Diagnostic at the node's
// file:line:col and leave the target untouched, so a bad value keeps its default.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config.h"
#include "engine/core/diagnostics.h"

namespace th::config_detail {

class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  SourcePos pos(const YAML::Node& n) const;
  void bad_type(const YAML::Node& n, std::string_view key, std::string_view expected);
  void bad_value(const YAML::Node& n, std::string_view key, const std::string& why);

  // Checks that `n` is a mapping whose keys are all in `allowed` and unique; reports the others.
  // Returns false (and reports) when `n` is not a mapping.
  bool check_map(const YAML::Node& n, std::string_view where,
                 std::initializer_list<std::string_view> allowed);

  // Each reads `map[key]` when present; absent keys and null values leave `out` untouched.
  void read(const YAML::Node& map, const char* key, bool& out);
  void read(const YAML::Node& map, const char* key, std::string& out, bool allow_empty = true);
  void read(const YAML::Node& map, const char* key, uint32_t& out, uint64_t min, uint64_t max);
  void read(const YAML::Node& map, const char* key, uint16_t& out, uint64_t min, uint64_t max);
  void read_size(const YAML::Node& map, const char* key, uint64_t& out, uint64_t min);
  void read_duration(const YAML::Node& map, const char* key, Millis& out, Millis min);
  void read_priority(const YAML::Node& map, const char* key, Priority& out);
  void read_string_list(const YAML::Node& map, const char* key, std::vector<std::string>& out);
  // A scalar node's text, or nullopt after reporting a type error.
  std::optional<std::string> scalar(const YAML::Node& n, std::string_view key,
                                    std::string_view expected);

  const std::string& file() const { return file_; }
  Diagnostics& diags() { return diags_; }

 private:
  std::optional<uint64_t> read_uint(const YAML::Node& map, const char* key, uint64_t min,
                                    uint64_t max);
  std::string file_;
  Diagnostics& diags_;
};

// The `rules:` selections (rule_selections.cpp), appended to `out` in order.
void read_rule_selections(YamlReader& r, const YAML::Node& n, std::vector<RuleSelection>& out);

}  // namespace th::config_detail
