#include "engine/ruletest/yaml_json.h"

#include <charconv>
#include <cstdlib>
#include <regex>

namespace th::ruletest {
namespace {

using json = nlohmann::json;

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}
bool is_dec(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_oct(char c) { return c >= '0' && c <= '7'; }

// An integer in YAML 1.2 core form, as the narrowest JSON number that holds it.
bool parse_integer(std::string_view s, json& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    s.remove_prefix(2);
    if (!all_of(s, base == 16 ? is_hex : is_oct)) return false;
  } else if (!all_of(s, is_dec)) {
    return false;
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  if (!negative) {
    out = v;
    return true;
  }
  if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
  out = v == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(v);
  return true;
}

bool parse_float(const std::string& s, json& out) {
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (!std::regex_match(s, kFloat)) return false;
  out = std::strtod(s.c_str(), nullptr);
  return true;
}

json scalar_to_json(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  // yaml-cpp tags quoted and block scalars "!": they are strings whatever they hold.
  if (n.Tag() == "!") return s;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  json v;
  if (parse_integer(s, v) || parse_float(s, v)) return v;
  return s;
}

}  // namespace

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : node) a.push_back(yaml_to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (auto it = node.begin(); it != node.end(); ++it)
        o[it->first.IsScalar() ? it->first.Scalar() : YAML::Dump(it->first)] =
            yaml_to_json(it->second);
      return o;
    }
  }
  return nullptr;
}

SourcePos node_pos(const std::string& file, const YAML::Node& node) {
  auto m = node.Mark();
  if (m.line < 0) return {file, 0, 0};
  return {file, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
}

YAML::Node find_path(const YAML::Node& root, std::string_view path) {
  // Careful with yaml-cpp: `node = other` writes through to the document, and a non-const
  // operator[] can add keys. Nodes are rebound with reset() and read through const references.
  YAML::Node cur(root);
  while (!path.empty()) {
    std::size_t end = path.find_first_of(".[");
    std::string key(path.substr(0, end));
    path = end == std::string_view::npos ? std::string_view{} : path.substr(end);
    const YAML::Node& here = cur;
    if (!key.empty()) {
      if (!here.IsMap() || !here[key].IsDefined()) return cur;
      cur.reset(here[key]);
    }
    if (!path.empty() && path[0] == '.') {
      path.remove_prefix(1);
    } else if (!path.empty() && path[0] == '[') {
      std::size_t close = path.find(']');
      if (close == std::string_view::npos) return cur;
      std::size_t index = 0;
      std::string_view digits = path.substr(1, close - 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      const YAML::Node& seq = cur;
      if (ec != std::errc() || !seq.IsSequence() || index >= seq.size()) return cur;
      cur.reset(seq[index]);
      path.remove_prefix(close + 1);
      if (!path.empty() && path[0] == '.') path.remove_prefix(1);
    }
  }
  return cur;
}

}  // namespace th::ruletest
