// YAML nodes as JSON values, so that rule-test events go through the same event_from_json as
// replay files. yaml-cpp leaves scalars untyped; they are typed here as YAML 1.2's core schema
// does: quoted scalars are strings, plain ones are null, true/false, integers (decimal, 0x hex,
// 0o octal) or floats when they read as such, strings otherwise.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/core/diagnostics.h"

namespace th::ruletest {

nlohmann::json yaml_to_json(const YAML::Node& node);

// The position of a node in `file` (1-based line and column; 0 when yaml-cpp has no mark).
SourcePos node_pos(const std::string& file, const YAML::Node& node);

// The node a dotted key path names inside `root` ("ptrace.request", "proc.ancestors[1].pid"),
// or the deepest node of the path that exists. For pointing errors at the key they are about.
YAML::Node find_path(const YAML::Node& root, std::string_view path);

}  // namespace th::ruletest
