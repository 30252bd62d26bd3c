#include "engine/config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "engine/core/closest_name.h"

namespace th::config_detail {
namespace {

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    default: return "nothing";
  }
}

}  // namespace

SourcePos YamlReader::pos(const YAML::Node& n) const {
  auto m = n.Mark();
  if (m.line < 0) return {file_, 0, 0};
  return {file_, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
}

void YamlReader::bad_type(const YAML::Node& n, std::string_view key, std::string_view expected) {
  // Appended, not "..." + std::string(...): GCC 12 warns (-Wrestrict) on that form wrongly.
  std::string msg = "'";
  msg.append(key).append("' must be ").append(expected).append(", not ").append(kind_of(n));
  diags_.error("TH-C-BAD-TYPE", pos(n), msg, "config");
}

void YamlReader::bad_value(const YAML::Node& n, std::string_view key, const std::string& why) {
  std::string msg = "'";
  msg.append(key).append("': ").append(why);
  diags_.error("TH-C-BAD-VALUE", pos(n), msg, "config");
}

bool YamlReader::check_map(const YAML::Node& n, std::string_view where,
                           std::initializer_list<std::string_view> allowed) {
  if (!n.IsMap()) {
    bad_type(n, where, "a mapping");
    return false;
  }
  std::set<std::string> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    // A copy: the iterator's value is a temporary, a reference to its member would dangle.
    const YAML::Node k = it->first;
    if (!k.IsScalar()) {
      bad_type(k, where, "a mapping with text keys");
      continue;
    }
    const std::string& key = k.Scalar();
    if (!seen.insert(key).second) {
      diags_.error("TH-C-DUPLICATE-KEY", pos(k),
                   "'" + key + "' appears twice in '" + std::string(where) + "'", "config");
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string msg = "unknown key '" + key + "' in '" + std::string(where) + "'";
    // Looser than closest_name(): a key cut short ("minimum_prio") is still suggested.
    std::string_view best;
    std::size_t best_d = std::max<std::size_t>(3, key.size() / 3 + 1);
    for (auto a : allowed) {
      auto d = edit_distance(key, a);
      if (d < best_d) best_d = d, best = a;
    }
    if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
    diags_.error("TH-C-UNKNOWN-KEY", pos(k), msg, "config");
  }
  return true;
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& n, std::string_view key,
                                              std::string_view expected) {
  if (!n.IsScalar()) {
    bad_type(n, key, expected);
    return std::nullopt;
  }
  return n.Scalar();
}

void YamlReader::read(const YAML::Node& map, const char* key, bool& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto s = scalar(n, key, "true or false");
  if (!s) return;
  bool v;
  if (!YAML::convert<bool>::decode(n, v)) return bad_type(n, key, "true or false");
  out = v;
}

void YamlReader::read(const YAML::Node& map, const char* key, std::string& out,
                      bool allow_empty) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto s = scalar(n, key, "a string");
  if (!s) return;
  if (!allow_empty && s->empty()) return bad_value(n, key, "must not be empty");
  out = *s;
}

std::optional<uint64_t> YamlReader::read_uint(const YAML::Node& map, const char* key,
                                              uint64_t min, uint64_t max) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  auto s = scalar(n, key, "a whole number");
  if (!s) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) {
    bad_type(n, key, "a whole number");
    return std::nullopt;
  }
  if (v < min || v > max) {
    bad_value(n, key,
              "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

void YamlReader::read(const YAML::Node& map, const char* key, uint32_t& out, uint64_t min,
                      uint64_t max) {
  if (auto v = read_uint(map, key, min, max)) out = static_cast<uint32_t>(*v);
}

void YamlReader::read(const YAML::Node& map, const char* key, uint16_t& out, uint64_t min,
                      uint64_t max) {
  if (auto v = read_uint(map, key, min, max)) out = static_cast<uint16_t>(*v);
}

void YamlReader::read_size(const YAML::Node& map, const char* key, uint64_t& out, uint64_t min) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto s = scalar(n, key, "a size such as 1048576 or \"64MiB\"");
  if (!s) return;
  auto v = parse_size(*s);
  if (!v) return bad_type(n, key, "a size such as 1048576 or \"64MiB\"");
  if (*v < min) return bad_value(n, key, "must be at least " + std::to_string(min) + " bytes");
  out = *v;
}

void YamlReader::read_duration(const YAML::Node& map, const char* key, Millis& out, Millis min) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto s = scalar(n, key, "a duration such as \"500ms\", \"5s\" or \"2m\"");
  if (!s) return;
  auto v = parse_duration(*s);
  if (!v) return bad_type(n, key, "a duration such as \"500ms\", \"5s\" or \"2m\"");
  if (*v < min)
    return bad_value(n, key, "must be at least " + std::to_string(min.count()) + "ms");
  out = *v;
}

void YamlReader::read_priority(const YAML::Node& map, const char* key, Priority& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  auto s = scalar(n, key, "a priority name");
  if (!s) return;
  auto p = priority_from_name(*s);
  if (!p)
    return bad_value(n, key,
                     "unknown priority '" + *s +
                         "' (emergency, alert, critical, error, warning, notice, "
                         "informational, debug)");
  out = *p;
}

void YamlReader::read_string_list(const YAML::Node& map, const char* key,
                                  std::vector<std::string>& out) {
  YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsSequence()) return bad_type(n, key, "a list of strings");
  std::vector<std::string> v;
  for (const auto& item : n) {
    auto s = scalar(item, key, "a list of strings");
    if (!s) continue;
    if (s->empty()) {
      bad_value(item, key, "an entry is empty");
      continue;
    }
    v.push_back(*s);
  }
  out = std::move(v);
}

}  // namespace th::config_detail
